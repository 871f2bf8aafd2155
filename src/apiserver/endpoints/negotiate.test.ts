import { test } from "node:test";
import assert from "node:assert/strict";
import { negotiate } from "./negotiate.js";
import { ApiError } from "../api/status.js";

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
