import { test } from "node:test";
import assert from "node:assert/strict";
import { FakeClient, FakeInformerFactory } from "./fake.js";
import { R } from "./resources.js";
import { isConflict, isNotFound, type KObject } from "./types.js";

test("fake client: writes reach informers synchronously, with kube's conflict and graceful pod deletion", async () => {
  const c = new FakeClient();
  const inf = new FakeInformerFactory(c).for(R.pods);
  const seen: string[] = [];
  inf.addEventHandler({ add: (o) => seen.push(`add ${o.metadata.name}`), update: (_o, n) => seen.push(`update ${n.metadata.name}`), delete: (o) => seen.push(`delete ${"tombstone" in o ? o.key : o.metadata.name}`) });
  const p = await c.create<KObject>(R.pods, "default", { metadata: { generateName: "web-", labels: { app: "web" } }, spec: { containers: [] } });
  assert.match(p.metadata.name!, /^web-/);
  assert.equal(inf.lister.list("default", "app=web").length, 1);
  await assert.rejects(c.update(R.pods, { ...p, metadata: { ...p.metadata, resourceVersion: "1" } }), isConflict);
  await c.createSubresource(R.pods, "default", p.metadata.name!, "binding", { metadata: { name: p.metadata.name }, target: { kind: "Node", name: "n1" } } as KObject);
  assert.equal((inf.lister.get("default", p.metadata.name!)!.spec as { nodeName: string }).nodeName, "n1");
  const deleting = await c.delete(R.pods, "default", p.metadata.name!);
  assert.equal(deleting?.metadata.deletionGracePeriodSeconds, 30);
  await c.delete(R.pods, "default", p.metadata.name!, { gracePeriodSeconds: 0 });
  await assert.rejects(c.get(R.pods, "default", p.metadata.name!), isNotFound);
  await c.patch(R.pods, "default", "x", "merge", {}).catch(() => undefined);
  assert.deepEqual(seen.map((s) => s.split(" ")[0]), ["add", "update", "update", "delete"]);
  assert.deepEqual(c.writes().map((w) => w.split(" ")[0] + " " + w.split(" ")[1]), ["create pods", "update pods", "create pods/binding", "delete pods", "delete pods", "patch pods"]);
});

test("fake client: metadataOnly answers a PartialObjectMetadata, as the API server converts it", async () => {
  const c = new FakeClient();
  const p = await c.create<KObject>(R.pods, "default", { metadata: { name: "p" }, spec: { containers: [] } }, { metadataOnly: true });
  assert.deepEqual([p.kind, p.apiVersion, p.metadata.name, "spec" in p], ["PartialObjectMetadata", "meta.k8s.io/v1", "p", false]);
  const got = await c.get(R.pods, "default", "p", { metadataOnly: true });
  assert.equal(got.kind, "PartialObjectMetadata");
  assert.equal((await c.get(R.pods, "default", "p")).kind, "Pod");
});
