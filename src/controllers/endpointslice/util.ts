/**
 * Facts about services and pods that both the endpoints and the endpointslice controllers read
 * (kube keeps them in k8s.io/endpointslice/util and pkg/api/v1/pod): which pods belong in
 * endpoints, which container port a service port resolves to, the hostname rule, and the
 * last-change-trigger-time tracker.
 */
import type { KObject } from "../../client/types.js";
import { isPodReady, isPodTerminal, podCondition } from "../util/pods.js";

export const ANNOTATION_LAST_CHANGE_TRIGGER_TIME = "endpoints.kubernetes.io/last-change-trigger-time";
export const LABEL_HEADLESS = "service.kubernetes.io/headless";

export interface ServicePort {
  name?: string;
  protocol?: string;
  appProtocol?: string;
  port: number;
  targetPort?: number | string;
  nodePort?: number;
}

export interface ServiceSpec {
  type?: string;
  selector?: Record<string, string> | null;
  clusterIP?: string;
  clusterIPs?: string[];
  ipFamilies?: string[];
  ports?: ServicePort[];
  publishNotReadyAddresses?: boolean;
  [field: string]: unknown;
}

export interface Service extends KObject {
  spec?: ServiceSpec;
}

export interface ContainerPort {
  name?: string;
  containerPort: number;
  protocol?: string;
}

export interface PodSpecLike {
  nodeName?: string;
  hostname?: string;
  subdomain?: string;
  containers?: { name?: string; ports?: ContainerPort[] }[];
  initContainers?: { name?: string; restartPolicy?: string; ports?: ContainerPort[] }[];
  [field: string]: unknown;
}

export const serviceSpec = (s: Service): ServiceSpec => s.spec ?? {};
export const podSpec = (p: KObject): PodSpecLike => (p.spec ?? {}) as PodSpecLike;

/** The service selects pods: a selector with at least one label (an empty map reads back as none). */
export function hasSelector(s: Service): boolean {
  const sel = serviceSpec(s).selector;
  return !!sel && Object.keys(sel).length > 0;
}

export function selectorMatches(selector: Record<string, string>, labels: Record<string, string> | undefined): boolean {
  for (const [k, v] of Object.entries(selector)) if (labels?.[k] !== v) return false;
  return true;
}

/** A ClusterIP other than "" and "None" (kube's IsServiceIPSet). */
export function isServiceIPSet(s: Service): boolean {
  const ip = serviceSpec(s).clusterIP;
  return !!ip && ip !== "None";
}

export const isIPv6 = (ip: string): boolean => ip.includes(":");

/** The pod's IPs, from status.podIPs, else status.podIP. */
export function podIPs(pod: KObject): string[] {
  const st = (pod.status ?? {}) as { podIP?: string; podIPs?: { ip: string }[] };
  if (st.podIPs?.length) return st.podIPs.map((p) => p.ip).filter((ip) => !!ip);
  return st.podIP ? [st.podIP] : [];
}

/** kube's ShouldPodBeInEndpoints: not terminal, has an IP, and (unless includeTerminating) not being deleted. */
export function shouldPodBeInEndpoints(pod: KObject, includeTerminating: boolean): boolean {
  if (isPodTerminal(pod)) return false;
  if (podIPs(pod).length === 0) return false;
  if (!includeTerminating && pod.metadata.deletionTimestamp) return false;
  return true;
}

/** Hostname is published when the pod names this service as its subdomain. */
export function shouldSetHostname(pod: KObject, svc: Service): boolean {
  const spec = podSpec(pod);
  return !!spec.hostname && spec.subdomain === svc.metadata.name && svc.metadata.namespace === pod.metadata.namespace;
}

/**
 * The container port a service port reaches on this pod (kube's FindPort): a numeric targetPort
 * as is; a named one looked up among containers (then restartable init containers) with the
 * same protocol. Undefined when the pod has no such port.
 */
export function findPort(pod: KObject, sp: ServicePort): number | undefined {
  const target = sp.targetPort ?? sp.port;
  if (typeof target === "number") return target;
  if (/^\d+$/.test(target)) return Number(target);
  const protocol = sp.protocol ?? "TCP";
  const spec = podSpec(pod);
  for (const c of spec.containers ?? []) {
    for (const p of c.ports ?? []) if (p.name === target && (p.protocol ?? "TCP") === protocol) return p.containerPort;
  }
  for (const c of spec.initContainers ?? []) {
    if (c.restartPolicy !== "Always") continue;
    for (const p of c.ports ?? []) if (p.name === target && (p.protocol ?? "TCP") === protocol) return p.containerPort;
  }
  return undefined;
}

export interface ObjectReference {
  kind: string;
  namespace?: string;
  name?: string;
  uid?: string;
}

export function podRef(pod: KObject): ObjectReference {
  return { kind: "Pod", namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid };
}

/** RFC 3339 with nanoseconds trimmed as Go's RFC3339Nano prints them (no trailing zeros). */
export function rfc3339Nano(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d*?)0*Z$/, (_m, frac: string) => (frac ? `.${frac}Z` : "Z"));
}

const parseTime = (s: string | null | undefined): number => (s ? Date.parse(s) : 0) || 0;

/**
 * Remembers, per service, the trigger times (the pod's Ready transition, the service's
 * creation) already accounted for, and answers the earliest trigger time among changes since
 * the last sync: the value of the last-change-trigger-time annotation (0 = none).
 */
export class TriggerTimeTracker {
  private readonly state = new Map<string, { service: number; pods: Map<string, number> }>();

  compute(key: string, service: Service, pods: KObject[]): number {
    const prev = this.state.get(key);
    const next = { service: parseTime(service.metadata.creationTimestamp), pods: new Map<string, number>() };
    let min = 0;
    const consider = (t: number): void => {
      if (t && (!min || t < min)) min = t;
    };
    for (const pod of pods) {
      const t = parseTime(podCondition(pod, "Ready")?.lastTransitionTime);
      next.pods.set(pod.metadata.name ?? "", t);
      const last = prev?.pods.get(pod.metadata.name ?? "");
      if (last === undefined || t > last) consider(t);
    }
    if (!prev || next.service > prev.service) consider(next.service);
    this.state.set(key, next);
    return min;
  }

  delete(key: string): void {
    this.state.delete(key);
  }
}

/** Keys of the services in the pod's namespace whose selector matches it. */
export function servicesForPod(services: Service[], pod: KObject): string[] {
  const out: string[] = [];
  for (const s of services) {
    const sel = serviceSpec(s).selector;
    if (sel && Object.keys(sel).length && selectorMatches(sel, pod.metadata.labels)) out.push(`${s.metadata.namespace}/${s.metadata.name}`);
  }
  return out;
}

export { isPodReady };
