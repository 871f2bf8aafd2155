import { test } from "node:test";
import assert from "node:assert/strict";
import { configMapStrategy } from "./configmaps.js";
import { endpointsStrategy } from "./endpoints.js";
import { eventStrategy } from "./events.js";
import { coreStrategies } from "./index.js";
import { limitRangeStrategy } from "./limitranges.js";
import { namespaceStrategy } from "./namespaces.js";
import { nodeStrategy } from "./nodes.js";
import { persistentVolumeClaimStrategy } from "./persistentvolumeclaims.js";
import { persistentVolumeStrategy } from "./persistentvolumes.js";
import { podTemplateStrategy } from "./podtemplates.js";
import { replicationControllerStrategy } from "./replicationcontrollers.js";
import { resourceQuotaStrategy } from "./resourcequotas.js";
import { secretStrategy } from "./secrets.js";
import { serviceAccountStrategy } from "./serviceaccounts.js";
import { create, update } from "./testing.js";
import { catalog } from "../catalog.js";

const m = (name: string, namespace?: string) => (namespace ? { name, namespace } : { name });
const b64 = (t: string) => Buffer.from(t).toString("base64");
const tpl = { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "nginx:1.27" }] } };

test("every stored core resource has a strategy", () => {
  const core = catalog.filter((r) => r.group === "" && r.etcdPrefix !== "").map((r) => r.resource).sort();
  assert.deepEqual(Object.keys(coreStrategies).sort(), core);
});

test("namespaces: Active, the kubernetes finalizer, the name label", () => {
  const { obj, errors } = create(namespaceStrategy, { metadata: m("team-a") });
  assert.deepEqual(errors, []);
  assert.deepEqual(obj.metadata.labels, { "kubernetes.io/metadata.name": "team-a" });
  assert.deepEqual(obj.spec, { finalizers: ["kubernetes"] });
  assert.deepEqual(obj.status, { phase: "Active" });
  assert.deepEqual(create(namespaceStrategy, { metadata: m("x"), spec: { finalizers: ["nope"] } }).errors, [
    `spec.finalizers: Invalid value: "nope": name is neither a standard finalizer name nor is it fully qualified`,
  ]);
  // The main endpoint cannot drop the finalizer; finalize can.
  const dropped = { ...structuredClone(obj), spec: { finalizers: [] } };
  assert.deepEqual(update(namespaceStrategy, dropped, obj).obj.spec, { finalizers: ["kubernetes"] });
  assert.deepEqual(update(namespaceStrategy, dropped, obj, "finalize").obj.spec, { finalizers: [] });
  assert.deepEqual(namespaceStrategy.selectableFields!(obj), { "status.phase": "Active", name: "team-a" });
  assert.deepEqual(update(namespaceStrategy, { ...structuredClone(obj), status: { phase: "Terminating" } }, obj, "status").errors, [
    `status.Phase: Invalid value: "Terminating": may only be 'Active' if \`deletionTimestamp\` is empty`,
  ]);
});

test("configmaps: keys, size, immutable", () => {
  assert.deepEqual(create(configMapStrategy, { metadata: m("c", "d"), data: { "a b": "x" }, binaryData: { k: b64("v") } }).errors, [
    `data[a b]: Invalid value: "a b": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`,
  ]);
  assert.deepEqual(create(configMapStrategy, { metadata: m("c", "d"), data: { k: "x" }, binaryData: { k: b64("v") } }).errors, [
    `data[k]: Invalid value: "k": duplicate of key present in binaryData`,
  ]);
  assert.deepEqual(create(configMapStrategy, { metadata: m("c", "d"), data: { k: "x".repeat(1024 * 1024 + 1) } }).errors, [
    ": Too long: may not be more than 1048576 bytes",
  ]);
  const stored = create(configMapStrategy, { metadata: m("c", "d"), data: { k: "1" }, immutable: true }).obj;
  assert.deepEqual(update(configMapStrategy, { ...structuredClone(stored), data: { k: "2" } }, stored).errors, [
    "data: Forbidden: field is immutable when `immutable` is set",
  ]);
});

test("secrets: Opaque, stringData, per-type keys, type fixed", () => {
  const { obj, errors } = create(secretStrategy, { metadata: m("s", "d"), stringData: { password: "hunter2" } });
  assert.deepEqual(errors, []);
  assert.deepEqual({ type: obj.type, data: obj.data, stringData: obj.stringData }, { type: "Opaque", data: { password: b64("hunter2") }, stringData: undefined });
  assert.deepEqual(create(secretStrategy, { metadata: m("s", "d"), type: "kubernetes.io/tls", data: { "tls.crt": b64("x") } }).errors, [
    "data[tls.key]: Required value",
  ]);
  assert.deepEqual(create(secretStrategy, { metadata: m("s", "d"), type: "kubernetes.io/dockerconfigjson", data: { ".dockerconfigjson": b64("[]") } }).errors, [
    `data[.dockerconfigjson]: Invalid value: "<secret contents redacted>": json: cannot unmarshal array into Go value of type map[string]interface {}`,
  ]);
  assert.deepEqual(update(secretStrategy, { ...structuredClone(obj), type: "kubernetes.io/basic-auth", data: { username: b64("u") } }, obj).errors, [
    `type: Invalid value: "kubernetes.io/basic-auth": field is immutable`,
  ]);
  assert.deepEqual(secretStrategy.selectableFields!(obj), { type: "Opaque" });
});

test("serviceaccounts keep only secret names", () => {
  const { obj } = create(serviceAccountStrategy, { metadata: m("sa", "d"), secrets: [{ name: "t", namespace: "d", uid: "u" }] });
  assert.deepEqual(obj.secrets, [{ name: "t" }]);
});

test("nodes: status kept on create, zero values printed, allocatable from capacity", () => {
  const { obj, errors } = create(nodeStrategy, { metadata: m("n1"), status: { capacity: { cpu: "4", memory: "8192Mi", pods: "110" } } });
  assert.deepEqual(errors, []);
  assert.deepEqual(obj.spec, {});
  assert.deepEqual(obj.status, {
    capacity: { cpu: "4", memory: "8Gi", pods: "110" }, allocatable: { cpu: "4", memory: "8Gi", pods: "110" },
    daemonEndpoints: { kubeletEndpoint: { Port: 0 } },
    nodeInfo: {
      machineID: "", systemUUID: "", bootID: "", kernelVersion: "", osImage: "", containerRuntimeVersion: "", kubeletVersion: "",
      kubeProxyVersion: "", operatingSystem: "", architecture: "",
    },
  });
  assert.deepEqual(create(nodeStrategy, { metadata: m("n1"), spec: { taints: [{ key: "k", effect: "Sometimes" }] } }).errors, [
    `metadata.taints[0].effect: Unsupported value: "Sometimes": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"`,
  ]);
  const cordon = update(nodeStrategy, { ...structuredClone(obj), spec: { unschedulable: true }, status: {} }, obj);
  assert.deepEqual(cordon.obj.status, obj.status, "main updates keep status");
  assert.deepEqual(nodeStrategy.selectableFields!(cordon.obj), { "spec.unschedulable": "true" });
});

test("events: legacy checks, zero values, selectable fields", () => {
  const ev = { metadata: m("e", "d"), involvedObject: { kind: "Pod", name: "p", namespace: "d" }, reason: "Started", source: { component: "kubelet" }, type: "Normal" };
  const { obj, errors } = create(eventStrategy, ev);
  assert.deepEqual(errors, []);
  assert.deepEqual([obj.firstTimestamp, obj.lastTimestamp, obj.eventTime, obj.reportingComponent, obj.reportingInstance], [null, null, null, "", ""]);
  assert.deepEqual(create(eventStrategy, { ...ev, involvedObject: { kind: "Pod", namespace: "other" } }).errors, [
    `involvedObject.namespace: Invalid value: "other": does not match event.namespace`,
  ]);
  const f = eventStrategy.selectableFields!(obj);
  assert.equal(f["involvedObject.name"], "p");
  assert.equal(f.source, "kubelet");
  assert.equal(eventStrategy.allowCreateOnUpdate, true);
});

test("endpoints", () => {
  const { obj, errors } = create(endpointsStrategy, { metadata: m("e", "d"), subsets: [{ addresses: [{ ip: "10.1.2.3" }], ports: [{ port: 80 }] }] });
  assert.deepEqual(errors, []);
  assert.deepEqual(obj.subsets, [{ addresses: [{ ip: "10.1.2.3" }], ports: [{ port: 80, protocol: "TCP" }] }]);
  assert.deepEqual(create(endpointsStrategy, { metadata: m("e", "d"), subsets: [{ addresses: [{ ip: "127.0.0.1" }] }, {}] }).errors, [
    `subsets[0].addresses[0].ip: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)`,
    "subsets[1]: Required value: must specify `addresses` or `notReadyAddresses`",
  ]);
});

test("limitranges: container defaults from max and min", () => {
  const { obj, errors } = create(limitRangeStrategy, { metadata: m("l", "d"), spec: { limits: [{ type: "Container", max: { cpu: "2" }, min: { memory: "64Mi" } }] } });
  assert.deepEqual(errors, []);
  assert.deepEqual(obj.spec, { limits: [{ type: "Container", max: { cpu: "2" }, min: { memory: "64Mi" }, default: { cpu: "2" }, defaultRequest: { cpu: "2", memory: "64Mi" } }] });
  assert.deepEqual(create(limitRangeStrategy, { metadata: m("l", "d"), spec: { limits: [{ type: "Container", max: { cpu: "1" }, min: { cpu: "2" } }] } }).errors, [
    "spec.limits[0].min[cpu]: Invalid value: 2: min value 2 is greater than max value 1",
    "spec.limits[0].defaultRequest[cpu]: Invalid value: 1: min value 2 is greater than default request value 1",
    "spec.limits[0].default[cpu]: Invalid value: 2: min value 2 is greater than default value 1",
  ]);
});

test("resourcequotas", () => {
  const { obj, errors } = create(resourceQuotaStrategy, { metadata: m("q", "d"), spec: { hard: { pods: "10", "requests.cpu": "1000m" } }, status: { used: { pods: "3" } } });
  assert.deepEqual(errors, []);
  assert.deepEqual(obj.spec, { hard: { pods: "10", "requests.cpu": "1" } });
  assert.deepEqual(obj.status, {});
  assert.deepEqual(create(resourceQuotaStrategy, { metadata: m("q", "d"), spec: { hard: { pods: "1.5", foo: "1" } } }).errors, [
    "spec.hard[pods]: Invalid value: 1500m: must be an integer",
    `spec.hard[foo]: Invalid value: "foo": must be a standard resource type or fully qualified`,
    `spec.hard[foo]: Invalid value: "foo": must be a standard resource for quota`,
  ]);
});

test("persistentvolumes and claims", () => {
  const pv = create(persistentVolumeStrategy, { metadata: m("pv1"), spec: { capacity: { storage: "10Gi" }, accessModes: ["ReadWriteOnce"], hostPath: { path: "/data" } } });
  assert.deepEqual(pv.errors, []);
  assert.deepEqual(pv.obj.spec, {
    capacity: { storage: "10Gi" }, accessModes: ["ReadWriteOnce"], hostPath: { path: "/data", type: "" },
    persistentVolumeReclaimPolicy: "Retain", volumeMode: "Filesystem",
  });
  assert.deepEqual(pv.obj.status, { phase: "Pending", lastPhaseTransitionTime: "2025-01-02T03:04:05Z" });
  assert.deepEqual(create(persistentVolumeStrategy, { metadata: m("pv1"), spec: { capacity: { storage: "1Gi" }, accessModes: ["ReadWriteOnce"] } }).errors, [
    "spec: Required value: must specify a volume type",
  ]);
  const pvc = create(persistentVolumeClaimStrategy, { metadata: m("c", "d"), spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } });
  assert.deepEqual(pvc.errors, []);
  assert.deepEqual(pvc.obj.spec, { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } }, volumeMode: "Filesystem" });
  assert.deepEqual(pvc.obj.status, { phase: "Pending" });
  assert.deepEqual(create(persistentVolumeClaimStrategy, { metadata: m("c", "d"), spec: {} }).errors, [
    "spec.accessModes: Required value: at least 1 access mode is required",
    "spec.resources[storage]: Required value",
  ]);
  const bigger = structuredClone(pvc.obj) as unknown as { spec: { resources: { requests: { storage: string } } } };
  bigger.spec.resources.requests.storage = "2Gi";
  const r = update(persistentVolumeClaimStrategy, bigger, pvc.obj);
  assert.equal(r.errors.length, 1);
  assert.ok(r.errors[0]!.startsWith("spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n"));
  const bound = { ...structuredClone(pvc.obj), status: { phase: "Bound" } };
  const grown = { ...structuredClone(bigger), status: { phase: "Bound" } };
  assert.deepEqual(update(persistentVolumeClaimStrategy, grown, bound).errors, []);
});

test("replicationcontrollers: replicas, selector and labels from the template; generation", () => {
  const { obj, errors } = create(replicationControllerStrategy, { metadata: m("rc", "d"), spec: { template: tpl } });
  assert.deepEqual(errors, []);
  assert.deepEqual(obj.metadata, { name: "rc", namespace: "d", labels: { app: "web" }, generation: 1 });
  const spec = obj.spec as Record<string, unknown>;
  assert.deepEqual([spec.replicas, spec.selector], [1, { app: "web" }]);
  assert.equal((spec.template as { metadata: { creationTimestamp: unknown } }).metadata.creationTimestamp, null);
  assert.deepEqual(obj.status, { replicas: 0 });
  const scaled = structuredClone(obj) as unknown as { spec: { replicas: number } };
  scaled.spec.replicas = 3;
  assert.equal(update(replicationControllerStrategy, scaled, obj).obj.metadata.generation, 2);
  assert.deepEqual(create(replicationControllerStrategy, { metadata: m("rc", "d"), spec: { selector: { app: "other" }, template: tpl } }).errors, [
    `spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: \`selector\` does not match template \`labels\``,
  ]);
  assert.deepEqual(replicationControllerStrategy.selectableFields!(obj), { "status.replicas": "0" });
});

test("podtemplates", () => {
  const { obj, errors } = create(podTemplateStrategy, { metadata: m("t", "d"), template: tpl });
  assert.deepEqual(errors, []);
  assert.equal(obj.metadata.generation, 1);
  assert.deepEqual(create(podTemplateStrategy, { metadata: m("t", "d"), template: { spec: { containers: [{ name: "c" }] } } }).errors, [
    "template.spec.containers[0].image: Required value",
  ]);
});
