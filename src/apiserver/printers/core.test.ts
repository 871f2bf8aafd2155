import { test } from "node:test";
import assert from "node:assert/strict";
import * as apps from "./apps.js";
import * as core from "./core.js";
import { ago, cells, DAY, headers, k, MIN, row, SEC } from "./testing.js";

const running = { running: {} };
const two = [{ name: "a" }, { name: "b" }];
const one = [{ name: "a" }];
const finished = (ms: number) => ({ terminated: { finishedAt: ago(ms) } });

function pod(spec: Record<string, unknown>, status: Record<string, unknown>, meta: Record<string, unknown> = {}) {
  return k("p", { spec, status }, meta);
}

test("pods: columns", () => {
  assert.deepEqual(headers(core.pods), [
    "Name", "Ready", "Status", "Restarts", "Age", "IP*", "Node*", "Nominated Node*", "Readiness Gates*",
  ]);
  assert.equal(core.pods.columns[0]!.format, "name");
  assert.equal(core.pods.columns[3]!.type, "string");
});

test("pods: READY, STATUS and RESTARTS", () => {
  const cases: [string, ReturnType<typeof pod>, [string, string, string]][] = [
    ["ready and restarts summed", pod({ containers: two }, { phase: "podPhase", containerStatuses: [{ ready: true, restartCount: 3, state: running }, { restartCount: 3 }] }), ["1/2", "podPhase", "6"]],
    ["waiting reason overrides the phase", pod({ containers: two }, { phase: "podPhase", containerStatuses: [{ ready: true, restartCount: 3, state: running }, { state: { waiting: { reason: "ContainerWaitingReason" } }, restartCount: 3 }] }), ["1/2", "ContainerWaitingReason", "6"]],
    ["the first container's reason wins", pod({ containers: two }, { phase: "podPhase", containerStatuses: [{ state: { waiting: { reason: "ContainerWaitingReason" } }, restartCount: 3 }, { state: { terminated: { reason: "ContainerTerminatedReason" } }, restartCount: 3 }] }), ["0/2", "ContainerWaitingReason", "6"]],
    ["ready without running is not counted", pod({ containers: two }, { phase: "podPhase", containerStatuses: [{ ready: true, restartCount: 3, state: running }, { ready: true, restartCount: 3 }] }), ["1/2", "podPhase", "6"]],
    ["status.reason overrides the phase", pod({ containers: two }, { reason: "podReason", phase: "podPhase", containerStatuses: [{ ready: true, restartCount: 3, state: running }, { ready: true, restartCount: 3 }] }), ["1/2", "podReason", "6"]],
    ["Completed with a running container, not Ready", pod({ containers: two }, { phase: "Running", containerStatuses: [{ ready: true, restartCount: 3, state: { terminated: { reason: "Completed", exitCode: 0 } } }, { ready: true, restartCount: 3, state: running }] }), ["1/2", "NotReady", "6"]],
    ["Completed with a running container, Ready", pod({ containers: two }, { phase: "Running", conditions: [{ type: "Ready", status: "True" }], containerStatuses: [{ ready: true, restartCount: 3, state: { terminated: { reason: "Completed", exitCode: 0 } } }, { ready: true, restartCount: 3, state: running }] }), ["1/2", "Running", "6"]],
    ["terminated without a reason shows the exit code", pod({ containers: one }, { phase: "Running", containerStatuses: [{ state: { terminated: { exitCode: 2 } } }] }), ["0/1", "ExitCode:2", "0"]],
    ["terminated by a signal", pod({ containers: one }, { phase: "Running", containerStatuses: [{ state: { terminated: { exitCode: 137, signal: 9 } } }] }), ["0/1", "Signal:9", "0"]],
    ["init container restarting", pod({ initContainers: one, containers: one }, { phase: "podPhase", initContainerStatuses: [{ restartCount: 3, state: running, lastState: finished(10 * SEC) }], containerStatuses: [{ state: { waiting: {} } }] }), ["0/1", "Init:0/1", "3 (10s ago)"]],
    ["second of two init containers", pod({ initContainers: two, containers: one }, { phase: "podPhase", initContainerStatuses: [{ state: { terminated: {} } }, { restartCount: 3, state: running, lastState: finished(10 * SEC) }], containerStatuses: [{ state: { waiting: {} } }] }), ["0/1", "Init:1/2", "3 (10s ago)"]],
    ["init restarts add up, the latest restart shows", pod({ initContainers: two, containers: one }, { phase: "podPhase", initContainerStatuses: [{ restartCount: 2, state: { terminated: {} }, lastState: finished(2 * MIN) }, { restartCount: 3, state: running, lastState: finished(10 * SEC) }], containerStatuses: [{ state: { waiting: {} } }] }), ["0/1", "Init:1/2", "5 (10s ago)"]],
    ["init done: only app container restarts count", pod({ initContainers: one, containers: one }, { phase: "Running", initContainerStatuses: [{ restartCount: 2, state: { terminated: {} }, lastState: finished(2 * MIN) }], containerStatuses: [{ restartCount: 4, state: running, lastState: finished(20 * SEC) }] }), ["0/1", "Running", "4 (20s ago)"]],
    ["init container failed with a reason", pod({ initContainers: one, containers: one }, { phase: "Pending", initContainerStatuses: [{ state: { terminated: { exitCode: 1, reason: "Error" } } }] }), ["0/1", "Init:Error", "0"]],
    ["init container failed without a reason", pod({ initContainers: one, containers: one }, { phase: "Pending", initContainerStatuses: [{ state: { terminated: { exitCode: 1 } } }] }), ["0/1", "Init:ExitCode:1", "0"]],
    ["init container killed by a signal", pod({ initContainers: one, containers: one }, { phase: "Pending", initContainerStatuses: [{ state: { terminated: { exitCode: 1, signal: 15 } } }] }), ["0/1", "Init:Signal:15", "0"]],
    ["init container waiting with a reason", pod({ initContainers: one, containers: one }, { phase: "Pending", initContainerStatuses: [{ state: { waiting: { reason: "ImagePullBackOff" } } }] }), ["0/1", "Init:ImagePullBackOff", "0"]],
    ["PodInitializing is not an init reason", pod({ initContainers: one, containers: one }, { phase: "Pending", initContainerStatuses: [{ state: { waiting: { reason: "PodInitializing" } } }] }), ["0/1", "Init:0/1", "0"]],
    ["restarted 5d ago", pod({ containers: one }, { phase: "Running", containerStatuses: [{ ready: true, restartCount: 3, state: running, lastState: finished(5 * DAY) }] }), ["1/1", "Running", "3 (5d ago)"]],
    ["the most recent restart of two", pod({ containers: two }, { phase: "Running", containerStatuses: [{ ready: true, restartCount: 6, state: running, lastState: finished(5 * DAY) }, { ready: true, restartCount: 3, state: running, lastState: finished(20 * DAY) }] }), ["2/2", "Running", "9 (5d ago)"]],
    ["restarts without a finish time", pod({ containers: one }, { phase: "Running", containerStatuses: [{ ready: true, restartCount: 3, state: running, lastState: { terminated: {} } }] }), ["1/1", "Running", "3"]],
    ["scheduling gated", pod({ containers: two }, { phase: "podPhase", conditions: [{ type: "PodScheduled", status: "False", reason: "SchedulingGated" }] }), ["0/2", "SchedulingGated", "0"]],
    ["succeeded", pod({ containers: one }, { phase: "Succeeded", containerStatuses: [{ state: { terminated: { reason: "Completed", exitCode: 0 } } }] }), ["0/1", "Completed", "0"]],
    ["failed", pod({ containers: one }, { phase: "Failed", containerStatuses: [{ state: { terminated: { reason: "Error", exitCode: 1 } } }] }), ["0/1", "Error", "0"]],
    ["succeeded and deleting stays Completed", pod({ containers: one }, { phase: "Succeeded", containerStatuses: [{ state: { terminated: { reason: "Completed", exitCode: 0 } } }] }, { deletionTimestamp: ago(10 * SEC) }), ["0/1", "Completed", "0"]],
    ["running and deleting", pod({ containers: one }, { phase: "Running", containerStatuses: [{ state: running }] }, { deletionTimestamp: ago(10 * SEC) }), ["0/1", "Terminating", "0"]],
    ["pending and deleting", pod({ containers: one }, { phase: "Pending" }, { deletionTimestamp: ago(10 * SEC) }), ["0/1", "Terminating", "0"]],
    ["deleting on a lost node", pod({ containers: one }, { phase: "Running", reason: "NodeLost" }, { deletionTimestamp: ago(10 * SEC) }), ["0/1", "Unknown", "0"]],
  ];
  for (const [what, p, want] of cases) assert.deepEqual(cells(core.pods, p).slice(1, 4), want, what);
});

test("pods: sidecar (restartable init) containers", () => {
  const sidecars = [
    { name: "s1", restartPolicy: "Always" },
    { name: "s2", restartPolicy: "Always" },
  ];
  const cases: [string, ReturnType<typeof pod>, [string, string, string]][] = [
    ["first sidecar running, not started", pod({ initContainers: sidecars, containers: one }, { phase: "Pending", conditions: [{ type: "Initialized", status: "False" }], initContainerStatuses: [{ name: "s1", restartCount: 3, state: running, started: false, lastState: finished(10 * SEC) }, { name: "s2", state: { waiting: {} }, started: false }], containerStatuses: [{ state: { waiting: {} } }] }), ["0/3", "Init:0/2", "3 (10s ago)"]],
    ["first started, second not", pod({ initContainers: sidecars, containers: one }, { phase: "Pending", conditions: [{ type: "Initialized", status: "False" }], initContainerStatuses: [{ name: "s1", restartCount: 3, state: running, started: true, lastState: finished(10 * SEC) }, { name: "s2", state: running, started: false }], containerStatuses: [{ state: { waiting: {} } }] }), ["0/3", "Init:1/2", "3 (10s ago)"]],
    ["both started, app running", pod({ initContainers: sidecars, containers: one }, { phase: "Running", conditions: [{ type: "Initialized", status: "True" }], initContainerStatuses: [{ name: "s1", restartCount: 3, state: running, started: true, lastState: finished(10 * SEC) }, { name: "s2", state: running, started: true }], containerStatuses: [{ ready: true, restartCount: 4, state: running, lastState: finished(20 * SEC) }] }), ["1/3", "Running", "7 (10s ago)"]],
    ["sidecars failed, app completed", pod({ initContainers: sidecars, containers: one }, { phase: "Succeeded", conditions: [{ type: "Initialized", status: "True" }], initContainerStatuses: [{ name: "s1", restartCount: 3, state: { terminated: { reason: "Error", exitCode: 137 } }, started: false, lastState: finished(10 * SEC) }, { name: "s2", state: { terminated: { reason: "Error", exitCode: 137 } }, started: false }], containerStatuses: [{ restartCount: 4, state: { terminated: { reason: "Completed", exitCode: 0 } }, lastState: finished(20 * SEC) }] }), ["0/3", "Completed", "7 (10s ago)"]],
    ["statuses for unknown containers", pod({ initContainers: [{ name: "init1" }, { name: "sidecar1", restartPolicy: "Always" }], containers: [{ name: "c1" }] }, { phase: "Running", initContainerStatuses: [{ name: "initinvalid" }, { name: "init1" }, { name: "sidecar1" }], containerStatuses: [{ name: "containerinvalid" }, { name: "c1" }] }), ["0/2", "Init:0/2", "0"]],
  ];
  for (const [what, p, want] of cases) assert.deepEqual(cells(core.pods, p).slice(1, 4), want, what);
});

test("pods: wide cells and row conditions", () => {
  const gated = pod(
    { containers: two, nodeName: "node-a", readinessGates: [{ conditionType: "c1" }, { conditionType: "c2" }, { conditionType: "c3" }] },
    { phase: "podPhase", podIPs: [{ ip: "1.1.1.1" }, { ip: "2001:db8::" }], nominatedNodeName: "node1", conditions: [{ type: "c1", status: "False" }, { type: "c2", status: "True" }], containerStatuses: [{ ready: true, restartCount: 3, state: running }, { restartCount: 3 }] },
  );
  assert.deepEqual(cells(core.pods, gated), ["p", "1/2", "podPhase", "6", "5m", "1.1.1.1", "node-a", "node1", "1/3"]);
  assert.equal(row(core.pods, gated).conditions, undefined);

  const bare = pod({ containers: two }, { phase: "podPhase" }, { creationTimestamp: undefined });
  assert.deepEqual(cells(core.pods, bare), ["p", "0/2", "podPhase", "0", "<unknown>", "<none>", "<none>", "<none>", "<none>"]);
  assert.equal(cells(core.pods, pod({}, { podIP: "10.0.0.9", podIPs: [{ ip: "10.0.0.8" }] }))[5], "10.0.0.9");

  assert.deepEqual(row(core.pods, pod({ containers: one }, { phase: "Succeeded" })).conditions, [
    { type: "Completed", status: "True", reason: "Succeeded", message: "The pod has completed successfully." },
  ]);
  assert.deepEqual(row(core.pods, pod({ containers: one }, { phase: "Failed" })).conditions, [
    { type: "Completed", status: "True", reason: "Failed", message: "The pod failed." },
  ]);
});

test("podtemplates", () => {
  const t = k("web", { template: { metadata: { labels: { b: "2", a: "1" } }, spec: { containers: [{ name: "c1", image: "i1" }, { name: "c2", image: "i2" }] } } });
  assert.deepEqual(headers(core.podTemplates), ["Name", "Containers", "Images", "Pod Labels"]);
  assert.deepEqual(cells(core.podTemplates, t), ["web", "c1,c2", "i1,i2", "a=1,b=2"]);
  assert.deepEqual(cells(core.podTemplates, k("empty")), ["empty", "", "", "<none>"]);
});

test("services", () => {
  assert.deepEqual(headers(core.services), ["Name", "Type", "Cluster-IP", "External-IP", "Port(s)", "Age", "Selector*"]);
  const svc = (spec: Record<string, unknown>, status: Record<string, unknown> = {}) => cells(core.services, k("s", { spec, status }));
  assert.deepEqual(
    svc({ type: "ClusterIP", clusterIP: "10.0.0.1", clusterIPs: ["10.0.0.1"], ports: [{ port: 80, protocol: "TCP" }], selector: { app: "web" } }),
    ["s", "ClusterIP", "10.0.0.1", "<none>", "80/TCP", "5m", "app=web"],
  );
  assert.deepEqual(
    svc({ type: "NodePort", clusterIPs: ["10.0.0.2"], externalIPs: ["1.2.3.4", "5.6.7.8"], ports: [{ port: 80, nodePort: 30080, protocol: "TCP" }, { port: 53, protocol: "UDP" }] }),
    ["s", "NodePort", "10.0.0.2", "1.2.3.4,5.6.7.8", "80:30080/TCP,53/UDP", "5m", "<none>"],
  );
  assert.equal(svc({ type: "LoadBalancer", clusterIPs: ["10.0.0.3"] })[3], "<pending>");
  assert.equal(
    svc({ type: "LoadBalancer" }, { loadBalancer: { ingress: [{ ip: "3.3.3.3" }, { hostname: "lb.example.com" }, { ip: "2.2.2.2" }, { ip: "3.3.3.3" }] } })[3],
    "2.2.2.2,3.3.3.3,lb.example.com", // no 16-character clipping: the server always prints wide
  );
  assert.equal(svc({ type: "LoadBalancer", externalIPs: ["9.9.9.9"] }, { loadBalancer: { ingress: [{ ip: "1.1.1.1" }] } })[3], "1.1.1.1,9.9.9.9");
  assert.deepEqual(svc({ type: "ExternalName", externalName: "db.example.com" }).slice(1, 5), ["ExternalName", "<none>", "db.example.com", "<none>"]);
  assert.equal(svc({ type: "ClusterIP", clusterIP: "None", clusterIPs: ["None"] })[2], "None");
  assert.equal(svc({ type: "ClusterIP", clusterIP: "10.0.0.7" })[2], "10.0.0.7");
  assert.equal(svc({})[3], "<unknown>");
});

test("endpoints", () => {
  const ep = (subsets: unknown) => cells(core.endpoints, k("e", { subsets }))[1];
  assert.equal(ep(undefined), "<none>");
  assert.equal(ep([]), "<none>");
  assert.equal(ep([{ addresses: [{ ip: "1.1.1.1" }, { ip: "2.2.2.2" }], ports: [{ port: 80 }] }]), "1.1.1.1:80,2.2.2.2:80");
  assert.equal(ep([{ addresses: [{ ip: "1.1.1.1" }] }]), "1.1.1.1"); // headless, no ports
  assert.equal(ep([{ addresses: [{ ip: "fd00::1" }], ports: [{ port: 443 }] }]), "[fd00::1]:443");
  assert.equal(
    ep([{ addresses: [{ ip: "1.1.1.1" }, { ip: "2.2.2.2" }, { ip: "3.3.3.3" }], ports: [{ port: 80 }, { port: 443 }] }]),
    "1.1.1.1:80,2.2.2.2:80,3.3.3.3:80 + 3 more...",
  );
  assert.equal(ep([{ notReadyAddresses: [{ ip: "1.1.1.1" }], ports: [{ port: 80 }] }]), "");
});

test("nodes", () => {
  assert.deepEqual(headers(core.nodes), [
    "Name", "Status", "Roles", "Age", "Version", "Internal-IP*", "External-IP*", "OS-Image*", "Kernel-Version*", "Container-Runtime*",
  ]);
  const node = (status: Record<string, unknown>, spec: Record<string, unknown> = {}, labels: Record<string, string> = {}) =>
    cells(core.nodes, k("n1", { spec, status }, { labels }));
  const ready = { conditions: [{ type: "Ready", status: "True" }] };
  assert.deepEqual(
    node(
      { ...ready, nodeInfo: { kubeletVersion: "v1.32.4", osImage: "Debian", kernelVersion: "6.1", containerRuntimeVersion: "containerd://1.7" }, addresses: [{ type: "InternalIP", address: "10.0.0.5" }, { type: "ExternalIP", address: "1.2.3.4" }] },
      {},
      { "node-role.kubernetes.io/control-plane": "", "node-role.kubernetes.io/master": "", "kubernetes.io/role": "worker" },
    ),
    ["n1", "Ready", "control-plane,master,worker", "5m", "v1.32.4", "10.0.0.5", "1.2.3.4", "Debian", "6.1", "containerd://1.7"],
  );
  assert.deepEqual(node(ready, { unschedulable: true }).slice(1, 3), ["Ready,SchedulingDisabled", "<none>"]);
  assert.equal(node({ conditions: [{ type: "Ready", status: "False" }] })[1], "NotReady");
  assert.equal(node({ conditions: [{ type: "Ready", status: "Unknown" }] })[1], "NotReady");
  assert.equal(node({ conditions: [{ type: "MemoryPressure", status: "False" }] })[1], "Unknown");
  assert.equal(node({}, { unschedulable: true })[1], "Unknown,SchedulingDisabled");
  assert.deepEqual(node({}).slice(4), ["", "<none>", "<none>", "<unknown>", "<unknown>", "<unknown>"]);
  assert.equal(node({}, {}, { "node-role.kubernetes.io/": "", "kubernetes.io/role": "" })[2], "<none>");
});

test("events (core/v1 and events.k8s.io/v1)", () => {
  assert.deepEqual(headers(core.events), [
    "Last Seen", "Type", "Reason", "Object", "Subobject*", "Source*", "Message", "First Seen*", "Count*", "Name*",
  ]);
  assert.equal(core.events.columns[9]!.format, "name");
  const coreEvent = k("web.17a", {
    involvedObject: { kind: "Pod", name: "web", fieldPath: "spec.containers{c}" },
    reason: "Pulled",
    message: "  Pulled image  \n",
    source: { component: "kubelet", host: "node-1" },
    firstTimestamp: ago(10 * MIN),
    lastTimestamp: ago(2 * MIN),
    count: 4,
    type: "Normal",
  });
  assert.deepEqual(cells(core.events, coreEvent), ["2m", "Normal", "Pulled", "pod/web", "spec.containers{c}", "kubelet, node-1", "Pulled image", "10m", 4, "web.17a"]);

  // A singleton event of the new API: no timestamps but eventTime, no count.
  const newEvent = k("e2", {
    apiVersion: "events.k8s.io/v1",
    regarding: { kind: "Node", name: "n1" },
    note: "Starting",
    reason: "Starting",
    type: "Normal",
    eventTime: "2025-06-01T11:59:29.500000Z", // 30.5s ago: truncated to 30s
    reportingController: "kubelet",
    reportingInstance: "n1",
  });
  assert.deepEqual(cells(core.events, newEvent), ["30s", "Normal", "Starting", "node/n1", "", "kubelet, n1", "Starting", "30s", 1, "e2"]);

  // A series: last seen and count come from it.
  const series = k("e3", {
    involvedObject: { kind: "Namespace" },
    eventTime: ago(2 * DAY),
    series: { count: 12, lastObservedTime: ago(3 * SEC) },
    reportingController: "ctrl",
  });
  assert.deepEqual(cells(core.events, series), ["3s", "", "", "namespace", "", "ctrl", "", "2d", 12, "e3"]);
  assert.deepEqual(cells(core.events, k("bare")), ["<unknown>", "", "", "", "", "", "", "<unknown>", 1, "bare"]);
});

test("namespaces, secrets, serviceaccounts, configmaps, componentstatuses", () => {
  assert.deepEqual(cells(core.namespaces, k("default", { status: { phase: "Active" } })), ["default", "Active", "5m"]);
  assert.deepEqual(headers(core.secrets), ["Name", "Type", "Data", "Age"]);
  assert.deepEqual(cells(core.secrets, k("s", { type: "Opaque", data: { a: "", b: "" }, stringData: { b: "x", c: "y" } })), ["s", "Opaque", 3, "5m"]);
  assert.deepEqual(cells(core.serviceAccounts, k("default", { secrets: [{ name: "t" }] })), ["default", 1, "5m"]);
  assert.deepEqual(cells(core.serviceAccounts, k("default")), ["default", 0, "5m"]);
  assert.deepEqual(cells(core.configMaps, k("c", { data: { a: "1" }, binaryData: { b: "AA==" } })), ["c", 2, "5m"]);
  assert.deepEqual(headers(core.componentStatuses), ["Name", "Status", "Message", "Error"]);
  assert.deepEqual(cells(core.componentStatuses, k("etcd-0", { conditions: [{ type: "Healthy", status: "True", message: "ok" }] })), ["etcd-0", "Healthy", "ok", ""]);
  assert.deepEqual(cells(core.componentStatuses, k("scheduler", { conditions: [{ type: "Healthy", status: "False", error: "refused" }] })), ["scheduler", "Unhealthy", "", "refused"]);
  assert.deepEqual(cells(core.componentStatuses, k("x")), ["x", "Unknown", "", ""]);
});

test("replicationcontrollers and resourcequotas", () => {
  assert.deepEqual(headers(apps.replicationControllers), ["Name", "Desired", "Current", "Ready", "Age", "Containers*", "Images*", "Selector*"]);
  const rc = k("rc", { spec: { replicas: 3, selector: { app: "x" }, template: { spec: { containers: [{ name: "c", image: "nginx" }] } } }, status: { replicas: 2, readyReplicas: 1 } });
  assert.deepEqual(cells(apps.replicationControllers, rc), ["rc", 3, 2, 1, "5m", "c", "nginx", "app=x"]);

  const quota = k("q", { status: { hard: { "requests.cpu": "1", pods: "10", "limits.memory": "2Gi", "limits.cpu": "2" }, used: { "requests.cpu": "500m", pods: "3", "limits.memory": "1024Mi" } } });
  assert.deepEqual(cells(core.resourceQuotas, quota), ["q", "pods: 3/10, requests.cpu: 500m/1", "limits.cpu: 0/2, limits.memory: 1Gi/2Gi", "5m"]);
  assert.deepEqual(cells(core.resourceQuotas, k("empty")), ["empty", "", "", "5m"]);
});

test("persistentvolumes and persistentvolumeclaims", () => {
  assert.deepEqual(headers(core.persistentVolumes), [
    "Name", "Capacity", "Access Modes", "Reclaim Policy", "Status", "Claim", "StorageClass", "VolumeAttributesClass", "Reason", "Age", "VolumeMode*",
  ]);
  const pv = k("pv1", {
    spec: { capacity: { storage: "5Gi" }, accessModes: ["ReadWriteMany", "ReadWriteOnce", "ReadWriteOnce", "ReadWriteOncePod", "ReadOnlyMany"], persistentVolumeReclaimPolicy: "Retain", claimRef: { namespace: "ns", name: "data" }, storageClassName: "fast", volumeMode: "Filesystem" },
    status: { phase: "Bound" },
  });
  assert.deepEqual(cells(core.persistentVolumes, pv), ["pv1", "5Gi", "RWO,ROX,RWX,RWOP", "Retain", "Bound", "ns/data", "fast", "<unset>", "", "5m", "Filesystem"]);
  const deleting = k("pv2", { spec: { storageClassName: "fast" }, status: { phase: "Released", reason: "gone" } }, { deletionTimestamp: ago(SEC), annotations: { "volume.beta.kubernetes.io/storage-class": "beta" } });
  assert.deepEqual(cells(core.persistentVolumes, deleting), ["pv2", "0", "", "", "Terminating", "", "beta", "<unset>", "gone", "5m", "<unset>"]);

  assert.deepEqual(headers(core.persistentVolumeClaims), ["Name", "Status", "Volume", "Capacity", "Access Modes", "StorageClass", "VolumeAttributesClass", "Age", "VolumeMode*"]);
  const bound = k("data", { spec: { volumeName: "pv1", storageClassName: "fast", volumeAttributesClassName: "gold", volumeMode: "Block", resources: { requests: { storage: "1Gi" } } }, status: { phase: "Bound", capacity: { storage: "5Gi" }, accessModes: ["ReadWriteOnce"] } });
  assert.deepEqual(cells(core.persistentVolumeClaims, bound), ["data", "Bound", "pv1", "5Gi", "RWO", "fast", "gold", "5m", "Block"]);
  const pending = k("pending", { spec: { resources: { requests: { storage: "1Gi" } } }, status: { phase: "Pending" } });
  assert.deepEqual(cells(core.persistentVolumeClaims, pending), ["pending", "Pending", "", "", "", "", "<unset>", "5m", "<unset>"]);
});
