import { test } from "node:test";
import assert from "node:assert/strict";
import { negotiate, negotiateStatus, parseAccept, type Conversion, type NegotiateOptions } from "./negotiate.js";
import { ApiError } from "../api/status.js";

const PB = "application/vnd.kubernetes.protobuf";
const builtin: NegotiateOptions = { protobuf: true };
const custom: NegotiateOptions = { protobuf: false };
const objectConv: Conversion[] = ["Table", "PartialObjectMetadata"];
const listConv: Conversion[] = ["Table", "PartialObjectMetadataList"];

test("kubectl get's Accept picks the v1 Table", () => {
  const n = negotiate("application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json", ["Table"]);
  assert.equal(n.conversion, "Table");
  assert.equal(n.convVersion, "v1");
  assert.equal(n.contentType, "application/json;as=Table;v=v1;g=meta.k8s.io");
});

test("plain JSON, YAML, wildcard and no header", () => {
  assert.equal(negotiate("application/json", ["Table"]).conversion, "");
  assert.equal(negotiate("application/yaml", []).encoding, "yaml");
  assert.equal(negotiate("*/*", []).contentType, "application/json");
  assert.equal(negotiate(undefined, []).encoding, "json");
  assert.equal(negotiate(undefined, [], false, builtin).encoding, "json");
});

test("a conversion the endpoint cannot make falls through to the next range", () => {
  const n = negotiate("application/json;as=Table;v=v1;g=meta.k8s.io,application/json", []);
  assert.equal(n.conversion, "");
});

test("q-values order ranges; nothing acceptable is 406", () => {
  assert.equal(negotiate("application/json;q=0.5,application/yaml", []).encoding, "yaml");
  assert.throws(() => negotiate("application/vnd.kubernetes.protobuf", []), (e: unknown) => e instanceof ApiError && e.code === 406);
  assert.throws(() => negotiate("text/html", []), (e: unknown) => e instanceof ApiError && e.code === 406);
});

/** [Accept, endpoint, conversions, expected encoding/conversion or 406]. */
const table: [string, NegotiateOptions, Conversion[], string][] = [
  // client-go's defaults for built-in kinds, and kubectl's typed clients.
  [`${PB}, */*`, builtin, objectConv, "protobuf"],
  [`${PB},application/json`, builtin, objectConv, "protobuf"],
  // Custom resources have no protobuf form: the next clause answers, or 406.
  [`${PB}, */*`, custom, objectConv, "json"],
  [`${PB},application/json`, custom, objectConv, "json"],
  [PB, custom, objectConv, "406"],
  // Order and q-values.
  [`application/json, ${PB}`, builtin, objectConv, "json"],
  [`application/json;q=0.5, ${PB}`, builtin, objectConv, "protobuf"],
  [`${PB};q=0.9, application/yaml`, builtin, objectConv, "yaml"],
  // goautoneg puts a concrete type before */* whatever their q-values (its Less, insertion-sorted).
  [`*/*;q=0.9, ${PB};q=0.5`, builtin, objectConv, "protobuf"],
  // q=0 is not dropped, only sorted last.
  [`${PB};q=0`, builtin, objectConv, "protobuf"],
  [`${PB};q=0, application/json;q=0.1`, builtin, objectConv, "json"],
  // application/* and */* mean the first serializer: JSON.
  ["application/*", builtin, objectConv, "json"],
  ["*/json", builtin, objectConv, "406"],
  // Names are compared as sent.
  ["Application/JSON", builtin, objectConv, "406"],
  // Table has no protobuf form; PartialObjectMetadata has one, for custom resources too.
  [`${PB};as=Table;v=v1;g=meta.k8s.io, application/json;as=Table;v=v1;g=meta.k8s.io, application/json`, builtin, listConv, "json Table"],
  [`${PB};as=Table;v=v1;g=meta.k8s.io`, builtin, listConv, "406"],
  [`${PB};as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json`, builtin, listConv, "protobuf PartialObjectMetadataList"],
  [`${PB};as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json`, custom, listConv, "protobuf PartialObjectMetadataList"],
  [`${PB};as=PartialObjectMetadata;g=meta.k8s.io;v=v1beta1`, builtin, objectConv, "protobuf PartialObjectMetadata"],
  // A conversion without its group, or to an unknown kind, is skipped.
  [`${PB};as=PartialObjectMetadata;v=v1, application/json`, builtin, objectConv, "json"],
  [`${PB};as=Pod;g=meta.k8s.io;v=v1, application/json`, builtin, objectConv, "json"],
  // stream=watch needs a stream serializer (not YAML); other schemas are refused.
  [`application/yaml;stream=watch, ${PB}`, builtin, objectConv, "protobuf"],
  [`application/json;stream=foo, ${PB}`, builtin, objectConv, "protobuf"],
];

for (const [accept, opts, conv, want] of table) {
  test(`negotiate ${JSON.stringify(accept)} (${opts.protobuf ? "built-in kind" : "custom resource"}) -> ${want}`, () => {
    if (want === "406") {
      assert.throws(() => negotiate(accept, conv, false, opts), (e: unknown) => e instanceof ApiError && e.code === 406);
      return;
    }
    const n = negotiate(accept, conv, false, opts);
    assert.equal(`${n.encoding}${n.conversion ? " " + n.conversion : ""}`, want);
    if (n.encoding === "protobuf") assert.equal(n.contentType, PB);
  });
}

test("watch: protobuf streams as ;stream=watch; YAML cannot stream (406 names the stream types)", () => {
  const watch = { protobuf: true, watch: true };
  assert.equal(negotiate(`${PB}, */*`, objectConv, false, watch).contentType, `${PB};stream=watch`);
  assert.equal(negotiate(`${PB};stream=watch`, objectConv, false, watch).contentType, `${PB};stream=watch`);
  assert.equal(negotiate("application/json", objectConv, false, watch).contentType, "application/json");
  assert.equal(negotiate(`${PB}, */*`, objectConv, false, { watch: true }).contentType, "application/json");
  // kube takes the first acceptable clause, then finds YAML has no stream form: 406, not JSON.
  for (const accept of ["application/yaml", "application/yaml, application/json"]) {
    assert.throws(
      () => negotiate(accept, objectConv, false, watch),
      (e: unknown) => e instanceof ApiError && e.code === 406 && e.status.message === `only the following media types are accepted: application/json;stream=watch, ${PB};stream=watch`,
    );
  }
});

test("406 lists every media type kube serves", () => {
  assert.throws(
    () => negotiate("text/html", [], false, builtin),
    (e: unknown) => e instanceof ApiError && e.status.message === `only the following media types are accepted: application/json, application/yaml, ${PB}`,
  );
});

test("pretty: the query's or the clause's pretty=1, for JSON only", () => {
  assert.equal(negotiate("application/json;pretty=1", []).pretty, true);
  assert.equal(negotiate("application/json", [], true).pretty, true);
  assert.equal(negotiate(PB, [], true, builtin).pretty, false);
});

test("errors: any serializer, no conversion, whatever the endpoint; JSON when nothing matches", () => {
  assert.equal(negotiateStatus(`${PB}, */*`).encoding, "protobuf");
  assert.equal(negotiateStatus(`${PB};as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json`).encoding, "json");
  assert.equal(negotiateStatus("application/json;as=Table;v=v1;g=meta.k8s.io,application/json").encoding, "json");
  assert.equal(negotiateStatus("application/json;as=Table;v=v1;g=meta.k8s.io").encoding, "json");
  assert.equal(negotiateStatus("application/yaml").encoding, "yaml");
  assert.equal(negotiateStatus("text/html").encoding, "json");
  assert.equal(negotiateStatus(undefined).encoding, "json");
});

test("parseAccept: goautoneg's parsing (spaces trimmed around names, an unparsable q is 0, media ranges without a subtype dropped)", () => {
  const r = parseAccept(" application/json ;q=0.5; as = Table ,text, */*;q=x, application/yaml;q=1, application/xml;q= 0.5 ");
  assert.deepEqual(r.map((c) => [c.type, c.subType, c.q, c.params]), [
    ["application", "yaml", 1, {}],
    ["application", "json", 0.5, { as: "Table" }],
    // Go's ParseFloat(" 0.5") fails: the value after "q=" is not trimmed.
    ["application", "xml", 0, {}],
    ["*", "*", 0, {}],
  ]);
});
