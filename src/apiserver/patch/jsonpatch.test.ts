import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { applyJSONPatch, decodeOperations } from "./jsonpatch.js";
import { PatchError } from "./errors.js";
import { parseGoJSON } from "./gojson.js";
import { GENERIC_422, run, status } from "./testutil.js";

const cm = () => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: "cm", labels: { app: "web" }, annotations: { note: "a&b" }, finalizers: ["a", "b", "c"] },
  data: { k: "v", n: "1" },
  spec: { replicas: 3, ratio: 1.5, list: [{ x: 1 }, { x: 2 }], empty: null },
});

interface Case {
  name: string;
  ops: unknown;
  /** Fields of the result to check, by top-level key. */
  want?: Record<string, unknown>;
  /** evanphx's reason behind kube's generic 422. */
  fails?: RegExp;
}

// Each case applies to a fresh copy of cm().
const cases: Case[] = [
  // add
  { name: "add a member", ops: [{ op: "add", path: "/metadata/labels/tier", value: "fe" }], want: { metadata: { ...cm().metadata, labels: { app: "web", tier: "fe" } } } },
  { name: "add replaces an existing member", ops: [{ op: "add", path: "/data/k", value: "w" }], want: { data: { k: "w", n: "1" } } },
  { name: "add at an index inserts", ops: [{ op: "add", path: "/metadata/finalizers/0", value: "z" }], want: { metadata: { ...cm().metadata, finalizers: ["z", "a", "b", "c"] } } },
  { name: "add at - appends", ops: [{ op: "add", path: "/metadata/finalizers/-", value: "z" }], want: { metadata: { ...cm().metadata, finalizers: ["a", "b", "c", "z"] } } },
  { name: "add at the length appends", ops: [{ op: "add", path: "/metadata/finalizers/3", value: "z" }], want: { metadata: { ...cm().metadata, finalizers: ["a", "b", "c", "z"] } } },
  { name: "add at -1 appends (evanphx counts from the new length)", ops: [{ op: "add", path: "/metadata/finalizers/-1", value: "z" }], want: { metadata: { ...cm().metadata, finalizers: ["a", "b", "c", "z"] } } },
  { name: "add past the end fails", ops: [{ op: "add", path: "/metadata/finalizers/5", value: "z" }], fails: /invalid index: 5/ },
  { name: "add to a missing parent fails", ops: [{ op: "add", path: "/metadata/ownerReferences/0", value: {} }], fails: /doc is missing path: "\/metadata\/ownerReferences\/0"/ },
  { name: "add under a null member fails", ops: [{ op: "add", path: "/spec/empty/x", value: 1 }], fails: /missing path/ },
  { name: "add under a scalar fails", ops: [{ op: "add", path: "/data/k/x", value: 1 }], fails: /missing path/ },
  { name: "add with a non-index into an array fails", ops: [{ op: "add", path: "/metadata/finalizers/x", value: 1 }], fails: /not a proper array index/ },
  { name: "add without value adds null", ops: [{ op: "add", path: "/data/z" }], want: { data: { k: "v", n: "1", z: null } } },
  { name: "add at the root fails", ops: [{ op: "add", path: "", value: {} }], fails: /missing path/ },
  { name: "~1 and ~0 unescape, in one pass", ops: [{ op: "add", path: "/metadata/annotations/example.com~1a~01", value: "x" }], want: { metadata: { ...cm().metadata, annotations: { note: "a&b", "example.com/a~1": "x" } } } },
  { name: "a path without a leading slash drops its first segment", ops: [{ op: "add", path: "spec/replicas", value: 5 }], want: { replicas: 5, spec: cm().spec } },
  { name: "later ops see earlier ones", ops: [{ op: "add", path: "/spec/new", value: {} }, { op: "add", path: "/spec/new/x", value: [1] }, { op: "add", path: "/spec/new/x/0", value: 0 }], want: { spec: { ...cm().spec, new: { x: [0, 1] } } } },
  // remove
  { name: "remove a member", ops: [{ op: "remove", path: "/data/k" }], want: { data: { n: "1" } } },
  { name: "remove a null member", ops: [{ op: "remove", path: "/spec/empty" }], want: { spec: { replicas: 3, ratio: 1.5, list: cm().spec.list } } },
  { name: "remove a missing member fails", ops: [{ op: "remove", path: "/data/zz" }], fails: /nonexistent key: zz/ },
  { name: "remove -1 removes the last element", ops: [{ op: "remove", path: "/metadata/finalizers/-1" }], want: { metadata: { ...cm().metadata, finalizers: ["a", "b"] } } },
  { name: "remove past the end fails", ops: [{ op: "remove", path: "/metadata/finalizers/3" }], fails: /invalid index/ },
  // replace
  { name: "replace a member", ops: [{ op: "replace", path: "/spec/replicas", value: 1 }], want: { spec: { ...cm().spec, replicas: 1 } } },
  { name: "replace a missing member adds it (evanphx v4)", ops: [{ op: "replace", path: "/data/zz", value: "new" }], want: { data: { k: "v", n: "1", zz: "new" } } },
  { name: "replace a missing index fails", ops: [{ op: "replace", path: "/metadata/finalizers/3", value: "x" }], fails: /missing key/ },
  { name: "replace -1", ops: [{ op: "replace", path: "/metadata/finalizers/-1", value: "x" }], want: { metadata: { ...cm().metadata, finalizers: ["a", "b", "x"] } } },
  { name: "replace the whole document", ops: [{ op: "replace", path: "", value: { kind: "ConfigMap", metadata: { name: "cm" } } }], want: { kind: "ConfigMap", metadata: { name: "cm" } } },
  { name: "replace the document with a scalar fails", ops: [{ op: "replace", path: "", value: 1 }], fails: /must be object or array/ },
  // move and copy
  { name: "move a member", ops: [{ op: "move", from: "/data/k", path: "/data/k2" }], want: { data: { n: "1", k2: "v" } } },
  { name: "move an element", ops: [{ op: "move", from: "/metadata/finalizers/0", path: "/metadata/finalizers/-" }], want: { metadata: { ...cm().metadata, finalizers: ["b", "c", "a"] } } },
  { name: "move from a missing member fails", ops: [{ op: "move", from: "/data/zz", path: "/data/k2" }], fails: /nonexistent key/ },
  { name: "move into itself fails", ops: [{ op: "move", from: "/spec", path: "/spec/x" }], fails: /missing destination path/ },
  { name: "copy a subtree, deeply", ops: [{ op: "copy", from: "/spec/list/0", path: "/spec/list/-" }, { op: "replace", path: "/spec/list/2/x", value: 9 }], want: { spec: { ...cm().spec, list: [{ x: 1 }, { x: 2 }, { x: 9 }] } } },
  { name: "copy from a missing member writes null (evanphx v4)", ops: [{ op: "copy", from: "/data/zz", path: "/data/c" }], want: { data: { k: "v", n: "1", c: null } } },
  { name: "copy from a missing parent fails", ops: [{ op: "copy", from: "/nope/x", path: "/data/c" }], fails: /missing from path/ },
  // test
  { name: "test passes", ops: [{ op: "test", path: "/spec/replicas", value: 3 }, { op: "test", path: "/spec/list", value: [{ x: 1 }, { x: 2 }] }, { op: "test", path: "/metadata/labels", value: { app: "web" } }], want: { spec: cm().spec } },
  { name: "test fails", ops: [{ op: "test", path: "/spec/replicas", value: 4 }, { op: "add", path: "/x", value: 1 }], fails: /testing value \/spec\/replicas failed/ },
  { name: "test null passes for a missing member", ops: [{ op: "test", path: "/data/zz", value: null }, { op: "test", path: "/spec/empty", value: null }], want: { data: cm().data } },
  { name: "test null fails for a present member", ops: [{ op: "test", path: "/data/k", value: null }], fails: /testing value/ },
  { name: "test a missing parent fails", ops: [{ op: "test", path: "/nope/x", value: null }], fails: /is missing path/ },
  // Go encodes the stored "a&b" as "a\u0026b", and scalars compare by text.
  { name: "test the whole document", ops: JSON.stringify([{ op: "test", path: "", value: cm() }]).replace("a&b", "a\\u0026b"), want: { data: cm().data } },
  { name: "test the whole document, & unescaped", ops: [{ op: "test", path: "", value: cm() }], fails: /testing value/ },
  { name: "test compares objects regardless of member order", ops: [{ op: "test", path: "/data", value: { n: "1", k: "v" } }], want: { data: cm().data } },
  { name: "test fails on an extra member", ops: [{ op: "test", path: "/data", value: { n: "1", k: "v", x: null } }], fails: /testing value/ },
  // Unknown ops
  { name: "an unknown op fails", ops: [{ op: "frob", path: "/x" }], fails: /^Unexpected kind: frob$/ },
  { name: "a missing op fails", ops: [{ path: "/x" }], fails: /^Unexpected kind: unknown$/ },
  { name: "a null op fails", ops: [null], fails: /^Unexpected kind: unknown$/ },
  { name: "a missing path fails", ops: [{ op: "add", value: 1 }], fails: /failed to decode path/ },
  { name: "no ops change nothing", ops: [], want: cm() },
  { name: "a null body changes nothing", ops: null, want: cm() },
];

describe("JSON patch (evanphx/json-patch v4 as kube 1.32 applies it)", () => {
  for (const c of cases) {
    it(c.name, () => {
      const out = run("json", cm(), c.ops);
      if (c.fails) {
        assert.ok("status" in out, "expected a failure");
        assert.deepEqual(out.status, GENERIC_422);
        assert.match(out.detail ?? "", c.fails);
        return;
      }
      assert.ok("object" in out, "status" in out ? `${out.status.message} ${out.detail ?? ""}` : "");
      for (const [k, v] of Object.entries(c.want ?? {})) assert.deepEqual(out.object[k], v, k);
    });
  }

  it("compares scalars in `test` by JSON text, as evanphx does", () => {
    const doc = cm();
    const pass = (value: string) => run("json", doc, `[{"op":"test","path":${value}}]`);
    // The stored value is encoded by Go: "a&b" becomes "a\u0026b", so only that spelling matches.
    assert.ok("status" in pass('"/metadata/annotations/note","value":"a&b"'));
    assert.ok("object" in pass('"/metadata/annotations/note","value":"a\\u0026b"'));
    assert.ok("object" in pass('"/spec/ratio","value":1.5'));
    assert.ok("status" in pass('"/spec/replicas","value":3.0'));
    assert.ok("status" in pass('"/spec/replicas","value":"3"'));
    // A value the patch itself wrote compares by its own text.
    assert.ok("object" in run("json", doc, '[{"op":"add","path":"/x","value":"<&>"},{"op":"test","path":"/x","value":"<&>"}]'));
  });

  it("leaves the original alone", () => {
    const doc = cm();
    run("json", doc, [{ op: "replace", path: "/spec/replicas", value: 9 }, { op: "remove", path: "/metadata/finalizers/0" }]);
    assert.deepEqual(doc, cm());
  });

  it("rejects a result that is not an object as kube's decoder does", () => {
    const out = run("json", cm(), [{ op: "replace", path: "", value: [1, "<"] }]);
    const body = 'Invalid value: "[1,\\"\\\\u003c\\"]": couldn\'t get version/kind; json parse error: json: cannot unmarshal array into Go value of type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }';
    assert.deepEqual(out, { status: status(422, "Invalid", ` "" is invalid: patch: ${body}`, { causes: [{ reason: "FieldValueInvalid", message: body, field: "patch" }] }) });
  });

  it("rejects a kind that is not a string, and a malformed apiVersion", () => {
    const bad = run("json", cm(), [{ op: "replace", path: "/kind", value: 1 }]);
    assert.ok("status" in bad && bad.status.message?.endsWith("json parse error: json: cannot unmarshal number into Go struct field .kind of type string"));
    const gv = run("json", cm(), [{ op: "replace", path: "/apiVersion", value: "a/b/c" }]);
    assert.ok("status" in gv && gv.status.message?.endsWith(": unexpected GroupVersion string: a/b/c"));
  });

  it("decodes the body as kube does, per fieldValidation", () => {
    const cases: [string, "Strict" | "Ignore", string][] = [
      ["{}", "Strict", "error decoding patch: json: cannot unmarshal object into Go value of type []handlers.jsonPatchOp"],
      ["{}", "Ignore", "json: cannot unmarshal object into Go value of type jsonpatch.Patch"],
      ["[1]", "Ignore", "json: cannot unmarshal number into Go value of type jsonpatch.Operation"],
      ['[{"op":true}]', "Strict", "error decoding patch: json: cannot unmarshal bool into Go struct field jsonPatchOp.op of type string"],
      ["[", "Strict", "error decoding patch: unexpected end of JSON input"],
      ["[", "Ignore", "unexpected end of JSON input"],
      ["- op: add", "Strict", "error decoding patch: invalid character ' ' in numeric literal"],
    ];
    for (const [body, fieldValidation, message] of cases) {
      assert.deepEqual(run("json", cm(), body, undefined, { fieldValidation }), { status: status(400, "BadRequest", message) }, body);
    }
  });

  it("reports unknown and duplicate op fields as strict errors", () => {
    const body = '[{"op":"add","path":"/data/a","value":"1","valu":"x"},{"op":"remove","op":"remove","path":"/data/k"}]';
    const out = run("json", cm(), body);
    assert.ok("object" in out);
    assert.deepEqual(out.strictErrors, ['json patch unknown field "[0].valu"', 'json patch duplicate field "[1].op"']);
    assert.deepEqual(out.object.data, { n: "1", a: "1" });
    const ignored = run("json", cm(), body, undefined, { fieldValidation: "Ignore" });
    assert.ok("object" in ignored && ignored.strictErrors.length === 0);
  });

  it("allows 10000 operations and refuses more with 413", () => {
    const ops = (n: number) => JSON.stringify(Array.from({ length: n }, () => ({ op: "test", path: "/spec/replicas", value: 3 })));
    assert.ok("object" in run("json", cm(), ops(10000)));
    assert.deepEqual(run("json", cm(), ops(10001)), { status: status(413, "RequestEntityTooLarge", "Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001") });
  });

  it("limits the bytes copy operations add", () => {
    const ops = decodeOperations(parseGoJSON(Buffer.from('[{"op":"copy","from":"/a","path":"/b"},{"op":"copy","from":"/a","path":"/c"}]')));
    assert.ok(Array.isArray(ops));
    const doc = { a: "12345678" }; // 10 bytes as JSON
    assert.deepEqual(applyJSONPatch(doc, ops, 20), { a: "12345678", b: "12345678", c: "12345678" });
    assert.throws(
      () => applyJSONPatch(doc, ops, 19),
      (e: unknown) => e instanceof PatchError && e.failure.detail === "Unable to complete the copy, the accumulated size increase of copy is 20, exceeding the limit 19",
    );
  });
});
