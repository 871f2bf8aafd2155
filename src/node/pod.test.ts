import assert from "node:assert/strict";
import { test } from "node:test";
import type { KObject } from "../client/types.js";
import {
  containerIDOf,
  imageIDOf,
  isJobPod,
  nextPodAction,
  normalizeImage,
  qosClass,
  runningStatus,
  terminalStatus,
  type PodSpec,
  type PodStatusFull,
} from "./pod.js";

const T0 = Date.parse("2026-01-01T00:00:00Z");
const jobRef = { apiVersion: "batch/v1", kind: "Job", name: "pi", uid: "j1", controller: true };

function pod(spec: Partial<PodSpec> = {}, meta: Partial<KObject["metadata"]> = {}, status?: PodStatusFull): KObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p", namespace: "default", uid: "uid-1", ...meta },
    spec: { nodeName: "node-1", containers: [{ name: "app", image: "nginx" }], ...spec },
    status: status ?? {
      phase: "Pending",
      qosClass: "BestEffort",
      conditions: [{ type: "PodScheduled", status: "True", lastProbeTime: null, lastTransitionTime: "2025-12-31T23:59:59Z" }],
    },
  };
}

const conds = (s: PodStatusFull): string[] => (s.conditions ?? []).map((c) => `${c.type}=${c.status}${c.reason ? " " + c.reason : ""}${c.message ? ": " + c.message : ""}`);

test("qosClass follows cpu and memory requests and limits", () => {
  const c = (resources?: Record<string, Record<string, string>>) => ({ name: "c", resources });
  const cases: [PodSpec, string][] = [
    [{ containers: [c()] }, "BestEffort"],
    [{ containers: [c({ requests: { "ephemeral-storage": "1Gi" } })] }, "BestEffort"],
    [{ containers: [c({ requests: { cpu: "100m" } })] }, "Burstable"],
    [{ containers: [c({ limits: { cpu: "1", memory: "1Gi" } })] }, "Guaranteed"],
    [{ containers: [c({ limits: { cpu: "1", memory: "1Gi" }, requests: { cpu: "1", memory: "1Gi" } })] }, "Guaranteed"],
    [{ containers: [c({ limits: { cpu: "1", memory: "1Gi" }, requests: { cpu: "500m" } })] }, "Burstable"],
    [{ containers: [c({ limits: { cpu: "1", memory: "1Gi" } }), c()] }, "Burstable"],
    [{ containers: [c({ limits: { cpu: "0" } })] }, "BestEffort"],
  ];
  for (const [spec, want] of cases) assert.equal(qosClass(spec), want, JSON.stringify(spec));
});

test("images are reported as a runtime normalises them, with a digest imageID", () => {
  const cases: [string, string][] = [
    ["nginx", "docker.io/library/nginx:latest"],
    ["nginx:1.27", "docker.io/library/nginx:1.27"],
    ["bitnami/redis", "docker.io/bitnami/redis:latest"],
    ["registry.k8s.io/pause:3.10", "registry.k8s.io/pause:3.10"],
    ["localhost:5000/app", "localhost:5000/app:latest"],
    ["quay.io/x/y@sha256:abc", "quay.io/x/y@sha256:abc"],
  ];
  for (const [img, want] of cases) assert.equal(normalizeImage(img), want);
  assert.match(imageIDOf("nginx"), /^docker\.io\/library\/nginx@sha256:[0-9a-f]{64}$/);
  assert.equal(imageIDOf("quay.io/x/y@sha256:abc"), "quay.io/x/y@sha256:abc");
  assert.match(containerIDOf("u", "c", 0), /^kplane:\/\/[0-9a-f]{64}$/);
  assert.notEqual(containerIDOf("u", "c", 0), containerIDOf("u", "c", 1));
});

test("a bound pod starts: Running, ready containers, IPs, kubelet conditions in order", () => {
  const p = pod({ initContainers: [{ name: "init", image: "busybox" }, { name: "sidecar", image: "envoy", restartPolicy: "Always" }] });
  assert.deepEqual(nextPodAction(p, T0, 1000), { kind: "start" });
  const st = runningStatus(p, { hostIP: "10.0.0.1", podIP: "10.244.0.2", now: T0 });
  assert.equal(st.phase, "Running");
  assert.deepEqual([st.hostIP, st.hostIPs, st.podIP, st.podIPs], ["10.0.0.1", [{ ip: "10.0.0.1" }], "10.244.0.2", [{ ip: "10.244.0.2" }]]);
  assert.equal(st.startTime, "2026-01-01T00:00:00Z");
  assert.equal(st.qosClass, "BestEffort");
  assert.deepEqual(conds(st), ["PodReadyToStartContainers=True", "Initialized=True", "Ready=True", "ContainersReady=True", "PodScheduled=True"]);
  assert.equal(st.conditions!.find((c) => c.type === "PodScheduled")!.lastTransitionTime, "2025-12-31T23:59:59Z", "kept");
  assert.equal(st.conditions!.find((c) => c.type === "Ready")!.lastTransitionTime, "2026-01-01T00:00:00Z");
  const app = st.containerStatuses![0]!;
  assert.deepEqual({ ...app, containerID: "", imageID: "" }, {
    containerID: "",
    image: "docker.io/library/nginx:latest",
    imageID: "",
    lastState: {},
    name: "app",
    ready: true,
    restartCount: 0,
    started: true,
    state: { running: { startedAt: "2026-01-01T00:00:00Z" } },
  });
  assert.deepEqual(st.initContainerStatuses!.map((s) => [s.name, Object.keys(s.state)[0], s.state.terminated?.reason, s.ready]), [
    ["init", "terminated", "Completed", true],
    ["sidecar", "running", undefined, true],
  ]);
  // Written once, a Running non-job pod needs nothing more.
  assert.deepEqual(nextPodAction(pod({}, {}, st), T0 + 60_000, 1000), { kind: "none" });
  // Starting again is idempotent.
  assert.deepEqual(runningStatus(pod({}, {}, st), { hostIP: "10.0.0.1", podIP: "10.244.0.2", now: T0 + 5000 }).containerStatuses, st.containerStatuses);
});

test("a changed image restarts the container: restartCount 1, new ID, lastState", () => {
  const st = runningStatus(pod(), { hostIP: "h", podIP: "10.244.0.2", now: T0 });
  const changed = pod({ containers: [{ name: "app", image: "nginx:1.27" }] }, {}, st);
  assert.deepEqual(nextPodAction(changed, T0 + 1000, 1000), { kind: "start" });
  const next = runningStatus(changed, { hostIP: "h", podIP: "10.244.0.2", now: T0 + 1000 }).containerStatuses![0]!;
  assert.equal(next.restartCount, 1);
  assert.equal(next.image, "docker.io/library/nginx:1.27");
  assert.notEqual(next.containerID, st.containerStatuses![0]!.containerID);
  assert.equal(next.lastState.terminated?.containerID, st.containerStatuses![0]!.containerID);
});

test("readiness gates hold Ready False with the kubelet's message until their condition is True", () => {
  const gated = pod({ readinessGates: [{ conditionType: "example.com/lb" }] });
  const st = runningStatus(gated, { hostIP: "h", podIP: "i", now: T0 });
  assert.deepEqual(conds(st).slice(2, 4), ['Ready=False ReadinessGatesNotReady: corresponding condition of pod readiness gate "example.com/lb" does not exist.', "ContainersReady=True"]);
  const running = pod({ readinessGates: [{ conditionType: "example.com/lb" }] }, {}, st);
  assert.deepEqual(nextPodAction(running, T0, 1000), { kind: "none" });
  const gateTrue = structuredClone(running);
  (gateTrue.status as PodStatusFull).conditions!.push({ type: "example.com/lb", status: "True" });
  assert.deepEqual(nextPodAction(gateTrue, T0, 1000), { kind: "start" });
  const after = runningStatus(gateTrue, { hostIP: "h", podIP: "i", now: T0 + 1 });
  assert.deepEqual(conds(after), ["PodReadyToStartContainers=True", "Initialized=True", "Ready=True", "ContainersReady=True", "PodScheduled=True", "example.com/lb=True"]);
});

test("job pods run for the configured time, then succeed", () => {
  const p = pod({ restartPolicy: "Never" }, { ownerReferences: [jobRef] });
  assert.ok(isJobPod(p));
  assert.ok(!isJobPod(pod({ restartPolicy: "Never" })), "a bare pod runs until deleted");
  const st = runningStatus(p, { hostIP: "h", podIP: "10.244.0.2", now: T0 });
  const running = pod({ restartPolicy: "Never" }, { ownerReferences: [jobRef] }, st);
  assert.deepEqual(nextPodAction(running, T0 + 400, 1000), { kind: "wait", at: T0 + 1000 });
  assert.deepEqual(nextPodAction(running, T0 + 1000, 1000), { kind: "finish", phase: "Succeeded" });
  const done = terminalStatus(running, T0 + 1000, "Succeeded");
  assert.equal(done.phase, "Succeeded");
  assert.deepEqual(conds(done), ["PodReadyToStartContainers=False", "Initialized=True PodCompleted", "Ready=False PodCompleted", "ContainersReady=False PodCompleted", "PodScheduled=True"]);
  assert.deepEqual(done.containerStatuses![0]!.state, {
    terminated: { containerID: st.containerStatuses![0]!.containerID, exitCode: 0, reason: "Completed", startedAt: "2026-01-01T00:00:00Z", finishedAt: "2026-01-01T00:00:01Z" },
  });
  assert.equal(done.containerStatuses![0]!.ready, false);
  assert.equal(done.podIP, "10.244.0.2", "a finished pod keeps its IP in status");
  assert.deepEqual(nextPodAction(pod({}, { ownerReferences: [jobRef] }, done), T0 + 5000, 1000), { kind: "none" });
});

test("a pod being deleted: deleted at once, or, if finalizers keep it, killed (Failed) first", () => {
  const st = runningStatus(pod(), { hostIP: "h", podIP: "i", now: T0 });
  assert.deepEqual(nextPodAction(pod({}, { deletionTimestamp: "2026-01-01T00:00:30Z", deletionGracePeriodSeconds: 30 }, st), T0, 1000), { kind: "delete" });
  const deleting = pod({}, { deletionTimestamp: "2026-01-01T00:00:30Z", deletionGracePeriodSeconds: 30, finalizers: ["batch.kubernetes.io/job-tracking"] }, st);
  assert.deepEqual(nextPodAction(deleting, T0, 1000), { kind: "finish", phase: "Failed" });
  const killed = terminalStatus(deleting, T0, "Failed");
  assert.deepEqual(conds(killed), ["PodReadyToStartContainers=False", "Initialized=True", "Ready=False PodFailed", "ContainersReady=False PodFailed", "PodScheduled=True"]);
  assert.deepEqual([killed.containerStatuses![0]!.state.terminated?.exitCode, killed.containerStatuses![0]!.state.terminated?.reason], [143, "Error"]);
  assert.deepEqual(nextPodAction(pod({}, { deletionTimestamp: "x" }, killed), T0, 1000), { kind: "delete" });
  // Never started, or already finished: straight to the final delete.
  assert.deepEqual(nextPodAction(pod({}, { deletionTimestamp: "x" }), T0, 1000), { kind: "delete" });
  const succeeded = terminalStatus(pod({}, {}, st), T0, "Succeeded");
  assert.deepEqual(nextPodAction(pod({}, { deletionTimestamp: "x" }, succeeded), T0, 1000), { kind: "delete" });
});
