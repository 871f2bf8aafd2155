import { test } from "node:test";
import assert from "node:assert/strict";
import { parse as parseYaml } from "yaml";
import { buildOpenAPI } from "./index.js";
import { encodeV2Document, negotiateV2, yamlV3 } from "./v2proto.js";
import { cronTabs, testResources } from "./testdata.js";

type Json = Record<string, unknown>;

// ---------------------------------------------------------------------------------------------
// A decoder written from OpenAPIv2.proto alone (not from the encoder): each message's fields by
// number as [swagger name, type, repeated]. A field the table does not know fails the decode.

type FieldType = "string" | "bool" | "int64" | "double" | string;
type Table = Record<number, [name: string, type: FieldType, repeated?: true]>;
const R = true as const;
const EXT: [string, string, true] = ["x", "NamedAny", R];
const SUB: Table = { 1: ["required", "bool"], 2: ["in", "string"], 3: ["description", "string"], 4: ["name", "string"] };

const MESSAGES: Record<string, Table> = {
  Document: { 1: ["swagger", "string"], 2: ["info", "Info"], 8: ["paths", "Paths"], 9: ["definitions", "NamedSchemas"], 12: ["security", "SecurityRequirement", R], 13: ["securityDefinitions", "SecurityDefinitions"], 16: EXT },
  Info: { 1: ["title", "string"], 2: ["version", "string"], 3: ["description", "string"], 7: EXT },
  Paths: { 1: EXT, 2: ["path", "NamedPathItem", R] },
  NamedPathItem: { 1: ["name", "string"], 2: ["value", "PathItem"] },
  PathItem: { 1: ["$ref", "string"], 2: ["get", "Operation"], 3: ["put", "Operation"], 4: ["post", "Operation"], 5: ["delete", "Operation"], 6: ["options", "Operation"], 7: ["head", "Operation"], 8: ["patch", "Operation"], 9: ["parameters", "ParametersItem", R], 10: EXT },
  Operation: {
    1: ["tags", "string", R], 2: ["summary", "string"], 3: ["description", "string"], 5: ["operationId", "string"], 6: ["produces", "string", R], 7: ["consumes", "string", R],
    8: ["parameters", "ParametersItem", R], 9: ["responses", "Responses"], 10: ["schemes", "string", R], 11: ["deprecated", "bool"], 13: EXT,
  },
  ParametersItem: { 1: ["parameter", "Parameter"], 2: ["jsonReference", "JsonReference"] },
  JsonReference: { 1: ["$ref", "string"], 2: ["description", "string"] },
  Parameter: { 1: ["body", "BodyParameter"], 2: ["nonBody", "NonBodyParameter"] },
  BodyParameter: { 1: ["description", "string"], 2: ["name", "string"], 3: ["in", "string"], 4: ["required", "bool"], 5: ["schema", "Schema"], 6: EXT },
  NonBodyParameter: { 1: ["header", "HeaderParameter"], 3: ["query", "QueryParameter"], 4: ["path", "PathParameter"] },
  HeaderParameter: { ...SUB, 5: ["type", "string"], 6: ["format", "string"], 19: ["uniqueItems", "bool"], 22: EXT },
  PathParameter: { ...SUB, 5: ["type", "string"], 6: ["format", "string"], 19: ["uniqueItems", "bool"], 22: EXT },
  QueryParameter: { ...SUB, 5: ["allowEmptyValue", "bool"], 6: ["type", "string"], 7: ["format", "string"], 20: ["uniqueItems", "bool"], 23: EXT },
  Responses: { 1: ["code", "NamedResponseValue", R], 2: EXT },
  NamedResponseValue: { 1: ["name", "string"], 2: ["value", "ResponseValue"] },
  ResponseValue: { 1: ["response", "Response"], 2: ["jsonReference", "JsonReference"] },
  Response: { 1: ["description", "string"], 2: ["schema", "SchemaItem"], 5: EXT },
  SchemaItem: { 1: ["schema", "Schema"] },
  Schema: {
    1: ["$ref", "string"], 2: ["format", "string"], 3: ["title", "string"], 4: ["description", "string"], 5: ["default", "Any"], 7: ["maximum", "double"], 9: ["minimum", "double"],
    11: ["maxLength", "int64"], 12: ["minLength", "int64"], 13: ["pattern", "string"], 14: ["maxItems", "int64"], 15: ["minItems", "int64"], 16: ["uniqueItems", "bool"],
    19: ["required", "string", R], 20: ["enum", "Any", R], 21: ["additionalProperties", "AdditionalPropertiesItem"], 22: ["type", "TypeItem"], 23: ["items", "ItemsItem"],
    24: ["allOf", "Schema", R], 25: ["properties", "NamedSchemas"], 31: EXT,
  },
  NamedSchemas: { 1: ["entry", "NamedSchema", R] },
  NamedSchema: { 1: ["name", "string"], 2: ["value", "Schema"] },
  AdditionalPropertiesItem: { 1: ["schema", "Schema"], 2: ["boolean", "bool"] },
  TypeItem: { 1: ["value", "string", R] },
  ItemsItem: { 1: ["schema", "Schema", R] },
  NamedAny: { 1: ["name", "string"], 2: ["value", "Any"] },
  Any: { 2: ["yaml", "string"] },
  SecurityRequirement: { 1: ["entry", "NamedStringArray", R] },
  NamedStringArray: { 1: ["name", "string"], 2: ["value", "StringArray"] },
  StringArray: { 1: ["value", "string", R] },
  SecurityDefinitions: { 1: ["entry", "NamedSecurityDefinitionsItem", R] },
  NamedSecurityDefinitionsItem: { 1: ["name", "string"], 2: ["value", "SecurityDefinitionsItem"] },
  SecurityDefinitionsItem: { 2: ["apiKey", "ApiKeySecurity"] },
  ApiKeySecurity: { 1: ["type", "string"], 2: ["name", "string"], 3: ["in", "string"], 4: ["description", "string"], 5: EXT },
};

/** The message as written: fields by name, repeated ones as arrays, `oneof` members as they came. */
function decodeRaw(buf: Uint8Array, type: string, start = 0, end = buf.length): Json {
  const table = MESSAGES[type];
  assert.ok(table, `no table for ${type}`);
  const out: Json = {};
  let pos = start;
  const varint = () => {
    let v = 0;
    let mul = 1;
    for (;;) {
      const b = buf[pos++]!;
      v += (b & 0x7f) * mul;
      if (b < 0x80) return v;
      mul *= 128;
    }
  };
  let lastField = 0;
  while (pos < end) {
    const tag = varint();
    const field = Math.floor(tag / 8);
    const wire = tag % 8;
    const spec = table[field];
    assert.ok(spec, `${type}: unexpected field ${field}`);
    assert.ok(field >= lastField, `${type}: field ${field} after ${lastField} (Go writes fields in number order)`);
    lastField = field;
    const [name, ftype, repeated] = spec;
    let value: unknown;
    if (ftype === "double") {
      assert.equal(wire, 1);
      value = Buffer.from(buf.buffer, buf.byteOffset + pos, 8).readDoubleLE(0);
      pos += 8;
    } else if (ftype === "bool" || ftype === "int64") {
      assert.equal(wire, 0);
      const v = varint();
      value = ftype === "bool" ? v === 1 : v;
    } else {
      assert.equal(wire, 2, `${type}.${name}: wire type`);
      const len = varint();
      value = ftype === "string" ? Buffer.from(buf.buffer, buf.byteOffset + pos, len).toString("utf8") : decodeRaw(buf, ftype, pos, pos + len);
      pos += len;
    }
    if (repeated) ((out[name] ??= []) as unknown[]).push(value);
    else {
      assert.ok(!(name in out), `${type}.${name} twice`);
      out[name] = value;
    }
  }
  assert.equal(pos, end, `${type}: overran its length`);
  return out;
}

const entries = (list: unknown, f: (v: Json) => unknown) => Object.fromEntries(((list as Json[] | undefined) ?? []).map((e) => [e.name as string, f(e.value as Json)]));
const ext = (m: Json) => entries(m.x, (a) => parseYaml(a.yaml as string));

/** gnostic's message back to the swagger JSON it stands for. */
function toSwagger(m: Json, type: string): Json {
  const table = MESSAGES[type]!;
  const out: Json = {};
  for (const [name, ftype, repeated] of Object.values(table)) {
    const v = m[name];
    if (v === undefined || name === "x") continue;
    if (["string", "bool", "int64", "double"].includes(ftype)) out[name] = v;
    else if (repeated) out[name] = (v as Json[]).map((x) => convert(x, ftype));
    else out[name] = convert(v as Json, ftype);
  }
  return { ...out, ...ext(m) };
}

function convert(m: Json, type: string): unknown {
  switch (type) {
    case "Paths":
      return { ...entries(m.path, (p) => toSwagger(p, "PathItem")), ...ext(m) };
    case "NamedSchemas":
      return entries(m.entry, (s) => toSwagger(s, "Schema"));
    case "ParametersItem": {
      if (m.jsonReference) return toSwagger(m.jsonReference as Json, "JsonReference");
      const p = m.parameter as Json;
      if (p.body) return toSwagger(p.body as Json, "BodyParameter");
      const [[kind, sub]] = Object.entries(p.nonBody as Json) as [[string, Json]];
      return toSwagger(sub, `${kind[0]!.toUpperCase()}${kind.slice(1)}Parameter`);
    }
    case "Responses":
      return { ...entries(m.code, (r) => (r.response ? toSwagger(r.response as Json, "Response") : toSwagger(r.jsonReference as Json, "JsonReference"))), ...ext(m) };
    case "SchemaItem":
      return toSwagger(m.schema as Json, "Schema");
    case "TypeItem":
      return (m.value as string[]).length === 1 ? (m.value as string[])[0] : m.value;
    case "ItemsItem":
      return toSwagger((m.schema as Json[])[0]!, "Schema");
    case "AdditionalPropertiesItem":
      return m.schema ? toSwagger(m.schema as Json, "Schema") : (m.boolean ?? false);
    case "Any":
      return parseYaml(m.yaml as string);
    case "SecurityRequirement":
      return entries(m.entry, (a) => a.value ?? []);
    case "SecurityDefinitions":
      return entries(m.entry, (d) => toSwagger(d.apiKey as Json, "ApiKeySecurity"));
    default:
      return toSwagger(m, type);
  }
}

// ---------------------------------------------------------------------------------------------

test("the served protobuf decodes back to the JSON document, in the same order", () => {
  const o = buildOpenAPI([...testResources, cronTabs], { version: "v1.32.4" });
  const pb = o.v2Protobuf();
  assert.equal(o.v2Protobuf(), pb, "cached");
  const json = JSON.parse(o.v2Json().toString()) as Json;
  const raw = decodeRaw(pb, "Document");
  const back = toSwagger(raw, "Document");
  assert.deepEqual(back, json);
  // deepEqual ignores key order; the named lists keep the document's.
  assert.deepEqual(Object.keys(back.paths as Json), Object.keys(json.paths as Json));
  assert.deepEqual(Object.keys(back.definitions as Json), Object.keys(json.definitions as Json));
});

test("messages and oneofs are the ones gnostic's parser picks", () => {
  const o = buildOpenAPI(testResources);
  const raw = decodeRaw(o.v2Protobuf(), "Document");
  assert.equal(raw.swagger, "2.0");
  assert.deepEqual(raw.info, { title: "Kubernetes", version: "unversioned" });

  const paths = (raw.paths as Json).path as Json[];
  const item = paths.find((p) => p.name === "/api/v1/namespaces/{namespace}/configmaps/{name}")!.value as Json;
  // Path-level parameters: name and namespace (path, NonBodyParameter.path_parameter_sub_schema), pretty (query).
  const pathParams = (item.parameters as Json[]).map((p) => Object.keys((p.parameter as Json).nonBody as Json)[0]);
  assert.deepEqual(pathParams, ["path", "path", "query"]);
  const put = item.put as Json;
  assert.equal(put.operationId, "replaceCoreV1NamespacedConfigMap");
  const body = (put.parameters as Json[]).map((p) => p.parameter as Json).find((p) => p.body)!.body as Json;
  assert.deepEqual(body, { name: "body", in: "body", required: true, schema: { $ref: "#/definitions/io.k8s.api.core.v1.ConfigMap" } });
  const query = (put.parameters as Json[]).map((p) => (p.parameter as Json).nonBody as Json | undefined).find((p) => (p?.query as Json | undefined)?.name === "fieldValidation")!;
  assert.equal((query.query as Json).type, "string");
  assert.equal((query.query as Json).uniqueItems, true);
  const codes = ((put.responses as Json).code as Json[]).map((c) => c.name);
  assert.deepEqual(codes, ["200", "201", "401"]);
  const ok = ((put.responses as Json).code as Json[])[0]!.value as Json;
  assert.deepEqual(((ok.response as Json).schema as Json).schema, { $ref: "#/definitions/io.k8s.api.core.v1.ConfigMap" });
  assert.deepEqual(put.x, [
    { name: "x-kubernetes-action", value: { yaml: "put\n" } },
    { name: "x-kubernetes-group-version-kind", value: { yaml: 'group: ""\nkind: ConfigMap\nversion: v1\n' } },
  ]);

  const defs = ((raw.definitions as Json).entry as Json[]).map((d) => [d.name, d.value] as [string, Json]);
  const cm = new Map(defs).get("io.k8s.api.core.v1.ConfigMap")!;
  assert.deepEqual(cm.type, { value: ["object"] });
  const props = new Map(((cm.properties as Json).entry as Json[]).map((p) => [p.name as string, p.value as Json]));
  assert.deepEqual(props.get("metadata")!.$ref, "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta");
  // data: an object of strings, additionalProperties as AdditionalPropertiesItem.schema.
  assert.deepEqual(props.get("data")!.additionalProperties, { schema: { type: { value: ["string"] } } });
  assert.deepEqual(cm.x, [{ name: "x-kubernetes-group-version-kind", value: { yaml: '- group: ""\n  kind: ConfigMap\n  version: v1\n' } }]);
  const pod = new Map(defs).get("io.k8s.api.core.v1.PodSpec")!;
  const containers = new Map(((pod.properties as Json).entry as Json[]).map((p) => [p.name as string, p.value as Json])).get("containers")!;
  assert.deepEqual(containers.items, { schema: [{ $ref: "#/definitions/io.k8s.api.core.v1.Container" }] });
  assert.deepEqual(containers.x, [
    { name: "x-kubernetes-list-map-keys", value: { yaml: "- name\n" } },
    { name: "x-kubernetes-list-type", value: { yaml: "map\n" } },
    { name: "x-kubernetes-patch-merge-key", value: { yaml: "name\n" } },
    { name: "x-kubernetes-patch-strategy", value: { yaml: "merge\n" } },
  ]);

  assert.deepEqual(raw.security, [{ entry: [{ name: "BearerToken", value: {} }] }], "an empty StringArray is still written");
  assert.deepEqual(raw.securityDefinitions, {
    entry: [{ name: "BearerToken", value: { apiKey: { type: "apiKey", name: "authorization", in: "header", description: "Bearer Token authentication" } } }],
  });
});

// Written by gnostic-models v0.6.8 (go-yaml v3.0.1, protobuf-go): ParseDocument + proto.Marshal,
// as kube-openapi's ToProtoBinary does, over GOLDEN_JSON.
const GOLDEN_JSON = {
  definitions: {
    "v1.Thing": {
      additionalProperties: false,
      description: "A thing.\nTwo lines.",
      properties: {
        items: { items: { $ref: "#/definitions/v1.Thing" }, type: "array", "x-kubernetes-list-map-keys": ["name", "port"], "x-kubernetes-list-type": "map" },
        mode: { default: "", enum: ["", "true", "a: b", "- x", "multi\nline"], type: "string" },
        labels: { additionalProperties: { type: "string" }, type: "object" },
        size: { format: "int64", maximum: 10, minimum: -1.5, type: "integer" },
      },
      required: ["mode"],
      type: "object",
      "x-kubernetes-group-version-kind": [{ group: "", kind: "Thing", version: "v1" }],
      "x-kubernetes-unions": [{ discriminator: "mode", "fields-to-discriminateBy": { items: "Items", size: "Size" } }],
    },
  },
  info: { title: "Kubernetes", version: "v1.32.4" },
  paths: {
    "/api/v1/things/{name}": {
      parameters: [{ description: "name of the Thing", in: "path", name: "name", required: true, type: "string", uniqueItems: true }],
      put: {
        consumes: ["*/*"],
        operationId: "replaceThing",
        parameters: [
          { in: "body", name: "body", required: true, schema: { $ref: "#/definitions/v1.Thing" } },
          { in: "query", name: "dryRun", type: "string", uniqueItems: true },
        ],
        produces: ["application/json"],
        responses: { "200": { description: "OK", schema: { $ref: "#/definitions/v1.Thing" } }, "401": { description: "Unauthorized" } },
        schemes: ["https"],
        tags: ["core_v1"],
        "x-kubernetes-action": "put",
        "x-kubernetes-group-version-kind": { group: "", kind: "Thing", version: "v1" },
      },
    },
  },
  security: [{ BearerToken: [] }],
  securityDefinitions: { BearerToken: { description: "Bearer Token authentication", in: "header", name: "authorization", type: "apiKey" } },
  swagger: "2.0",
};
const GOLDEN_PB =
  "CgMyLjASFQoKS3ViZXJuZXRlcxIHdjEuMzIuNEKHAxKEAwoVL2FwaS92MS90aGluZ3Mve25hbWV9EuoCGrMCCgdjb3JlX3YxKgxyZXBsYWNlVGhpbmcyEGFwcGxpY2F0aW9uL2pzb246AyovKkIsCioKKBIEYm9keRoEYm9keSABKhgKFiMvZGVmaW5pdGlvbnMvdjEuVGhpbmdCIAoeEhwaGhIFcXVlcnkiBmRyeVJ1bjIGc3RyaW5noAEBSkQKKQoDMjAwEiIKIAoCT0sSGgoYChYjL2RlZmluaXRpb25zL3YxLlRoaW5nChcKAzQwMRIQCg4KDFVuYXV0aG9yaXplZFIFaHR0cHNqHQoTeC1rdWJlcm5ldGVzLWFjdGlvbhIGEgRwdXQKakcKH3gta3ViZXJuZXRlcy1ncm91cC12ZXJzaW9uLWtpbmQSJBIiZ3JvdXA6ICIiCmtpbmQ6IFRoaW5nCnZlcnNpb246IHYxCkoyCjASLiIsCAESBHBhdGgaEW5hbWUgb2YgdGhlIFRoaW5nIgRuYW1lKgZzdHJpbmeYAQFKvQQKugQKCHYxLlRoaW5nEq0EIhNBIHRoaW5nLgpUd28gbGluZXMumgEEbW9kZaoBAhAAsgEICgZvYmplY3TKAb8CCoQBCgVpdGVtcxJ7sgEHCgVhcnJheboBGgoYChYjL2RlZmluaXRpb25zL3YxLlRoaW5n+gEuChp4LWt1YmVybmV0ZXMtbGlzdC1tYXAta2V5cxIQEg4tIG5hbWUKLSBwb3J0CvoBIAoWeC1rdWJlcm5ldGVzLWxpc3QtdHlwZRIGEgRtYXAKCmAKBG1vZGUSWCoFEgMiIgqiAQUSAyIiCqIBCRIHInRydWUiCqIBCRIHJ2E6IGInCqIBCBIGJy0geCcKogEYEhZ8LQogICAgbXVsdGkKICAgIGxpbmUKsgEICgZzdHJpbmcKJQoGbGFiZWxzEhuqAQ0KC7IBCAoGc3RyaW5nsgEICgZvYmplY3QKLQoEc2l6ZRIlEgVpbnQ2NDkAAAAAAAAkQEkAAAAAAAD4v7IBCQoHaW50ZWdlcvoBTQofeC1rdWJlcm5ldGVzLWdyb3VwLXZlcnNpb24ta2luZBIqEigtIGdyb3VwOiAiIgogIGtpbmQ6IFRoaW5nCiAgdmVyc2lvbjogdjEK+gFrChN4LWt1YmVybmV0ZXMtdW5pb25zElQSUi0gZGlzY3JpbWluYXRvcjogbW9kZQogIGZpZWxkcy10by1kaXNjcmltaW5hdGVCeToKICAgIGl0ZW1zOiBJdGVtcwogICAgc2l6ZTogU2l6ZQpiEQoPCgtCZWFyZXJUb2tlbhIAak8KTQoLQmVhcmVyVG9rZW4SPhI8CgZhcGlLZXkSDWF1dGhvcml6YXRpb24aBmhlYWRlciIbQmVhcmVyIFRva2VuIGF1dGhlbnRpY2F0aW9u";

test("bytes equal gnostic's for a small document", () => {
  // A JSON round trip first, as the served document is encoded from its JSON text.
  const pb = encodeV2Document(JSON.parse(JSON.stringify(GOLDEN_JSON)) as Json);
  assert.equal(pb.toString("base64"), GOLDEN_PB);
  assert.deepEqual(toSwagger(decodeRaw(pb, "Document"), "Document"), GOLDEN_JSON);
});

test("extension values are printed as go-yaml v3 prints them", () => {
  // Each checked against go-yaml v3.0.1's Marshal of the value parsed from JSON.
  const cases: [unknown, string][] = [
    ["atomic", "atomic\n"],
    ["merge,retainKeys", "merge,retainKeys\n"],
    [true, "true\n"],
    [3, "3\n"],
    [null, "null\n"],
    [["name", "port"], "- name\n- port\n"],
    [{ group: "", kind: "Pod", version: "v1" }, 'group: ""\nkind: Pod\nversion: v1\n'],
    [[{ group: "", kind: "Pod", version: "v1" }], '- group: ""\n  kind: Pod\n  version: v1\n'],
    [[{ discriminator: "type", "fields-to-discriminateBy": { a: "A" } }], "- discriminator: type\n  fields-to-discriminateBy:\n    a: A\n"],
    [{ a: { b: ["x", { c: 1 }] } }, "a:\n    b:\n        - x\n        - c: 1\n"],
    [[[1, 2], [], {}], "- - 1\n  - 2\n- []\n- {}\n"],
    [{}, "{}\n"],
    [[], "[]\n"],
    ["", '""\n'],
    ["true", '"true"\n'],
    ["1.5", '"1.5"\n'],
    ["0x1F", '"0x1F"\n'],
    ["2024-01-02", '"2024-01-02"\n'],
    ["~", '"~"\n'],
    ["a: b", "'a: b'\n"],
    ["- x", "'- x'\n"],
    ["#c", "'#c'\n"],
    ["a #b", "'a #b'\n"],
    ["key:", "'key:'\n"],
    [" lead", "' lead'\n"],
    ["quote'd", "quote'd\n"],
    ["'q'", "'''q'''\n"],
    ["tab\there", '"tab\\there"\n'],
    ["é ü", "é ü\n"],
    ["😀", '"\\U0001F600"\n'],
    ["multi\nline", "|-\n    multi\n    line\n"],
    [{ k: "keep\n\n", s: "one\n" }, "k: |+\n    keep\n\ns: |\n    one\n"],
    [["multi\nline"], "- |-\n  multi\n  line\n"],
    ["\nlead", "|4-\n    lead\n"],
    ["\n", "|4+\n"],
    [{ k: "\nx" }, "k: |4-\n    x\n"],
    ["a\tb\nc", "|-\n    a\tb\n    c\n"],
    ["a \nb", '"a \\nb"\n'],
    ["x\u0085y", '"x\\Ny"\n'],
    ["---", "'---'\n"],
    ["@a", "'@a'\n"],
  ];
  for (const [value, text] of cases) assert.equal(yamlV3(value), text, JSON.stringify(value));
});

test("Accept picks JSON or protobuf as kube-openapi's handler does", () => {
  const pb = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf";
  const pbDot = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";
  const cases: [string | undefined, string | undefined][] = [
    [undefined, "json"],
    ["", "json"],
    ["*/*", "json"],
    ["application/json", "json"],
    [pb, "protobuf"],
    [pbDot, "protobuf"],
    [`${pb}, application/json`, "protobuf"],
    [`application/json, ${pb}`, "json"],
    [`${pbDot}; q=0.5, application/json`, "json"],
    [`${pb}, */*`, "protobuf"],
    ["application/*", "json"],
    ["text/html", undefined],
    ["application/vnd.kubernetes.protobuf", undefined],
  ];
  for (const [accept, want] of cases) assert.equal(negotiateV2(accept), want, String(accept));
});
