import { test } from "node:test";
import assert from "node:assert/strict";
import { Indexer } from "./cache.js";
import type { KObject } from "./types.js";

const pod = (name: string, node: string, phase = "Pending", ns = "a"): KObject => ({ metadata: { name, namespace: ns }, spec: { nodeName: node }, status: { phase } });
const byNode = (o: KObject): string[] => {
  const n = (o.spec as { nodeName?: string }).nodeName;
  return n ? [n] : [];
};
const names = (os: KObject[]): string[] => os.map((o) => o.metadata.name ?? "").sort();

test("indexes follow updates, removals, late indexers and a replace", () => {
  const ix = new Indexer<KObject>({ node: byNode });
  ix.upsert(pod("p1", "n1"));
  ix.upsert(pod("p2", "n1"));
  ix.upsert(pod("p3", ""));
  assert.deepEqual(names(ix.byIndex("node", "n1")), ["p1", "p2"]);
  // A status update keeps the index; the new object is what the index answers.
  const running = pod("p1", "n1", "Running");
  ix.upsert(running);
  assert.equal(ix.byIndex("node", "n1").find((o) => o.metadata.name === "p1"), running);
  // A value that changes moves the key.
  ix.upsert(pod("p2", "n2"));
  assert.deepEqual(names(ix.byIndex("node", "n1")), ["p1"]);
  assert.deepEqual(names(ix.byIndex("node", "n2")), ["p2"]);
  ix.upsert(pod("p3", "n2"));
  assert.deepEqual(names(ix.byIndex("node", "n2")), ["p2", "p3"]);
  // An indexer added later covers what is there, and later changes.
  ix.addIndexers({ phase: (o) => [(o.status as { phase: string }).phase] });
  assert.deepEqual(names(ix.byIndex("phase", "Pending")), ["p2", "p3"]);
  ix.upsert(pod("p3", "n2", "Running"));
  assert.deepEqual(names(ix.byIndex("phase", "Running")), ["p1", "p3"]);
  ix.remove("a/p1");
  assert.deepEqual(names(ix.byIndex("node", "n1")), []);
  assert.deepEqual(names(ix.byIndex("phase", "Running")), ["p3"]);
  assert.deepEqual(names(ix.byIndex("namespace", "a")), ["p2", "p3"]);
  ix.replace([pod("q", "n9", "Running", "b")]);
  assert.deepEqual(names(ix.byIndex("node", "n2")), []);
  assert.deepEqual(names(ix.byIndex("phase", "Running")), ["q"]);
  assert.deepEqual(names(ix.list("b")), ["q"]);
  assert.equal(ix.size, 1);
});
