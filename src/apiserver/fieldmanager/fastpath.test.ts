// The create fast path (one walk straight to FieldsV1) gives what the general Update path gives.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { GroupVersionKind, KObject } from "../api/types.js";
import { fastPaths } from "./fieldmanager.js";
import { defaultResetFields, updateManagedFields, type FieldManagerOptions } from "./index.js";
import { seededRandom as rng } from "../../util/random.js";

const gvk = (group: string, version: string, kind: string): GroupVersionKind => ({ group, version, kind });

const pod = (): KObject => ({
  apiVersion: "v1", kind: "Pod",
  metadata: {
    name: "p", namespace: "ns", uid: "u", creationTimestamp: "2026-01-01T00:00:00Z", generateName: "p-",
    labels: { app: "a", "pod-template-hash": "x" }, annotations: { "a/b": "c" }, finalizers: ["f/1", "f/2"],
    ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "rs", uid: "rs-uid", controller: true, blockOwnerDeletion: true }],
  },
  spec: {
    containers: [{
      name: "app", image: "img", command: ["/bin/app"], args: ["--x"],
      ports: [{ name: "http", containerPort: 8080, protocol: "TCP" }, { containerPort: 9090, protocol: "UDP" }],
      env: [{ name: "A", value: "1" }, { name: "B", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }],
      resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "1" } },
      readinessProbe: { httpGet: { path: "/readyz", port: 8080 }, periodSeconds: 10 },
      volumeMounts: [{ name: "config", mountPath: "/etc/app", readOnly: true }],
    }, { name: "side", image: "side", env: [] }],
    volumes: [{ name: "config", configMap: { name: "cfg", items: [{ key: "k", path: "p" }] } }, { name: "empty", emptyDir: {} }],
    tolerations: [{ key: "k", operator: "Exists", effect: "NoSchedule" }],
    nodeSelector: { zone: "a" }, restartPolicy: "Always", terminationGracePeriodSeconds: 30, dnsPolicy: "ClusterFirst",
    affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "a", operator: "In", values: ["b"] }] }] } } },
  },
  status: { phase: "Pending", conditions: [{ type: "Ready", status: "False" }] },
});

const deployment = (): KObject => ({
  apiVersion: "apps/v1", kind: "Deployment",
  metadata: { name: "d", namespace: "ns", labels: { app: "d" } },
  spec: {
    replicas: 3, selector: { matchLabels: { app: "d" } },
    strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: 1 } },
    template: { metadata: { labels: { app: "d" } }, spec: pod().spec },
  },
});

const service = (): KObject => ({
  apiVersion: "v1", kind: "Service",
  metadata: { name: "s", namespace: "ns" },
  spec: { selector: { app: "d" }, ports: [{ name: "http", port: 80, targetPort: 8080, protocol: "TCP" }, { port: 53, protocol: "UDP" }], type: "ClusterIP" },
});

const statefulSet = (): KObject => ({
  apiVersion: "apps/v1", kind: "StatefulSet",
  metadata: { name: "db", namespace: "ns" },
  spec: {
    serviceName: "db", replicas: 2, selector: { matchLabels: { app: "db" } },
    template: { metadata: { labels: { app: "db" } }, spec: { containers: [{ name: "db", image: "db" }] } },
    volumeClaimTemplates: [{ metadata: { name: "data" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } }],
  },
});

const configMap = (): KObject => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "ns" }, data: { a: "1", b: "" }, binaryData: {} });

/** Random edits: unknown fields, nulls, empty values, duplicated and keyless list items. */
function mutate(obj: KObject, r: () => number): KObject {
  const o = structuredClone(obj) as Record<string, unknown>;
  const visit = (v: unknown, depth: number): void => {
    if (Array.isArray(v)) {
      if (v.length > 0 && r() < 0.15) v.push(structuredClone(v[Math.floor(r() * v.length)])); // duplicate an item
      if (r() < 0.01) v.push({}); // an item without its keys (kube cannot type the object)
      for (const x of v) visit(x, depth + 1);
      return;
    }
    if (typeof v !== "object" || v === null) return;
    const m = v as Record<string, unknown>;
    for (const k of Object.keys(m)) {
      const p = r();
      if (p < 0.04) m[k] = null;
      else if (p < 0.07) m[k] = Array.isArray(m[k]) ? [] : typeof m[k] === "object" ? {} : m[k];
      else if (p < 0.09) delete m[k];
      else visit(m[k], depth + 1);
    }
    if (r() < 0.08) m[`unknown${depth}`] = r() < 0.5 ? { nested: { x: 1 } } : "v";
  };
  visit(o, 0);
  return o as KObject;
}

test("a create's managedFields: the fast path equals the general Update path", () => {
  const kinds: Array<[GroupVersionKind, () => KObject]> = [
    [gvk("", "v1", "Pod"), pod], [gvk("apps", "v1", "Deployment"), deployment], [gvk("", "v1", "Service"), service],
    [gvk("apps", "v1", "StatefulSet"), statefulSet], [gvk("", "v1", "ConfigMap"), configMap],
  ];
  const now = new Date(Date.parse("2026-02-03T04:05:06Z"));
  let compared = 0;
  let tracked = 0;
  for (const [g, make] of kinds) {
    for (const subresource of [undefined, "status"]) {
      const r = rng(7 + compared);
      for (let i = 0; i < 60; i++) {
        const obj = i === 0 ? make() : mutate(make(), r);
        const o: FieldManagerOptions = { gvk: g, now, resetFields: defaultResetFields(g, subresource, g.kind !== "ConfigMap") };
        if (subresource) o.subresource = subresource;
        const manager = i % 7 === 0 ? "" : "kubectl-create";
        fastPaths.create = false;
        let slow: KObject;
        try {
          slow = updateManagedFields(undefined, structuredClone(obj), manager, o);
        } finally {
          fastPaths.create = true;
        }
        const fast = updateManagedFields(undefined, structuredClone(obj), manager, o);
        // Same entries, and the same key order inside FieldsV1 (it is stored and served as is).
        assert.equal(JSON.stringify(fast), JSON.stringify(slow), `${g.kind} ${subresource ?? ""} #${i}`);
        compared++;
        if (fast.metadata?.managedFields) tracked++;
      }
    }
  }
  assert.equal(compared, 600);
  // Most variants are typed and own something (the rest have no managedFields on either path:
  // kube cannot type them, or a status-only writer sets nothing it may own).
  assert.ok(tracked > 250, `only ${tracked} of ${compared} tracked`);
});

test("an update whose members are the live object's own (a status write's spec): same managedFields as with copies", () => {
  const g = gvk("", "v1", "Pod");
  const now = new Date(Date.parse("2026-02-03T04:05:06Z"));
  const o: FieldManagerOptions = { gvk: g, now, resetFields: defaultResetFields(g, "status", true), subresource: "status" };
  const r = rng(11);
  let tracked = 0;
  let untracked = 0;
  for (let i = 0; i < 80; i++) {
    // Live: created by a controller (so it has managedFields), randomly edited; some cannot be typed.
    const created = updateManagedFields(undefined, i === 0 ? pod() : mutate(pod(), r), "kube-controller-manager", { gvk: g, now, resetFields: defaultResetFields(g, undefined, true) });
    const live = structuredClone(created);
    const status = { phase: "Running", conditions: [{ type: "Ready", status: "True" }], podIP: "10.0.0.1" };
    // The next object shares live's members except status, as the registry builds a status write.
    const shared = { ...live, metadata: { ...live.metadata }, status } as KObject;
    const copied = structuredClone(shared);
    const a = updateManagedFields(live, shared, "kubelet", o);
    const b = updateManagedFields(live, copied, "kubelet", o);
    assert.equal(JSON.stringify(a.metadata.managedFields), JSON.stringify(b.metadata.managedFields), `#${i}`);
    if ((a.metadata.managedFields ?? []).some((e) => e.manager === "kubelet")) tracked++;
    else untracked++;
  }
  assert.ok(tracked > 40 && untracked > 0, `tracked ${tracked}, untracked ${untracked}`);
});
