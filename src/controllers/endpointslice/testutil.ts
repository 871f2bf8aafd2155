/** Test wiring shared by the endpoints, endpointslice and nodelifecycle tests: fakes and small object builders. */
import { FakeClient, FakeClock, FakeInformerFactory, FakeRecorder } from "../../client/fake.js";
import type { KObject, WorkQueue } from "../../client/types.js";
import type { ControllerContext } from "../types.js";

import { RecordingQueue } from "../../client/fake.js";
export { RecordingQueue };

export interface TestEnv {
  clock: FakeClock;
  client: FakeClient;
  informers: FakeInformerFactory;
  recorder: FakeRecorder;
  queue: RecordingQueue;
  ctx: ControllerContext;
}

export const T0 = Date.parse("2026-01-01T00:00:00Z");

export function testEnv(start = T0): TestEnv {
  const clock = new FakeClock(start);
  const client = new FakeClient(clock);
  const informers = new FakeInformerFactory(client);
  const recorder = new FakeRecorder();
  const quiet = { info: () => {}, warn: () => {}, error: () => {} };
  const ctx: ControllerContext = { client, informers, recorder: () => recorder, clock, log: quiet };
  return { clock, client, informers, recorder, queue: new RecordingQueue(), ctx };
}

export const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");

export interface PodOpts {
  ip?: string;
  ips?: string[];
  node?: string;
  ready?: boolean;
  readySince?: number;
  labels?: Record<string, string>;
  phase?: string;
  hostname?: string;
  subdomain?: string;
  ports?: { name?: string; containerPort: number; protocol?: string }[];
  tolerations?: Record<string, unknown>[];
  uid?: string;
}

export function pod(name: string, o: PodOpts = {}): KObject {
  const ips = o.ips ?? (o.ip ? [o.ip] : []);
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", uid: o.uid ?? `uid-${name}`, labels: o.labels ?? { app: "web" }, creationTimestamp: iso(T0 - 60_000) },
    spec: {
      ...(o.node ? { nodeName: o.node } : {}),
      ...(o.hostname ? { hostname: o.hostname } : {}),
      ...(o.subdomain ? { subdomain: o.subdomain } : {}),
      ...(o.tolerations ? { tolerations: o.tolerations } : {}),
      containers: [{ name: "c", image: "nginx", ports: o.ports ?? [{ name: "http", containerPort: 8080, protocol: "TCP" }] }],
    },
    status: {
      phase: o.phase ?? "Running",
      ...(ips.length ? { podIP: ips[0], podIPs: ips.map((ip) => ({ ip })) } : {}),
      conditions: [{ type: "Ready", status: o.ready ? "True" : "False", lastProbeTime: null, lastTransitionTime: iso(o.readySince ?? T0 - 30_000) }],
    },
  };
}

export function node(name: string, labels: Record<string, string> = {}): KObject {
  return { apiVersion: "v1", kind: "Node", metadata: { name, uid: `uid-${name}`, labels: { "kubernetes.io/hostname": name, ...labels }, creationTimestamp: iso(T0 - 3_600_000) }, spec: {}, status: {} };
}

export function service(name: string, spec: Record<string, unknown> = {}, labels: Record<string, string> = { app: name }): KObject {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, namespace: "default", uid: `uid-svc-${name}`, labels, creationTimestamp: iso(T0 - 120_000) },
    spec: {
      type: "ClusterIP",
      selector: { app: "web" },
      clusterIP: "10.96.0.10",
      clusterIPs: ["10.96.0.10"],
      ipFamilies: ["IPv4"],
      ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }],
      ...spec,
    },
  };
}
