import { test } from "node:test";
import assert from "node:assert/strict";
import { bindPod, podStrategy, validateBinding } from "./pods.js";
import { create, update } from "./testing.js";
import { deepFreeze } from "../../storage/codec.js";
import type { KObject } from "../../api/types.js";

const meta = { name: "web", namespace: "default" };
const pod = (spec: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ apiVersion: "v1", kind: "Pod", metadata: { ...meta }, spec, ...extra });
const minimal = pod({ containers: [{ name: "nginx", image: "nginx" }] });

test("a minimal pod gets what kube stores (before admission plugins)", () => {
  const { obj, errors } = create(podStrategy, minimal);
  assert.deepEqual(errors, []);
  assert.deepEqual(obj.spec, {
    containers: [{
      name: "nginx", image: "nginx", imagePullPolicy: "Always", resources: {},
      terminationMessagePath: "/dev/termination-log", terminationMessagePolicy: "File",
    }],
    dnsPolicy: "ClusterFirst", enableServiceLinks: true, restartPolicy: "Always", schedulerName: "default-scheduler",
    securityContext: {}, terminationGracePeriodSeconds: 30,
  });
  assert.deepEqual(obj.status, { phase: "Pending", qosClass: "BestEffort" });
});

test("container, volume and probe defaults", () => {
  const { obj, errors } = create(podStrategy, pod({
    containers: [{
      name: "app", image: "registry.local:5000/team/app:1.2", ports: [{ containerPort: 8080 }],
      resources: { limits: { cpu: "0.5", memory: "1024Mi" } },
      env: [{ name: "NODE", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } }],
      livenessProbe: { httpGet: { port: 8080 } }, readinessProbe: { grpc: { port: 9000 }, periodSeconds: 5 },
      volumeMounts: [{ name: "cfg", mountPath: "/cfg" }, { name: "scratch", mountPath: "/tmp" }],
    }],
    volumes: [{ name: "cfg", configMap: { name: "cfg" } }, { name: "scratch" }, { name: "h", hostPath: { path: "/var/log" } }],
  }));
  assert.deepEqual(errors, []);
  const spec = obj.spec as { containers: Record<string, unknown>[]; volumes: unknown[] };
  const c = spec.containers[0]!;
  assert.equal(c.imagePullPolicy, "IfNotPresent");
  assert.deepEqual(c.ports, [{ containerPort: 8080, protocol: "TCP" }]);
  assert.deepEqual(c.resources, { limits: { cpu: "500m", memory: "1Gi" }, requests: { cpu: "500m", memory: "1Gi" } });
  assert.deepEqual(c.env, [{ name: "NODE", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "spec.nodeName" } } }]);
  assert.deepEqual(c.livenessProbe, { httpGet: { port: 8080, path: "/", scheme: "HTTP" }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 });
  assert.deepEqual(c.readinessProbe, { grpc: { port: 9000, service: "" }, periodSeconds: 5, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 });
  assert.deepEqual(spec.volumes, [
    { name: "cfg", configMap: { name: "cfg", defaultMode: 420 } }, { name: "scratch", emptyDir: {} }, { name: "h", hostPath: { path: "/var/log", type: "" } },
  ]);
  assert.deepEqual(obj.status, { phase: "Pending", qosClass: "Guaranteed" });
});

test("image pull policy follows the tag", () => {
  const cases: [string, string][] = [
    ["nginx", "Always"], ["nginx:latest", "Always"], ["nginx:1.27", "IfNotPresent"], ["localhost:5000/nginx", "Always"],
    [`nginx@sha256:${"a".repeat(64)}`, "IfNotPresent"], [`nginx:1@sha256:${"a".repeat(64)}`, "IfNotPresent"], ["Nginx", "IfNotPresent"],
  ];
  for (const [image, want] of cases) {
    const { obj } = create(podStrategy, pod({ containers: [{ name: "c", image }] }));
    assert.equal((obj.spec as { containers: { imagePullPolicy: string }[] }).containers[0]!.imagePullPolicy, want, image);
  }
});

test("qos classes", () => {
  const qos = (resources: Record<string, unknown>) =>
    (create(podStrategy, pod({ containers: [{ name: "c", image: "i", resources }] })).obj.status as { qosClass: string }).qosClass;
  assert.equal(qos({ limits: { cpu: "1", memory: "1Gi" } }), "Guaranteed");
  assert.equal(qos({ requests: { cpu: "1" } }), "Burstable");
  assert.equal(qos({}), "BestEffort");
});

test("validation messages as kube prints them", () => {
  const cases: [Record<string, unknown>, string[]][] = [
    [{ containers: [] }, ["spec.containers: Required value"]],
    [{ containers: [{ name: "Web", image: "" }] }, [
      `spec.containers[0].name: Invalid value: "Web": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
      "spec.containers[0].image: Required value",
    ]],
    [{ containers: [{ name: "a", image: "i" }, { name: "a", image: "i" }] }, [`spec.containers[1].name: Duplicate value: "a"`]],
    [{ containers: [{ name: "a", image: "i" }], restartPolicy: "Sometimes" }, [`spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"`]],
    [{ containers: [{ name: "a", image: "i" }], dnsPolicy: "Magic" }, [`spec.dnsPolicy: Unsupported value: "Magic": supported values: "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"`]],
    [{ containers: [{ name: "a", image: "i", ports: [{ containerPort: 70000, protocol: "HTTP" }] }] }, [
      "spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive",
      `spec.containers[0].ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"`,
    ]],
    [{ containers: [{ name: "a", image: "i", resources: { requests: { cpu: "2" }, limits: { cpu: "1" } } }] }, [
      `spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1`,
    ]],
    [{ containers: [{ name: "a", image: "i", volumeMounts: [{ name: "nope", mountPath: "/x" }] }] }, [`spec.containers[0].volumeMounts[0].name: Not found: "nope"`]],
    [{ containers: [{ name: "a", image: "i" }], volumes: [{ name: "v" }, { name: "v" }] }, [`spec.volumes[1].name: Duplicate value: "v"`]],
    [{ containers: [{ name: "a", image: "i", env: [{ name: "A=B" }] }] }, [
      `spec.containers[0].env[0].name: Invalid value: "A=B": a valid environment variable name must consist only of printable ASCII characters other than '='`,
    ]],
    [{ containers: [{ name: "a", image: " i" }] }, [`spec.containers[0].image: Invalid value: " i": must not have leading or trailing whitespace`]],
  ];
  for (const [spec, want] of cases) assert.deepEqual(create(podStrategy, pod(spec)).errors, want, JSON.stringify(spec));
});

test("ephemeral containers may not be set on create, only through the subresource", () => {
  const p = pod({ containers: [{ name: "a", image: "i" }], ephemeralContainers: [{ name: "dbg", image: "busybox" }] });
  assert.deepEqual(create(podStrategy, p).errors, ["spec.ephemeralContainers: Forbidden: cannot be set on create"]);
  const stored = create(podStrategy, pod({ containers: [{ name: "a", image: "i" }] })).obj;
  const r = update(podStrategy, { ...structuredClone(stored), metadata: { ...meta, labels: { sneaky: "x" } }, spec: p.spec }, stored, "ephemeralcontainers");
  assert.deepEqual(r.errors, []);
  assert.equal((r.obj.spec as { ephemeralContainers: unknown[] }).ephemeralContainers.length, 1);
  assert.equal(r.obj.metadata.labels, undefined);
  const again = update(podStrategy, { ...structuredClone(r.obj), spec: { ...(r.obj.spec as object), ephemeralContainers: [] } }, r.obj, "ephemeralcontainers");
  assert.deepEqual(again.errors, [`spec.ephemeralContainers: Forbidden: existing ephemeral containers "dbg" may not be removed\n`]);
});

test("pod updates: only a few fields may change", () => {
  const stored = create(podStrategy, minimal).obj;
  const changeImage = structuredClone(stored) as unknown as { spec: { containers: { image: string }[] } };
  changeImage.spec.containers[0]!.image = "nginx:1.27";
  assert.deepEqual(update(podStrategy, changeImage, stored).errors, []);
  const changePolicy = structuredClone(stored) as unknown as { spec: Record<string, unknown> };
  changePolicy.spec.restartPolicy = "Never";
  const errs = update(podStrategy, changePolicy, stored).errors;
  assert.equal(errs.length, 1);
  assert.ok(errs[0]!.startsWith(
    "spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)\n",
  ), errs[0]);
  const addContainer = structuredClone(stored) as unknown as { spec: { containers: unknown[] } };
  addContainer.spec.containers.push({ name: "b", image: "i" });
  assert.deepEqual(update(podStrategy, addContainer, stored).errors, ["spec.containers: Forbidden: pod updates may not add or remove containers"]);
  const status = structuredClone(stored) as unknown as { status: Record<string, unknown> };
  status.status = { phase: "Running" };
  assert.deepEqual(update(podStrategy, status, stored).obj.status, stored.status, "status is kept on a main update");
});

test("status subresource keeps the spec and checks pod IPs", () => {
  const stored = create(podStrategy, minimal).obj;
  const next = { ...structuredClone(stored), spec: { containers: [] }, status: { phase: "Running", qosClass: "BestEffort", podIPs: [{ ip: "10.0.0.1" }, { ip: "10.0.0.2" }] } };
  const r = update(podStrategy, next, stored, "status");
  assert.deepEqual(r.obj.spec, stored.spec);
  assert.equal(r.errors.length, 1);
  assert.ok(r.errors[0]!.startsWith("status.podIPs: Invalid value: "), r.errors[0]);
  assert.ok(r.errors[0]!.endsWith(": may specify no more than one IP for each IP family"), r.errors[0]);
});

test("graceful deletion", () => {
  const p = (nodeName: string, phase = "Running", grace: number | undefined = 30) =>
    ({ metadata: {}, spec: { nodeName, terminationGracePeriodSeconds: grace }, status: { phase } });
  assert.equal(podStrategy.gracePeriod!(p("n1"), undefined), 30);
  assert.equal(podStrategy.gracePeriod!(p("n1"), 5), 5);
  assert.equal(podStrategy.gracePeriod!(p(""), undefined), 0, "unscheduled pods go at once");
  assert.equal(podStrategy.gracePeriod!(p("n1", "Succeeded"), undefined), 0, "finished pods go at once");
  assert.equal(podStrategy.gracePeriod!(p("n1", "Running", -5), undefined), 1);
});

test("selectable fields", () => {
  const { obj } = create(podStrategy, pod({ containers: [{ name: "a", image: "i" }], nodeName: "n1", hostNetwork: true }));
  assert.deepEqual(podStrategy.selectableFields!(obj), {
    "spec.nodeName": "n1", "spec.restartPolicy": "Always", "spec.schedulerName": "default-scheduler", "spec.serviceAccountName": "",
    "spec.hostNetwork": "true", "status.phase": "Pending", "status.podIP": "", "status.nominatedNodeName": "",
  });
});

test("scheduling gates mark the pod unschedulable", () => {
  const { obj } = create(podStrategy, pod({ containers: [{ name: "a", image: "i" }], schedulingGates: [{ name: "example.com/wait" }] }));
  assert.deepEqual((obj.status as { conditions: unknown[] }).conditions, [{
    type: "PodScheduled", status: "False", lastProbeTime: null, lastTransitionTime: "2025-01-02T03:04:05Z",
    reason: "SchedulingGated", message: "Scheduling is blocked due to non-empty scheduling gates",
  }]);
});

test("binding", () => {
  const { obj } = create(podStrategy, minimal);
  const binding = { metadata: { name: "web", annotations: { a: "b" } }, target: { kind: "Node", name: "n1" } };
  assert.deepEqual(validateBinding({ metadata: {}, target: { kind: "Pod" } }), [
    { type: "FieldValueNotSupported", field: "target.kind", badValue: "Pod", detail: `supported values: "Node", "<empty>"`, supported: ["Node", "<empty>"] },
    { type: "FieldValueRequired", field: "target.name", badValue: "", detail: "" },
  ]);
  const before = JSON.stringify(obj);
  const bound = bindPod(deepFreeze(obj), binding, new Date("2025-01-01T00:00:00Z"));
  assert.ok(typeof bound === "object");
  assert.equal(JSON.stringify(obj), before, "the pod given is left as it is");
  assert.equal((bound.spec as { nodeName: string }).nodeName, "n1");
  assert.deepEqual(bound.metadata.annotations, { a: "b" });
  assert.deepEqual((bound.status as { conditions: unknown[] }).conditions, [{ type: "PodScheduled", status: "True", lastProbeTime: null, lastTransitionTime: "2025-01-01T00:00:00Z" }]);
  assert.equal(bindPod(bound, binding, new Date()), `pod web is already assigned to node "n1"`);
  assert.equal(bindPod({ ...obj, metadata: { ...obj.metadata, deletionTimestamp: "2025-01-01T00:00:00Z" } }, binding, new Date()), "pod web is being deleted, cannot be assigned to a host");
  assert.equal(bindPod({ ...obj, spec: { ...(obj.spec as object), schedulingGates: [{ name: "g" }] } }, binding, new Date()), "pod web has non-empty .spec.schedulingGates");
});

test("binding replaces PodScheduled in place, keeping its transition time when it was True", () => {
  const { obj } = create(podStrategy, minimal);
  const conditions = [
    { type: "Initialized", status: "True" },
    { type: "PodScheduled", status: "False", reason: "Unschedulable", message: "0/1 nodes", lastProbeTime: null, lastTransitionTime: "2024-01-01T00:00:00Z" },
    { type: "Ready", status: "False" },
  ];
  const binding = { metadata: { name: "web" }, target: { name: "n1" } };
  const unschedulable = { ...obj, status: { conditions } };
  const bound = bindPod(unschedulable, binding, new Date("2025-01-01T00:00:00Z")) as KObject;
  assert.deepEqual((bound.status as { conditions: unknown[] }).conditions, [
    conditions[0],
    { type: "PodScheduled", status: "True", lastProbeTime: null, lastTransitionTime: "2025-01-01T00:00:00Z" },
    conditions[2],
  ]);
  assert.equal(bound.metadata.annotations, undefined);
  const wasTrue = { ...obj, status: { conditions: [{ type: "PodScheduled", status: "True", lastTransitionTime: "2024-01-01T00:00:00Z" }] } };
  const again = bindPod(wasTrue, binding, new Date("2025-01-01T00:00:00Z")) as KObject;
  assert.deepEqual((again.status as { conditions: unknown[] }).conditions, [{ type: "PodScheduled", status: "True", lastProbeTime: null, lastTransitionTime: "2024-01-01T00:00:00Z" }]);
});
