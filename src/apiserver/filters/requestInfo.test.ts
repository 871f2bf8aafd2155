import { test } from "node:test";
import assert from "node:assert/strict";
import { requestInfo } from "./requestInfo.js";

const ri = (method: string, url: string) => {
  const u = new URL(url, "http://x");
  return requestInfo(method, u.pathname, u.searchParams);
};

test("resource paths parse as kube's RequestInfoFactory does", () => {
  const cases: [string, string, Partial<ReturnType<typeof ri>>][] = [
    ["GET", "/api/v1/namespaces/default/pods", { verb: "list", apiGroup: "", apiVersion: "v1", namespace: "default", resource: "pods", name: "" }],
    ["GET", "/api/v1/namespaces/default/pods/p1", { verb: "get", resource: "pods", name: "p1", namespace: "default" }],
    ["GET", "/api/v1/namespaces/default/pods?watch=true", { verb: "watch", resource: "pods" }],
    ["GET", "/api/v1/watch/namespaces/default/pods", { verb: "watch", resource: "pods", namespace: "default" }],
    ["GET", "/api/v1/pods", { verb: "list", resource: "pods", namespace: "" }],
    ["POST", "/apis/apps/v1/namespaces/ns/deployments", { verb: "create", apiGroup: "apps", resource: "deployments" }],
    ["PUT", "/apis/apps/v1/namespaces/ns/deployments/d/scale", { verb: "update", subresource: "scale", name: "d" }],
    ["PATCH", "/api/v1/nodes/n1/status", { verb: "patch", resource: "nodes", name: "n1", subresource: "status" }],
    ["DELETE", "/api/v1/namespaces/ns/configmaps", { verb: "deletecollection", resource: "configmaps" }],
    ["DELETE", "/api/v1/namespaces/ns/configmaps/c", { verb: "delete", name: "c" }],
    ["GET", "/api/v1/namespaces/foo", { verb: "get", resource: "namespaces", name: "foo", namespace: "foo" }],
    ["PUT", "/api/v1/namespaces/foo/finalize", { verb: "update", resource: "namespaces", name: "foo", subresource: "finalize" }],
    ["GET", "/api/v1/namespaces/foo/status", { verb: "get", resource: "namespaces", name: "foo", subresource: "status" }],
    ["GET", "/api/v1/namespaces", { verb: "list", resource: "namespaces" }],
  ];
  for (const [m, url, want] of cases) {
    const got = ri(m, url);
    assert.equal(got.isResourceRequest, true, url);
    for (const [k, v] of Object.entries(want)) assert.equal(got[k as keyof typeof got], v, `${m} ${url}: ${k}`);
  }
});

test("non-resource paths", () => {
  for (const url of ["/", "/api", "/apis", "/apis/apps", "/version", "/healthz", "/openapi/v3"]) {
    assert.equal(ri("GET", url).isResourceRequest, false, url);
  }
  assert.equal(ri("GET", "/api/v1").apiVersion, "v1");
  assert.equal(ri("GET", "/apis/apps/v1").apiGroup, "apps");
});
