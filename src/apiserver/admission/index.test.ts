import { test } from "node:test";
import assert from "node:assert/strict";
import { admit, type AdmissionAttributes, type AdmissionDeps } from "./index.js";
import { ApiError } from "../api/status.js";
import type { KObject } from "../api/types.js";

const attrs: AdmissionAttributes = { operation: "CREATE", resource: { group: "", resource: "pods" }, subresource: "", namespace: "default", name: "p", dryRun: false };
const classes: KObject[] = [
  { metadata: { name: "high" }, value: 1000, preemptionPolicy: "Never" },
  { metadata: { name: "system-node-critical" }, value: 2000001000 },
];
const deps: AdmissionDeps = {
  priorityClass: async (n) => classes.find((c) => c.metadata.name === n),
  priorityClasses: async () => classes,
  serviceAccount: async (ns, name) => (ns === "default" && name === "default" ? { metadata: { name, namespace: ns } } : undefined),
};

test("a plain pod gets the two default tolerations and priority 0", async () => {
  const pod: KObject = { metadata: { name: "p" }, spec: { containers: [] } };
  await admit(pod, attrs, deps);
  assert.deepEqual((pod.spec as Record<string, unknown>).tolerations, [
    { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
    { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
  ]);
  assert.equal((pod.spec as Record<string, unknown>).priority, 0);
  assert.equal((pod.spec as Record<string, unknown>).preemptionPolicy, "PreemptLowerPriority");
});

test("a pod's own toleration of a key is kept and not duplicated", async () => {
  const own = { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 10 };
  const pod: KObject = { metadata: { name: "p" }, spec: { tolerations: [own] } };
  await admit(pod, attrs, deps);
  const t = (pod.spec as { tolerations: unknown[] }).tolerations;
  assert.equal(t.length, 2);
  assert.deepEqual(t[0], own);
});

test("priorityClassName resolves; an unknown one is Forbidden", async () => {
  const pod: KObject = { metadata: { name: "p" }, spec: { priorityClassName: "high" } };
  await admit(pod, attrs, deps);
  assert.equal((pod.spec as Record<string, unknown>).priority, 1000);
  assert.equal((pod.spec as Record<string, unknown>).preemptionPolicy, "Never");
  const bad: KObject = { metadata: { name: "p" }, spec: { priorityClassName: "nope" } };
  await assert.rejects(admit(bad, attrs, deps), (e: unknown) => e instanceof ApiError && e.code === 403 && e.message === 'pods "p" is forbidden: no PriorityClass with name nope was found');
});

test("other resources and updates are untouched", async () => {
  const cm: KObject = { metadata: { name: "c" } };
  await admit(cm, { ...attrs, resource: { group: "", resource: "configmaps" } }, deps);
  assert.deepEqual(cm, { metadata: { name: "c" } });
});

test("ServiceAccount: default account, projected token volume mounted in every container", async () => {
  const pod: KObject = { metadata: { name: "p" }, spec: { containers: [{ name: "a" }, { name: "b", volumeMounts: [{ name: "x", mountPath: "/x" }] }] } };
  await admit(pod, attrs, deps);
  const spec = pod.spec as { serviceAccountName: string; serviceAccount: string; volumes: { name: string }[]; containers: { volumeMounts: { name: string; mountPath: string; readOnly: boolean }[] }[] };
  assert.equal(spec.serviceAccountName, "default");
  assert.equal(spec.serviceAccount, "default");
  assert.match(spec.volumes[0]!.name, /^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  for (const c of spec.containers) assert.deepEqual(c.volumeMounts.at(-1), { mountPath: "/var/run/secrets/kubernetes.io/serviceaccount", name: spec.volumes[0]!.name, readOnly: true });
  const noSa: KObject = { metadata: { name: "p" }, spec: { serviceAccountName: "robot", containers: [] } };
  await assert.rejects(admit(noSa, attrs, deps), (e: unknown) => e instanceof ApiError && e.message === 'pods "p" is forbidden: error looking up service account default/robot: serviceaccount "robot" not found');
  const off: KObject = { metadata: { name: "p" }, spec: { automountServiceAccountToken: false, containers: [{ name: "a" }] } };
  await admit(off, attrs, deps);
  assert.equal((off.spec as { volumes?: unknown }).volumes, undefined);
});
