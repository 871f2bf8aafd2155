import assert from "node:assert/strict";
import { test } from "node:test";
import type { GroupVersionKind, KObject } from "../api/types.js";
import { formatFieldError } from "../validation/index.js";
import { fromFieldsV1, paths, pathString } from "./fieldpath.js";
import {
  apply, conflictMessage, defaultResetFields, ignoreManagedFieldsTimestamps, LAST_APPLIED, managerFromUserAgent, scaleManagedFieldsToParent,
  scaleManagedFieldsToSubresource, updateManagedFields, validatePatchOptions, type ApplyResult, type FieldManagerOptions,
} from "./index.js";

const DEPLOYMENT: GroupVersionKind = { group: "apps", version: "v1", kind: "Deployment" };
const CONFIGMAP: GroupVersionKind = { group: "", version: "v1", kind: "ConfigMap" };
const POD: GroupVersionKind = { group: "", version: "v1", kind: "Pod" };
const SERVICE: GroupVersionKind = { group: "", version: "v1", kind: "Service" };
const T0 = Date.parse("2024-05-01T10:00:00Z");
const at = (s: number) => new Date(T0 + s * 1000 + 123);
const ts = (s: number) => new Date(T0 + s * 1000).toISOString().replace(".000", "");

function opts(gvk: GroupVersionKind, s = 0, extra: Partial<FieldManagerOptions> = {}): FieldManagerOptions {
  return { gvk, now: at(s), resetFields: defaultResetFields(gvk, extra.subresource, gvk.kind !== "ConfigMap"), ...extra };
}

/** Who owns what: "manager Operation[ subresource]" -> the paths of its set. */
function owners(obj: KObject): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const e of obj.metadata.managedFields ?? []) {
    out[`${e.manager} ${e.operation}${e.subresource ? ` ${e.subresource}` : ""}`] = paths(fromFieldsV1(e.fieldsV1)).map(pathString).sort();
  }
  return out;
}

function ok(r: ApplyResult): KObject {
  if ("object" in r) return { ...r.object, metadata: { ...r.object.metadata, uid: "uid-1" } };
  assert.fail(`apply failed: ${JSON.stringify(r)}`);
}

function conflicts(r: ApplyResult): string[] {
  if ("conflicts" in r) return r.conflicts.map((c) => `${c.manager} ${c.path}`);
  assert.fail(`expected conflicts: ${JSON.stringify(r)}`);
}

const dep = (spec: Record<string, unknown>, meta: Record<string, unknown> = {}): KObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "nginx", ...meta },
  spec,
});

const template = (containers: unknown[]) => ({ metadata: { labels: { app: "nginx" } }, spec: { containers } });
const sel = { matchLabels: { app: "nginx" } };

test("create by a non-apply client: FieldsV1 as kube writes it (kubectl create deployment)", () => {
  const created = updateManagedFields(undefined, {
    apiVersion: "apps/v1", kind: "Deployment",
    metadata: { name: "nginx", namespace: "default", labels: { app: "nginx" } },
    spec: {
      replicas: 1, selector: sel, progressDeadlineSeconds: 600, revisionHistoryLimit: 10,
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: "25%" } },
      template: {
        metadata: { labels: { app: "nginx" } },
        spec: {
          containers: [{ name: "nginx", image: "nginx", ports: [{ containerPort: 80, protocol: "TCP" }], imagePullPolicy: "Always", resources: {}, terminationMessagePath: "/dev/termination-log", terminationMessagePolicy: "File" }],
          dnsPolicy: "ClusterFirst", restartPolicy: "Always", schedulerName: "default-scheduler", securityContext: {}, terminationGracePeriodSeconds: 30,
        },
      },
    },
    status: {},
  }, "kubectl-create", opts(DEPLOYMENT));
  assert.deepEqual(created.metadata.managedFields, [{
    manager: "kubectl-create", operation: "Update", apiVersion: "apps/v1", time: "2024-05-01T10:00:00Z", fieldsType: "FieldsV1",
    fieldsV1: {
      "f:metadata": { "f:labels": { ".": {}, "f:app": {} } },
      "f:spec": {
        "f:progressDeadlineSeconds": {}, "f:replicas": {}, "f:revisionHistoryLimit": {}, "f:selector": {},
        "f:strategy": { "f:rollingUpdate": { ".": {}, "f:maxSurge": {}, "f:maxUnavailable": {} }, "f:type": {} },
        "f:template": {
          "f:metadata": { "f:labels": { ".": {}, "f:app": {} } },
          "f:spec": {
            "f:containers": {
              'k:{"name":"nginx"}': {
                ".": {}, "f:image": {}, "f:imagePullPolicy": {}, "f:name": {},
                "f:ports": { ".": {}, 'k:{"containerPort":80,"protocol":"TCP"}': { ".": {}, "f:containerPort": {}, "f:protocol": {} } },
                "f:resources": {}, "f:terminationMessagePath": {}, "f:terminationMessagePolicy": {},
              },
            },
            "f:dnsPolicy": {}, "f:restartPolicy": {}, "f:schedulerName": {}, "f:securityContext": {}, "f:terminationGracePeriodSeconds": {},
          },
        },
      },
    },
  }]);
});

test("updates: ownership moves to whoever changed a field; removed fields leave every owner", () => {
  let obj = updateManagedFields(undefined, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", labels: { a: "1" } }, data: { x: "1", y: "2" } }, "alice", opts(CONFIGMAP));
  obj.metadata.uid = "u";
  obj = updateManagedFields(obj, { ...obj, data: { x: "changed" } }, "bob", opts(CONFIGMAP, 5));
  assert.deepEqual(owners(obj), {
    "alice Update": [".data", ".metadata.labels", ".metadata.labels.a"],
    "bob Update": [".data.x"],
  });
  // The same manager at another time: one entry, its time moves.
  obj = updateManagedFields(obj, { ...obj, metadata: { ...obj.metadata, labels: { a: "1", b: "2" } } }, "bob", opts(CONFIGMAP, 9));
  assert.deepEqual(owners(obj)["bob Update"], [".data.x", ".metadata.labels.b"]);
  assert.equal(obj.metadata.managedFields![1]!.time, ts(9));
  // Nothing changed: no entry is touched.
  const same = updateManagedFields(obj, structuredClone(obj), "carol", opts(CONFIGMAP, 20));
  assert.deepEqual(same.metadata.managedFields, obj.metadata.managedFields);
  // Entries are sorted Apply first, then by time.
  assert.deepEqual(obj.metadata.managedFields!.map((e) => e.manager), ["alice", "bob"]);
});

test("client-sent managedFields: valid ones are honoured, invalid ones ignored, [] resets and stops tracking", () => {
  let obj = updateManagedFields(undefined, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: { x: "1" } }, "alice", opts(CONFIGMAP));
  obj.metadata.uid = "u";
  const forged = [{ manager: "mallory", operation: "Update" as const, apiVersion: "v1", fieldsType: "FieldsV1" as const, fieldsV1: { "f:data": { "f:x": {} } } }];
  const honoured = updateManagedFields(obj, { ...obj, metadata: { ...obj.metadata, managedFields: forged }, data: { x: "1", y: "2" } }, "bob", opts(CONFIGMAP, 1));
  assert.deepEqual(owners(honoured), { "mallory Update": [".data.x"], "bob Update": [".data.y"] });
  const invalid = [{ ...forged[0]!, operation: "Patch" as "Update" }];
  const ignored = updateManagedFields(obj, { ...obj, metadata: { ...obj.metadata, managedFields: invalid }, data: { x: "1", y: "2" } }, "bob", opts(CONFIGMAP, 1));
  assert.deepEqual(Object.keys(owners(ignored)), ["alice Update", "bob Update"]);
  // Reset, then updates are not tracked until an apply.
  const reset = updateManagedFields(obj, { ...obj, metadata: { ...obj.metadata, managedFields: [] } }, "bob", opts(CONFIGMAP, 2));
  assert.equal(reset.metadata.managedFields, undefined);
  const untracked = updateManagedFields(reset, { ...reset, data: { x: "2" } }, "bob", opts(CONFIGMAP, 3));
  assert.equal(untracked.metadata.managedFields, undefined);
  const applied = ok(apply(untracked, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: { z: "3" } } as KObject, "kubectl", false, opts(CONFIGMAP, 4)));
  // Fields set before the first apply belong to "before-first-apply" (.data too: it was added).
  assert.deepEqual(owners(applied), { "kubectl Apply": [".data.z"], "before-first-apply Update": [".data", ".data.x"] });
});

test("apiVersions: an updater gets an entry per version, an applier keeps one", () => {
  const v1 = { group: "autoscaling", version: "v1", kind: "HorizontalPodAutoscaler" };
  const v2 = { group: "autoscaling", version: "v2", kind: "HorizontalPodAutoscaler" };
  const hpa = (apiVersion: string, maxReplicas: number, meta: Record<string, unknown> = {}) =>
    ({ apiVersion, kind: "HorizontalPodAutoscaler", metadata: { name: "h", ...meta }, spec: { maxReplicas, scaleTargetRef: { kind: "Deployment", name: "d" } } }) as KObject;
  let obj = updateManagedFields(undefined, hpa("autoscaling/v2", 3), "m", opts(v2));
  obj.metadata.uid = "u";
  obj = updateManagedFields(obj, { ...hpa("autoscaling/v1", 4), metadata: obj.metadata }, "m", opts(v1, 1));
  assert.deepEqual(obj.metadata.managedFields!.map((e) => `${e.manager} ${e.apiVersion}`), ["m autoscaling/v2", "m autoscaling/v1"]);
  let applied = ok(apply(undefined, hpa("autoscaling/v2", 3), "a", false, opts(v2)));
  applied = ok(apply(applied, hpa("autoscaling/v1", 5), "a", false, opts(v1, 1)));
  assert.deepEqual(applied.metadata.managedFields!.map((e) => `${e.manager} ${e.operation} ${e.apiVersion}`), ["a Apply autoscaling/v1"]);
});

test("at most 10 Update managers: the oldest are folded into ancient-changes", () => {
  let obj: KObject = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", labels: { m0: "" } } };
  obj = updateManagedFields(undefined, obj, "m0", opts(CONFIGMAP));
  obj.metadata.uid = "u";
  for (let i = 1; i <= 11; i++) {
    obj = updateManagedFields(obj, { ...obj, data: { ...(obj.data as object), [`k${i}`]: "v" } }, `m${i}`, opts(CONFIGMAP, i));
  }
  const entries = obj.metadata.managedFields!;
  assert.equal(entries.length, 10);
  // m0 is kept aside as the bucket's seed, m1 and m2 are folded in until ten entries remain.
  assert.deepEqual(owners(obj)["ancient-changes Update"], [".data", ".data.k1", ".data.k2", ".metadata.labels", ".metadata.labels.m0"]);
  assert.deepEqual(entries.map((e) => e.manager), ["ancient-changes", "m3", "m4", "m5", "m6", "m7", "m8", "m9", "m10", "m11"]);
  assert.equal(entries[0]!.time, ts(2));
});

test("server-side apply: create, conflicts, force, shared ownership (kube's docs)", () => {
  const o = (s: number) => opts(DEPLOYMENT, s);
  const config = dep({ replicas: 3, selector: sel, template: template([{ name: "nginx", image: "nginx:1.14.2" }]) });
  let live = ok(apply(undefined, config, "kubectl", false, o(0)));
  assert.equal((live.spec as { replicas: number }).replicas, 3);
  assert.deepEqual(owners(live)["kubectl Apply"], [
    ".spec.replicas", ".spec.selector",
    ".spec.template.metadata.labels.app",
    '.spec.template.spec.containers[name="nginx"]', '.spec.template.spec.containers[name="nginx"].image', '.spec.template.spec.containers[name="nginx"].name',
  ]);
  // Another applier setting a different value conflicts; the same value is shared.
  const other = (replicas: number) => dep({ replicas });
  assert.deepEqual(conflicts(apply(live, other(5), "ci", false, o(1))), ["kubectl .spec.replicas"]);
  const shared = ok(apply(live, other(3), "ci", false, o(1)));
  assert.deepEqual(owners(shared)["ci Apply"], [".spec.replicas"]);
  assert.ok(owners(shared)["kubectl Apply"]!.includes(".spec.replicas"));
  // Force takes the field from the other applier.
  const forced = ok(apply(live, other(5), "ci", true, o(2)));
  assert.equal((forced.spec as { replicas: number }).replicas, 5);
  assert.ok(!owners(forced)["kubectl Apply"]!.includes(".spec.replicas"));
  // An Update changes the field unconditionally and takes it; then kubectl's apply conflicts with it.
  live = updateManagedFields(live, { ...live, spec: { ...(live.spec as object), replicas: 7 } }, "kube-controller-manager", o(3));
  const r = apply(live, config, "kubectl", false, o(4));
  assert.deepEqual(conflicts(r), ["kube-controller-manager .spec.replicas"]);
  if (!("conflicts" in r)) return;
  assert.deepEqual(conflictMessage(r.conflicts), {
    message: 'Apply failed with 1 conflict: conflict with "kube-controller-manager" using apps/v1: .spec.replicas',
    causes: [{ reason: "FieldManagerConflict", message: 'conflict with "kube-controller-manager" using apps/v1', field: ".spec.replicas" }],
  });
});

test("transferring ownership of replicas to the HPA (kube's docs)", () => {
  const o = (s: number) => opts(DEPLOYMENT, s);
  const full = (replicas?: number) => dep({ ...(replicas === undefined ? {} : { replicas }), selector: sel, template: template([{ name: "nginx", image: "nginx" }]) });
  let live = ok(apply(undefined, full(3), "kubectl", false, o(0)));
  live = ok(apply(live, dep({ replicas: 3 }), "handover-to-hpa", false, o(1)));
  // kubectl stops applying replicas: it keeps its value, now owned by the hand-over manager only.
  live = ok(apply(live, full(), "kubectl", false, o(2)));
  assert.equal((live.spec as { replicas: number }).replicas, 3);
  assert.deepEqual(owners(live)["handover-to-hpa Apply"], [".spec.replicas"]);
  assert.ok(!owners(live)["kubectl Apply"]!.includes(".spec.replicas"));
  // Without the hand-over, dropping replicas from the config removes the field.
  let alone = ok(apply(undefined, full(3), "kubectl", false, o(0)));
  alone = ok(apply(alone, full(), "kubectl", false, o(1)));
  assert.equal((alone.spec as { replicas?: number }).replicas, undefined);
});

test("removal: fields and items the applier no longer applies, unless others own them", () => {
  const o = (s: number) => opts(DEPLOYMENT, s);
  const c = (name: string, extra: Record<string, unknown> = {}) => ({ name, image: `${name}:1`, ...extra });
  let live = ok(apply(undefined, dep({ selector: sel, template: template([c("a", { env: [{ name: "X", value: "1" }, { name: "Y", value: "2" }] }), c("b")]) }, { labels: { keep: "1", drop: "1" } }), "kubectl", false, o(0)));
  live = ok(apply(live, dep({ template: template([c("b")]) }, { labels: { shared: "1" } }), "other", false, o(1)));
  live = ok(apply(live, dep({ selector: sel, template: template([c("a", { env: [{ name: "Y", value: "2" }] })]) }, { labels: { keep: "1" } }), "kubectl", false, o(2)));
  const spec = live.spec as { template: { spec: { containers: { name: string; env?: unknown }[] } } };
  assert.deepEqual(spec.template.spec.containers.map((x) => x.name), ["a", "b"]); // b is also other's
  assert.deepEqual(spec.template.spec.containers[0]!.env, [{ name: "Y", value: "2" }]);
  assert.deepEqual(live.metadata.labels, { keep: "1", shared: "1" });
  // other drops b: nobody applies it any more, so it goes.
  live = ok(apply(live, dep({}, { labels: { shared: "1" } }), "other", false, o(3)));
  assert.deepEqual((live.spec as typeof spec).template.spec.containers.map((x) => x.name), ["a"]);
});

test("list and map types: associative keys with defaults, sets, atomic lists, granular maps", () => {
  // Service ports are keyed by port and protocol; protocol defaults to TCP in the key.
  const svc = ok(apply(undefined, { apiVersion: "v1", kind: "Service", metadata: { name: "s" }, spec: { ports: [{ port: 80, targetPort: 8080 }, { port: 80, protocol: "UDP" }] } } as KObject, "kubectl", false, opts(SERVICE)));
  assert.deepEqual(owners(svc)["kubectl Apply"], [
    '.spec.ports[port=80,protocol="TCP"]', '.spec.ports[port=80,protocol="TCP"].port', '.spec.ports[port=80,protocol="TCP"].targetPort',
    '.spec.ports[port=80,protocol="UDP"]', '.spec.ports[port=80,protocol="UDP"].port', '.spec.ports[port=80,protocol="UDP"].protocol',
  ]);
  // finalizers are a set: two appliers' items merge; removing one's item keeps the other's.
  const cm = (meta: Record<string, unknown>, data?: Record<string, string>) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", ...meta }, ...(data ? { data } : {}) }) as KObject;
  let live = ok(apply(undefined, cm({ finalizers: ["a.io/x"] }, { a: "1" }), "one", false, opts(CONFIGMAP)));
  live = ok(apply(live, cm({ finalizers: ["b.io/y"] }, { b: "2" }), "two", false, opts(CONFIGMAP, 1)));
  assert.deepEqual(live.metadata.finalizers, ["a.io/x", "b.io/y"]);
  assert.deepEqual(live.data, { a: "1", b: "2" });
  assert.deepEqual(live.metadata.managedFields![0]!.fieldsV1, { "f:data": { "f:a": {} }, "f:metadata": { "f:finalizers": { 'v:"a.io/x"': {} } } });
  live = ok(apply(live, cm({}), "one", false, opts(CONFIGMAP, 2)));
  assert.deepEqual(live.metadata.finalizers, ["b.io/y"]);
  assert.deepEqual(live.data, { b: "2" });
  // tolerations are atomic: the whole list is one field, replaced whole, and conflicts whole.
  const pod = (tolerations: unknown[]) => ({ apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { containers: [{ name: "c", image: "i" }], tolerations } }) as KObject;
  const p1 = ok(apply(undefined, pod([{ key: "a", operator: "Exists" }]), "one", false, opts(POD)));
  assert.ok(owners(p1)["one Apply"]!.includes(".spec.tolerations"));
  assert.deepEqual(conflicts(apply(p1, { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { tolerations: [{ key: "b", operator: "Exists" }] } } as KObject, "two", false, opts(POD, 1))), ["one .spec.tolerations"]);
});

test("merge order of associative lists follows the applied config where it says anything", () => {
  const c = (name: string) => ({ name, image: name });
  let live = ok(apply(undefined, dep({ selector: sel, template: template([c("a"), c("b"), c("c")]) }), "one", false, opts(DEPLOYMENT)));
  live = ok(apply(live, dep({ template: template([c("c"), c("d"), c("a")]) }), "two", false, opts(DEPLOYMENT, 1)));
  const names = (live.spec as { template: { spec: { containers: { name: string }[] } } }).template.spec.containers.map((x) => x.name);
  assert.deepEqual(names, ["b", "c", "d", "a"]);
});

test("applying the same configuration again changes nothing", () => {
  const config = dep({ replicas: 2, selector: sel, template: template([{ name: "nginx", image: "nginx" }]) });
  const first = ok(apply(undefined, config, "kubectl", false, opts(DEPLOYMENT)));
  const again = ok(apply(first, config, "kubectl", false, opts(DEPLOYMENT, 60)));
  assert.deepEqual(again, first);
});

test("status subresource: entries say so, reset fields are not owned, request managedFields are ignored", () => {
  let pod = updateManagedFields(undefined, { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { containers: [{ name: "c", image: "i" }] } }, "kubectl-run", opts(POD));
  pod.metadata.uid = "u";
  const statusOpts = opts(POD, 5, { subresource: "status" });
  pod = updateManagedFields(pod, { ...pod, metadata: { ...pod.metadata, managedFields: [] }, status: { phase: "Running", conditions: [{ type: "Ready", status: "True" }] } }, "kubelet", statusOpts);
  assert.deepEqual(owners(pod)["kubelet Update status"], [
    ".status.conditions", '.status.conditions[type="Ready"]', '.status.conditions[type="Ready"].lastProbeTime',
    '.status.conditions[type="Ready"].lastTransitionTime', '.status.conditions[type="Ready"].status', '.status.conditions[type="Ready"].type', ".status.phase",
  ]);
  assert.equal(pod.metadata.managedFields!.find((e) => e.manager === "kubelet")!.subresource, "status");
  // Status written through the main resource is not owned (the strategy resets it).
  const main = updateManagedFields(pod, { ...pod, status: { phase: "Failed" } }, "someone", opts(POD, 6));
  assert.equal(owners(main)["someone Update"], undefined);
});

test("upgrading from client-side apply: kubectl takes over fields its last-applied configuration set", () => {
  const last = `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"annotations":{},"name":"nginx"},"spec":{"replicas":3}}\n`;
  let live = updateManagedFields(undefined, dep({ replicas: 3, selector: sel, template: template([{ name: "nginx", image: "nginx" }]) }, { annotations: { [LAST_APPLIED]: last } }), "kubectl-client-side-apply", opts(DEPLOYMENT));
  live.metadata.uid = "u";
  const ssa = dep({ replicas: 5 });
  assert.deepEqual(conflicts(apply(live, ssa, "someone-else", false, opts(DEPLOYMENT, 1))), ["kubectl-client-side-apply .spec.replicas"]);
  const up = ok(apply(live, ssa, "kubectl", false, opts(DEPLOYMENT, 1)));
  assert.equal((up.spec as { replicas: number }).replicas, 5);
  assert.deepEqual(owners(up)["kubectl Apply"], [".spec.replicas"]);
  // The annotation follows the applied configuration (as Go encodes it, with a newline).
  assert.equal(up.metadata.annotations![LAST_APPLIED], `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"nginx"},"spec":{"replicas":5}}\n`);
});

test("apply bodies kube refuses", () => {
  const live = ok(apply(undefined, dep({ replicas: 1 }), "kubectl", false, opts(DEPLOYMENT)));
  const cases: [KObject, number, string][] = [
    [{ ...dep({}), kind: "ReplicaSet" }, 400, "invalid object type: apps/v1, Kind=ReplicaSet"],
    [{ ...dep({}), apiVersion: "apps/v2" }, 400, "invalid object type: apps/v2, Kind=Deployment"],
    [dep({}, { managedFields: [] }), 400, "metadata.managedFields must be nil"],
    [dep({ replicas: "three" }, { namespace: "ns" }), 500, "failed to create typed patch object (ns/nginx; apps/v1, Kind=Deployment): .spec.replicas: expected numeric (int or float), got string"],
    [dep({ bogus: 1 }), 500, "failed to create typed patch object (/nginx; apps/v1, Kind=Deployment): .spec.bogus: field not declared in schema"],
    [
      dep({ template: template([{ name: "a" }, { name: "a" }]) }),
      500,
      "failed to create typed patch object (/nginx; apps/v1, Kind=Deployment): .spec.template.spec.containers: duplicate entries for key [name=\"a\"]",
    ],
    [dep({ template: template([{ image: "x" }]) }), 500, "failed to create typed patch object (/nginx; apps/v1, Kind=Deployment): .spec.template.spec.containers: element 0: associative list with keys has an element that omits key field \"name\" (and doesn't have default value)"],
  ];
  for (const [body, code, message] of cases) assert.deepEqual(apply(live, body, "kubectl", false, opts(DEPLOYMENT, 1)), { error: { code, message } });
});

test("custom resources without a schema: maps granular, lists atomic", () => {
  const gvk = { group: "example.com", version: "v1", kind: "Widget" };
  const w = (spec: Record<string, unknown>) => ({ apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" }, spec }) as KObject;
  let live = ok(apply(undefined, w({ size: 1, items: ["a"], nested: { x: 1 } }), "one", false, { gvk, now: at(0) }));
  // Every key of an untyped map is a member too: FieldsV1 has "." at each level.
  assert.deepEqual(owners(live)["one Apply"], [".spec", ".spec.items", ".spec.nested", ".spec.nested.x", ".spec.size"]);
  assert.deepEqual(conflicts(apply(live, w({ items: ["b"] }), "two", false, { gvk, now: at(1) })), ["one .spec.items"]);
  live = ok(apply(live, w({ nested: { y: 2 } }), "two", false, { gvk, now: at(1) }));
  assert.deepEqual(live.spec, { size: 1, items: ["a"], nested: { x: 1, y: 2 } });
});

test("no-op writes keep their old managedFields times", () => {
  const old = updateManagedFields(undefined, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: { a: "1" } }, "m", opts(CONFIGMAP));
  const bumped = structuredClone(old);
  bumped.metadata.managedFields![0]!.time = ts(99);
  const changed = { ...structuredClone(bumped), data: { a: "2" } };
  assert.equal(ignoreManagedFieldsTimestamps(bumped, old).metadata.managedFields![0]!.time, ts(0));
  assert.equal(ignoreManagedFieldsTimestamps(changed, old).metadata.managedFields![0]!.time, ts(99));
});

test("scale subresource: replicas ownership maps between the parent and Scale", () => {
  const paths = { "apps/v1": ["spec", "replicas"] };
  const parent = ok(apply(undefined, dep({ replicas: 1, selector: sel }), "kubectl", false, opts(DEPLOYMENT))).metadata.managedFields;
  assert.deepEqual(scaleManagedFieldsToSubresource(parent, paths), [
    { manager: "kubectl", operation: "Apply", apiVersion: "autoscaling/v1", time: ts(0), fieldsType: "FieldsV1", fieldsV1: { "f:spec": { "f:replicas": {} } } },
  ]);
  const scale = [{ manager: "hpa", operation: "Update" as const, apiVersion: "autoscaling/v1", time: ts(5), fieldsType: "FieldsV1" as const, fieldsV1: { "f:spec": { "f:replicas": {} } }, subresource: "scale" }];
  assert.deepEqual(scaleManagedFieldsToParent(parent, scale, "apps/v1", paths), [
    { manager: "kubectl", operation: "Apply", apiVersion: "apps/v1", time: ts(0), fieldsType: "FieldsV1", fieldsV1: { "f:spec": { "f:selector": {} } } },
    { manager: "hpa", operation: "Update", apiVersion: "apps/v1", fieldsType: "FieldsV1", fieldsV1: { "f:spec": { "f:replicas": {} } }, subresource: "scale" },
  ]);
});

test("request options and manager names", () => {
  assert.equal(managerFromUserAgent("kubectl/v1.32.0 (linux/amd64) kubernetes/70d3cc9"), "kubectl");
  assert.equal(managerFromUserAgent("my\u0007tool/1.0"), "mytool");
  assert.equal(managerFromUserAgent(undefined), "");
  assert.equal(managerFromUserAgent("x".repeat(200)).length, 128);
  const v = (...a: Parameters<typeof validatePatchOptions>) => validatePatchOptions(...a).map(formatFieldError);
  assert.deepEqual(v("application/apply-patch+yaml", "", undefined), ["fieldManager: Required value: is required for apply patch"]);
  assert.deepEqual(v("application/merge-patch+json", undefined, true), ["force: Forbidden: may not be specified for non-apply patch"]);
  assert.deepEqual(v("application/apply-patch+yaml", "kubectl", true), []);
});

test("conflict messages group by manager", () => {
  const cs = [
    { manager: "b", operation: "Apply" as const, path: ".spec.x", id: '{"manager":"b","operation":"Apply"}' },
    { manager: "a", operation: "Update" as const, apiVersion: "v1", subresource: "status", path: ".status.y", id: '{"manager":"a","operation":"Update","apiVersion":"v1","subresource":"status"}' },
    { manager: "b", operation: "Apply" as const, path: ".spec.z", id: '{"manager":"b","operation":"Apply"}' },
  ];
  assert.equal(
    conflictMessage(cs).message,
    'Apply failed with 3 conflicts: conflicts with "a" with subresource "status" using v1:\n- .status.y\nconflicts with "b":\n- .spec.x\n- .spec.z',
  );
});
