import { test } from "node:test";
import assert from "node:assert/strict";
import { buildDiscovery } from "./discovery.js";
import { catalog, groupOrder } from "../registry/catalog.js";

const d = buildDiscovery(catalog, groupOrder);

test("the configmaps entry of /api/v1 is byte-for-byte what test-cmd greps for", () => {
  const body = d.resourceList("", "v1")!.toString();
  assert.ok(body.includes('{"name":"configmaps","singularName":"configmap","namespaced":true,"kind":"ConfigMap","verbs":["create","delete","deletecollection","get","list","patch","update","watch"],"shortNames":["cm"],"storageVersionHash":"qFsyl6wFWjQ="}'), body.slice(0, 400));
  const doc = JSON.parse(body);
  assert.equal(doc.kind, "APIResourceList");
  assert.equal(doc.apiVersion, undefined);
  assert.equal(doc.groupVersion, "v1");
});

test("scale subresources report autoscaling/v1 Scale", () => {
  const doc = JSON.parse(d.resourceList("apps", "v1")!.toString());
  const scale = doc.resources.find((r: { name: string }) => r.name === "deployments/scale");
  assert.deepEqual({ group: scale.group, version: scale.version, kind: scale.kind }, { group: "autoscaling", version: "v1", kind: "Scale" });
  const agg = JSON.parse(d.aggregated("apis", "v2").body.toString());
  const apps = agg.items.find((g: { metadata: { name: string } }) => g.metadata.name === "apps");
  const dep = apps.versions[0].resources.find((r: { resource: string }) => r.resource === "deployments");
  assert.deepEqual(dep.subresources.find((s: { subresource: string }) => s.subresource === "scale").responseKind, { group: "autoscaling", version: "v1", kind: "Scale" });
  assert.equal(dep.scope, "Namespaced");
  assert.deepEqual(dep.shortNames, ["deploy"]);
});

test("aggregated discovery: core alone under /api, every other group under /apis; legacy lists agree", () => {
  const api = JSON.parse(d.aggregated("api", "v2").body.toString());
  assert.equal(api.kind, "APIGroupDiscoveryList");
  assert.equal(api.apiVersion, "apidiscovery.k8s.io/v2");
  assert.deepEqual(api.items.map((g: { metadata: { name: string } }) => g.metadata.name), [""]);
  const apis = JSON.parse(d.aggregated("apis", "v2beta1").body.toString());
  assert.equal(apis.apiVersion, "apidiscovery.k8s.io/v2beta1");
  const legacy = JSON.parse(d.apiGroupList().toString());
  assert.deepEqual(apis.items.map((g: { metadata: { name: string } }) => g.metadata.name), legacy.groups.map((g: { name: string }) => g.name));
  for (const g of legacy.groups) assert.equal(g.preferredVersion.version, g.versions[0].version);
  const autoscaling = legacy.groups.find((g: { name: string }) => g.name === "autoscaling");
  assert.equal(autoscaling.preferredVersion.version, "v2");
});
