import assert from "node:assert/strict";
import { test } from "node:test";
import { messageDesc, type MessageDesc } from "./descriptors.js";
import { decodeMessage, type Json, type JsonObject } from "./decode.js";
import { encodeMessage } from "./encode.js";
import { decodeProtobuf, encodeProtobuf, hasProtobufType } from "./index.js";
import { apiVersions, kinds, messages } from "./schema.js";
import { Writer } from "./wire.js";

/** A value for every field (non-zero, so omitempty keeps it), recursing through pointers to `depth`. */
function sample(desc: MessageDesc, depth: number, salt: number): Json {
  switch (desc.special) {
    case "quantity":
      return salt % 2 ? "250m" : "1Gi";
    case "intorstring":
      return salt % 2 ? "50%" : 8080;
    case "time":
      return "2024-01-02T03:04:05Z";
    case "microtime":
      return "2024-01-02T03:04:05.123456Z";
    case "duration":
      return "1h2m3.5s";
    case "fieldsv1":
      return { "f:metadata": { "f:labels": {} } };
    case "rawextension":
      return { apiVersion: "v1", kind: "ConfigMap", data: { a: "b" } };
    case "json":
      return [1, "x", { y: true }];
    case "propsorarray":
      return depth > 0 ? [sample(messageDesc("apiextensions/v1.JSONSchemaProps"), depth - 1, salt)] : { type: "string" };
    case "propsorbool":
      return salt % 2 || depth === 0 ? true : (sample(messageDesc("apiextensions/v1.JSONSchemaProps"), depth - 1, salt) as JsonObject);
    case "propsorstringarray":
      return ["a", "b"];
    case "slice":
      return desc.item!.message ? [sample(desc.item!.message, depth - 1, salt)] : ["x", "y"];
    default:
  }
  const out: JsonObject = {};
  for (const f of desc.fields) {
    const recursive = f.message && (f.pointer || f.card !== "one");
    if (recursive && depth <= 0) continue;
    const one = (): Json => {
      if (f.message) return sample(f.message, f.pointer || f.card !== "one" ? depth - 1 : depth, salt + f.num);
      switch (f.scalar) {
        case "string":
          return `${f.name || "v"}-${salt}`;
        case "bytes":
          return Buffer.from(`bytes ${f.num}\u00ff`).toString("base64");
        case "bool":
          return true;
        case "double":
          return 1.5;
        case "int32":
          return f.num % 3 === 0 ? -7 : 7;
        default:
          return f.num % 2 ? 42 : -9007199254740991;
      }
    };
    const v = f.card === "repeated" ? [one(), one()] : f.card === "map" ? { b: one(), a: one() } : one();
    if (f.inline) Object.assign(out, v as JsonObject);
    else out[f.name] = v;
  }
  return out;
}

function roundTrip(desc: MessageDesc, value: Json): Json {
  const w = new Writer();
  encodeMessage(w, desc, value);
  return decodeMessage(desc, w.finish(), true);
}

/** Every value in `want` is in `got` at the same path. */
function assertContains(got: Json, want: Json, path: string): void {
  if (want !== null && typeof want === "object" && !Array.isArray(want)) {
    assert.ok(got !== null && typeof got === "object" && !Array.isArray(got), `${path}: object expected, got ${JSON.stringify(got)}`);
    for (const [k, v] of Object.entries(want)) assertContains((got as JsonObject)[k] as Json, v, `${path}.${k}`);
  } else if (Array.isArray(want)) {
    assert.ok(Array.isArray(got) && got.length === want.length, `${path}: array of ${want.length} expected, got ${JSON.stringify(got)}`);
    want.forEach((v, i) => assertContains((got as Json[])[i]!, v, `${path}[${i}]`));
  } else assert.deepEqual(got, want, path);
}

test("every message round-trips a fully populated value, and decoding is a fixed point", () => {
  let count = 0;
  for (const key of Object.keys(messages)) {
    if (messages[key] === "@unknown") continue;
    const desc = messageDesc(key);
    // JSONSchemaProps recurses through a dozen fields; two levels of it cover every field.
    const value = sample(desc, key.startsWith("apiextensions/") ? 2 : 3, 1);
    const once = roundTrip(desc, value);
    assertContains(once, value, key);
    assert.deepEqual(roundTrip(desc, once), once, `${key}: decode(encode(decoded)) changed`);
    // The zero value (an empty body) is a fixed point too.
    const zero = decodeMessage(desc, new Uint8Array(0), true);
    assert.deepEqual(roundTrip(desc, zero), zero, `${key}: zero value`);
    count++;
  }
  assert.ok(count > 550, `only ${count} messages`);
});

test("every kind round-trips through the k8s envelope", () => {
  const byPkg = new Map(Object.entries(apiVersions).map(([v, pkg]) => [pkg, v]));
  let count = 0;
  for (const [pkg, list] of Object.entries(kinds)) {
    const apiVersion = byPkg.get(pkg)!;
    for (const kind of list.split(" ")) {
      if (!hasProtobufType(apiVersion, kind)) continue; // meta/v1's List etc. are not kinds of meta.k8s.io
      const fields = sample(messageDesc(`${pkg}.${kind}`), 2, 0) as JsonObject;
      const obj = { apiVersion, kind, ...fields };
      const bytes = encodeProtobuf(obj);
      assert.ok(bytes, `${apiVersion} ${kind}`);
      const decoded = decodeProtobuf(bytes);
      assert.equal(decoded.kind, kind);
      assert.equal(decoded.apiVersion, apiVersion);
      assertContains(decoded.object as Json, obj as Json, `${apiVersion} ${kind}`);
      assert.deepEqual(Object.keys(decoded.object).slice(0, 2), ["kind", "apiVersion"]);
      count++;
    }
  }
  assert.ok(count > 130, `only ${count} kinds`);
});
