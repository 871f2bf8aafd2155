import { test } from "node:test";
import assert from "node:assert/strict";
import { FakeClient } from "./fake.js";
import { SharedInformerFactory, stripManagedFields } from "./informer.js";
import { R } from "./resources.js";
import type { KObject } from "./types.js";

const quiet = { info() {}, warn() {}, error() {} };
const managed: KObject["metadata"]["managedFields"] = [{ manager: "kubelet", operation: "Update", apiVersion: "v1", fieldsType: "FieldsV1", fieldsV1: { "f:status": {} } }];

test("a transform (stripManagedFields) applies to listed and watched objects before cache and handlers", async () => {
  const client = new FakeClient();
  client.seed(R.pods, { metadata: { name: "listed", namespace: "ns", managedFields: managed } });
  const factory = new SharedInformerFactory(client, { log: quiet, transform: stripManagedFields });
  const inf = factory.for(R.pods);
  const seen: KObject[] = [];
  inf.addEventHandler({ add: (o) => seen.push(o), update: (_o, n) => seen.push(n) });
  const ac = new AbortController();
  factory.start(ac.signal);
  await factory.waitForSync(ac.signal);
  await client.create(R.pods, "ns", { metadata: { name: "watched", managedFields: managed } });
  await new Promise((r) => setImmediate(r));
  ac.abort();
  assert.deepEqual(seen.map((o) => o.metadata.name), ["listed", "watched"]);
  for (const o of [...seen, ...inf.lister.list()]) assert.equal(o.metadata.managedFields, undefined);
  assert.equal(JSON.stringify(inf.lister.get("ns", "watched")!.metadata).includes("managedFields"), false, "a write of a cached object carries none");
});
