import assert from "node:assert/strict";
import { test } from "node:test";
import { R } from "../../client/resources.js";
import type { KObject } from "../../client/types.js";
import { claimDecision } from "./ownership.js";
import {
  applyRevision, dataEqual, goJSON, hashPodTemplate, hashRevisionData, newControllerRevision, nextRevision, revisionName,
  revisionsToTruncate, safeEncodeString, sortRevisions, templatePatch, type ControllerRevision,
} from "./revision.js";

const owner: KObject = {
  apiVersion: "apps/v1",
  kind: "StatefulSet",
  metadata: { name: "web", namespace: "default", uid: "u1" },
  spec: { replicas: 2, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "x<y" }] } } },
};

test("goJSON writes Go's bytes: sorted keys, HTML-escaped", () => {
  assert.equal(goJSON({ b: 1, a: { d: [{ z: 1, y: 2 }], c: "<&>" } }), '{"a":{"c":"\\u003c\\u0026\\u003e","d":[{"y":2,"z":1}]},"b":1}');
});

test("safeEncodeString maps digits into kube's alphabet", () => {
  // "0" is 48: 48 % 27 = 21 -> "4"; "9" is 57: 57 % 27 = 3 -> "f"
  assert.equal(safeEncodeString("09"), "4f");
});

test("hashes are stable, depend on the collision count, and are safe-encoded", () => {
  const a = hashRevisionData({ x: 1 });
  assert.equal(a, hashRevisionData({ x: 1 }));
  assert.notEqual(a, hashRevisionData({ x: 1 }, 1));
  assert.match(a, /^[bcdfghjklmnpqrstvwxz2456789]+$/);
  assert.notEqual(hashPodTemplate({ a: 1 }), hashPodTemplate({ a: 1 }, 1));
  assert.equal(revisionName("x".repeat(300), "h").length, 225);
});

test("templatePatch stores the template as a replacing strategic patch", () => {
  const patch = templatePatch(owner);
  assert.deepEqual(patch, {
    spec: { template: { $patch: "replace", metadata: { labels: { app: "web" }, creationTimestamp: null }, spec: { containers: [{ name: "c", image: "x<y" }] } } },
  });
  const rev = newControllerRevision(owner, R.statefulsets, { app: "web" }, patch, 1, 0);
  assert.equal(rev.metadata.name, `web-${hashRevisionData(patch, 0)}`);
  assert.equal(rev.metadata.labels?.["controller.kubernetes.io/hash"], hashRevisionData(patch, 0));
  assert.ok(dataEqual(rev, JSON.parse(JSON.stringify(patch))));
  // Restoring the revision onto a changed owner brings the template back and keeps the rest.
  const changed = structuredClone(owner);
  (changed.spec as { replicas: number }).replicas = 5;
  (changed.spec as { template: { spec: unknown } }).template.spec = { containers: [{ name: "c", image: "new" }], hostNetwork: true };
  const restored = applyRevision(changed, rev, { group: "apps", version: "v1", kind: "StatefulSet" });
  assert.deepEqual((restored.spec as { template: { spec: unknown } }).template.spec, { containers: [{ name: "c", image: "x<y" }] });
  assert.equal((restored.spec as { replicas: number }).replicas, 5);
});

const rev = (name: string, revision: number, ts = "2026-01-01T00:00:00Z"): ControllerRevision => ({ metadata: { name, creationTimestamp: ts }, revision });

test("sorting, numbering and truncation of history", () => {
  const sorted = sortRevisions([rev("c", 3), rev("b", 1, "2026-01-02T00:00:00Z"), rev("a", 1)]);
  assert.deepEqual(sorted.map((r) => r.metadata.name), ["a", "b", "c"]);
  assert.equal(nextRevision(sorted), 4);
  assert.equal(nextRevision([]), 1);
  const cases: [number, string[], string[]][] = [
    [10, ["c"], []],
    [1, ["c"], ["a"]],
    [0, ["c"], ["a", "b"]],
    [0, ["a"], ["b", "c"]],
    [-1, [], []],
  ];
  for (const [limit, live, want] of cases) {
    assert.deepEqual(revisionsToTruncate(sorted, new Set(live), limit).map((r) => r.metadata.name), want, `limit ${limit} live ${live}`);
  }
});

test("claimDecision: keep, adopt, release, ignore", () => {
  const ref = (uid: string) => [{ apiVersion: "apps/v1", kind: "StatefulSet", name: "web", uid, controller: true }];
  const pod = (refs?: ReturnType<typeof ref>, deleting = false): KObject => ({
    metadata: { name: "p", namespace: "default", ownerReferences: refs, ...(deleting ? { deletionTimestamp: "2026-01-01T00:00:00Z" } : {}) },
  });
  const deletingOwner = { ...owner, metadata: { ...owner.metadata, deletionTimestamp: "2026-01-01T00:00:00Z" } };
  const cases: [KObject, KObject, boolean, string][] = [
    [pod(ref("u1")), owner, true, "keep"],
    [pod(ref("u1")), owner, false, "release"],
    [pod(ref("u1")), deletingOwner, false, "ignore"],
    [pod(ref("other")), owner, true, "ignore"],
    [pod(), owner, true, "adopt"],
    [pod(), owner, false, "ignore"],
    [pod(undefined, true), owner, true, "ignore"],
    [pod(), deletingOwner, true, "ignore"],
  ];
  for (const [o, own, m, want] of cases) assert.equal(claimDecision(o, own, m), want);
});
