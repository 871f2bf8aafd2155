import assert from "node:assert/strict";
import { test } from "node:test";
import type { KObject } from "../../client/types.js";
import {
  claimIsStale, completeRollingUpdate, desiredClaimRefs, identityMatches, newVersionedPod, parentAndOrdinal, planStatefulSet,
  storageMatches, type StatefulSet,
} from "./core.js";

const set = (spec: StatefulSet["spec"] = {}, status?: StatefulSet["status"]): StatefulSet => ({
  metadata: { name: "web", namespace: "default", uid: "set-uid", generation: 2 },
  spec: {
    replicas: 3,
    selector: { matchLabels: { app: "web" } },
    template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "i" }] } },
    volumeClaimTemplates: [{ metadata: { name: "data" }, spec: {} }],
    updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 0 } },
    ...spec,
  },
  ...(status ? { status } : {}),
});

test("parentAndOrdinal", () => {
  const cases: [string, string, number][] = [
    ["web-0", "web", 0],
    ["my-web-12", "my-web", 12],
    ["web", "", -1],
    ["web-x", "", -1],
    ["web-99999999999", "web", -1],
  ];
  for (const [name, parent, ordinal] of cases) {
    const got = parentAndOrdinal(name);
    assert.equal(got.ordinal, ordinal, name);
    if (ordinal >= 0) assert.equal(got.parent, parent);
  }
});

test("newVersionedPod picks the revision by partition (with kube's precedence)", () => {
  const cases: [StatefulSet["spec"], number, string][] = [
    [{ updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 2 } } }, 1, "cur"],
    [{ updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 2 } } }, 2, "upd"],
    [{ updateStrategy: { type: "RollingUpdate" } }, 0, "cur"], // below status.currentReplicas (1)
    [{ updateStrategy: { type: "RollingUpdate" } }, 1, "upd"],
    [{ updateStrategy: { type: "OnDelete" } }, 0, "upd"],
  ];
  for (const [spec, ordinal, want] of cases) {
    const s = set(spec, { replicas: 1, currentReplicas: 1 });
    const pod = newVersionedPod(s, s, "cur", "upd", ordinal);
    assert.equal(pod.metadata.labels?.["controller-revision-hash"], want, JSON.stringify(spec) + ordinal);
    assert.ok(identityMatches(s, pod) && storageMatches(s, pod));
    assert.equal(pod.metadata.generateName, "web-");
  }
});

const pod = (name: string, phase?: string, ready = false, rev = "r1"): KObject => ({
  metadata: { name, namespace: "default", labels: { app: "web", "statefulset.kubernetes.io/pod-name": name, "controller-revision-hash": rev } },
  spec: { volumes: [{ name: "data", persistentVolumeClaim: { claimName: `data-${name}` } }] },
  status: { phase, conditions: ready ? [{ type: "Ready", status: "True" }] : [] },
});

const allClaims: KObject[] = [0, 1, 2].map((i) => ({ metadata: { name: `data-web-${i}` } }));

function plan(s: StatefulSet, pods: KObject[], claims: KObject[] = allClaims) {
  const byName = new Map(claims.map((c) => [c.metadata.name, c]));
  const p = planStatefulSet({ set: s, currentSet: s, updateSet: s, currentRevision: "r1", updateRevision: "r2", collisionCount: 0, pods, claim: (n) => byName.get(n), now: 0 });
  return { steps: p.steps.map((st) => `${st.kind} ${st.pod.metadata.name}${"why" in st ? " " + st.why : ""}`), status: p.status };
}

test("planStatefulSet decisions", () => {
  const cases: [string, StatefulSet, KObject[], string[]][] = [
    ["empty: create the first", set(), [], ["createPod web-0"]],
    ["pending blocks ordered", set(), [pod("web-0", "Pending")], []],
    ["parallel creates all", set({ podManagementPolicy: "Parallel" }), [pod("web-0", "Pending")], ["createPod web-1", "createPod web-2"]],
    ["failed pod is deleted", set(), [pod("web-0", "Failed")], ["deletePod web-0 failed"]],
    ["scale down one, highest first", set({ replicas: 1 }), [pod("web-0", "Running", true, "r2"), pod("web-1", "Running", true, "r2"), pod("web-2", "Running", true, "r2")], ["deletePod web-2 scaleDown"]],
    ["unready condemned waits unless first unhealthy", set({ replicas: 1 }), [pod("web-0", "Running", true, "r2"), pod("web-1", "Running", true, "r2"), pod("web-2", "Pending", false, "r2")], ["deletePod web-2 scaleDown"]],
    ["rolling update: highest first", set(), [pod("web-0", "Running", true), pod("web-1", "Running", true), pod("web-2", "Running", true)], ["deletePod web-2 update"]],
    ["rolling update waits for the unready updated pod", set(), [pod("web-0", "Running", true), pod("web-1", "Running", true), pod("web-2", "Running", false, "r2")], []],
    ["partition stops the update", set({ updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 3 } } }), [pod("web-0", "Running", true), pod("web-1", "Running", true), pod("web-2", "Running", true)], []],
    ["OnDelete never deletes for update", set({ updateStrategy: { type: "OnDelete" } }), [pod("web-0", "Running", true), pod("web-1", "Running", true), pod("web-2", "Running", true)], []],
    ["deleting set: nothing", { ...set(), metadata: { ...set().metadata, deletionTimestamp: "x" } }, [], []],
  ];
  for (const [name, s, pods, want] of cases) assert.deepEqual(plan(s, pods).steps, want, name);
  assert.deepEqual(plan(set(), [pod("web-0", "Pending")], []).steps, ["createClaims web-0"], "a pending pod's lost claim is recreated");
});

test("status counts created, ready, current and updated pods; completion moves currentRevision", () => {
  const { status } = plan(set(), [pod("web-0", "Running", true), pod("web-1", "Running", true, "r2"), pod("web-2", "Pending", false, "r2")]);
  assert.deepEqual(status, { observedGeneration: 2, currentRevision: "r1", updateRevision: "r2", collisionCount: 0, replicas: 3, readyReplicas: 2, availableReplicas: 2, currentReplicas: 1, updatedReplicas: 2 });
  const s = set();
  const done = completeRollingUpdate(s, { replicas: 3, readyReplicas: 3, updatedReplicas: 3, currentReplicas: 0, currentRevision: "r1", updateRevision: "r2" });
  assert.equal(done.currentRevision, "r2");
  assert.equal(done.currentReplicas, 3);
});

test("claim owner references follow the retention policy", () => {
  const claim: KObject = { metadata: { name: "data-web-2" } };
  const p2 = { ...pod("web-2"), metadata: { ...pod("web-2").metadata, uid: "pod-uid" } };
  const refs = (s: StatefulSet, p: KObject) => desiredClaimRefs(claim, s, p)?.map((r) => r.kind) ?? "leave";
  const policy = (whenDeleted: "Retain" | "Delete", whenScaled: "Retain" | "Delete") => ({ persistentVolumeClaimRetentionPolicy: { whenDeleted, whenScaled } });
  assert.deepEqual(refs(set(policy("Retain", "Retain")), p2), []);
  assert.deepEqual(refs(set(policy("Delete", "Retain")), p2), ["StatefulSet"]);
  assert.deepEqual(refs(set({ ...policy("Retain", "Delete"), replicas: 2 }), p2), ["Pod"]);
  assert.deepEqual(refs(set({ ...policy("Delete", "Delete"), replicas: 2 }), p2), ["Pod"]);
  assert.deepEqual(refs(set(policy("Delete", "Delete")), p2), ["StatefulSet"]);
  const stale: KObject = { metadata: { name: "data-web-2", ownerReferences: [{ apiVersion: "v1", kind: "Pod", name: "web-2", uid: "old" }] } };
  assert.equal(desiredClaimRefs(stale, set(policy("Retain", "Delete")), p2), undefined);
  assert.equal(claimIsStale(set(policy("Retain", "Delete")), stale, "web-2"), true);
  assert.equal(claimIsStale(set(policy("Delete", "Retain")), stale, "web-2"), false);
});
