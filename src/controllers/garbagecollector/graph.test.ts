import assert from "node:assert/strict";
import { test } from "node:test";
import type { KObject, OwnerReference } from "../../client/types.js";
import { Graph, alternateOwnerIdentity, referencesDiff, type GraphNode } from "./graph.js";

/** A graph whose sink prints what it is asked, one line each. */
function recording(): { graph: Graph; log: string[] } {
  const log: string[] = [];
  const name = (n: GraphNode): string => `${n.identity.kind}/${n.identity.namespace}/${n.identity.name}`;
  const graph = new Graph({
    attemptToDelete: (n, rl) => log.push(`delete? ${name(n)}${rl ? " (rate limited)" : ""}`),
    attemptToOrphan: (n) => log.push(`orphan ${name(n)}`),
    invalidNamespaceOwnerRef: (dep, ref) => log.push(`invalid ${name(dep)} -> ${ref.uid}`),
  });
  return { graph, log };
}

const cm = (ns: string, name: string, uid: string, owners: OwnerReference[] = [], extra: Partial<KObject["metadata"]> = {}): KObject => ({
  metadata: { namespace: ns, name, uid, ownerReferences: owners, ...extra },
});
const ownerRef = (name: string, uid: string, block = false): OwnerReference => ({ apiVersion: "v1", kind: "ConfigMap", name, uid, ...(block ? { blockOwnerDeletion: true } : {}) });
const add = (g: Graph, obj: KObject, oldObj?: KObject): void => g.process({ type: oldObj ? "update" : "add", apiVersion: "v1", kind: "ConfigMap", obj, oldObj });

test("a dependent seen before its owner makes a virtual owner to verify", () => {
  const { graph, log } = recording();
  add(graph, cm("a", "dep", "u-dep", [ownerRef("own", "u-own")]));
  assert.deepEqual(log, ["delete? ConfigMap/a/own"]);
  assert.equal(graph.get("u-own")?.virtual, true);
  assert.equal(graph.get("u-own")?.observed, false);
  add(graph, cm("a", "own", "u-own"));
  assert.equal(graph.get("u-own")?.observed, true);
  assert.deepEqual(log, ["delete? ConfigMap/a/own"]);
});

test("bad child, then good parent: the owner observed in another namespace reports the child", () => {
  const { graph, log } = recording();
  add(graph, cm("b", "bad", "u-bad", [ownerRef("own", "u-own")]));
  add(graph, cm("a", "own", "u-own"));
  assert.deepEqual(log, ["delete? ConfigMap/b/own", "invalid ConfigMap/b/bad -> u-own", "delete? ConfigMap/b/bad"]);
  assert.equal(graph.get("u-own")?.identity.namespace, "a");
});

test("good parent, then bad child: reported when the child is added", () => {
  const { graph, log } = recording();
  add(graph, cm("a", "own", "u-own"));
  add(graph, cm("b", "bad", "u-bad", [ownerRef("own", "u-own")]));
  assert.deepEqual(log, ["invalid ConfigMap/b/bad -> u-own", "delete? ConfigMap/b/bad"]);
});

test("deletion transitions: orphan finalizer, foreground finalizer, and final removal", () => {
  const { graph, log } = recording();
  add(graph, cm("a", "own", "u-own"));
  add(graph, cm("a", "dep", "u-dep", [ownerRef("own", "u-own", true)]));
  const deleting = cm("a", "own", "u-own", [], { deletionTimestamp: "2026-01-01T00:00:00Z", finalizers: ["foregroundDeletion"] });
  add(graph, deleting, cm("a", "own", "u-own"));
  assert.deepEqual(log, ["delete? ConfigMap/a/dep", "delete? ConfigMap/a/own"]);
  assert.equal(graph.get("u-own")?.deletingDependents, true);
  assert.deepEqual(graph.blockingDependents(graph.get("u-own")!).map((n) => n.identity.name), ["dep"]);
  // A resync of the same state starts nothing new.
  log.length = 0;
  add(graph, deleting, deleting);
  assert.deepEqual(log, []);
  // The dependent goes: the owner waiting for it is looked at again.
  graph.process({ type: "delete", apiVersion: "v1", kind: "ConfigMap", obj: cm("a", "dep", "u-dep", [ownerRef("own", "u-own", true)]) });
  assert.deepEqual(log, ["delete? ConfigMap/a/own"]);
  assert.equal(graph.get("u-own")?.dependents.size, 0);

  log.length = 0;
  add(graph, cm("a", "o2", "u-o2"));
  add(graph, cm("a", "o2", "u-o2", [], { deletionTimestamp: "2026-01-01T00:00:00Z", finalizers: ["orphan"] }), cm("a", "o2", "u-o2"));
  assert.deepEqual(log, ["orphan ConfigMap/a/o2"]);
});

test("unblocking a reference frees an owner waiting on it", () => {
  const { graph, log } = recording();
  add(graph, cm("a", "own", "u-own"));
  const before = cm("a", "dep", "u-dep", [ownerRef("own", "u-own", true)]);
  add(graph, before);
  add(graph, cm("a", "dep", "u-dep", [{ ...ownerRef("own", "u-own"), blockOwnerDeletion: false }]), before);
  assert.deepEqual(log, ["delete? ConfigMap/a/own"]);
});

test("referencesDiff and alternate identities", () => {
  const a = ownerRef("a", "1");
  const b = ownerRef("b", "2");
  const d = referencesDiff([a, b], [{ ...b, controller: true }, ownerRef("c", "3")]);
  assert.deepEqual(d.added.map((r) => r.uid), ["3"]);
  assert.deepEqual(d.removed.map((r) => r.uid), ["1"]);
  assert.deepEqual(d.changed.map((c) => c.cur.uid), ["2"]);

  const dep = (ns: string, ref: OwnerReference): GraphNode => ({
    identity: { apiVersion: "v1", kind: "Secret", namespace: ns, name: "d", uid: `d-${ns}` },
    owners: [ref],
    dependents: new Set(),
    virtual: false,
    observed: true,
    beingDeleted: false,
    deletingDependents: false,
  });
  const absent = { apiVersion: "v1", kind: "ConfigMap", namespace: "a", name: "own", uid: "u" };
  const alt = alternateOwnerIdentity([dep("a", ownerRef("own", "u")), dep("b", ownerRef("own", "u"))], absent);
  assert.deepEqual(alt, { ...absent, namespace: "b" });
});
