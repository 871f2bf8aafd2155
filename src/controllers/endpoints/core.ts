/**
 * The endpoints controller's decisions as functions of plain data (kube's
 * pkg/controller/endpoint): which subsets a service's pods make, how they are packed by port
 * set, truncation at 1000 addresses, and whether the stored Endpoints needs a write.
 */
import { isDeepStrictEqual } from "node:util";
import type { KObject } from "../../client/types.js";
import {
  ANNOTATION_LAST_CHANGE_TRIGGER_TIME,
  LABEL_HEADLESS,
  findPort,
  isIPv6,
  isPodReady,
  isServiceIPSet,
  podIPs,
  podRef,
  podSpec,
  rfc3339Nano,
  serviceSpec,
  shouldPodBeInEndpoints,
  shouldSetHostname,
  type ObjectReference,
  type Service,
  type ServicePort,
} from "../endpointslice/util.js";

export const MAX_CAPACITY = 1000;
export const ANNOTATION_OVER_CAPACITY = "endpoints.kubernetes.io/over-capacity";
export const TRUNCATED = "truncated";
/** Endpoints carrying a leader-election record have no service and must survive the leftover sweep. */
export const ANNOTATION_LEADER = "control-plane.alpha.kubernetes.io/leader";

export interface EndpointAddress {
  ip: string;
  hostname?: string;
  nodeName?: string;
  targetRef?: ObjectReference;
}

export interface EndpointPort {
  name?: string;
  port: number;
  protocol?: string;
  appProtocol?: string;
}

export interface EndpointSubset {
  addresses?: EndpointAddress[];
  notReadyAddresses?: EndpointAddress[];
  ports?: EndpointPort[];
}

export interface Endpoints extends KObject {
  subsets?: EndpointSubset[];
}

/** The service's IP family decides which of a dual-stack pod's IPs is used. */
function addressForPod(svc: Service, pod: KObject): EndpointAddress | undefined {
  const spec = serviceSpec(svc);
  const ips = podIPs(pod);
  let v6: boolean;
  if (spec.ipFamilies?.length) v6 = spec.ipFamilies[0] === "IPv6";
  else if (isServiceIPSet(svc)) v6 = isIPv6(spec.clusterIP ?? "");
  else v6 = isIPv6(ips[0] ?? "");
  const ip = ips.find((i) => isIPv6(i) === v6);
  if (!ip) return undefined;
  const a: EndpointAddress = { ip };
  if (shouldSetHostname(pod, svc)) a.hostname = podSpec(pod).hostname;
  const node = podSpec(pod).nodeName;
  if (node) a.nodeName = node;
  a.targetRef = podRef(pod);
  return a;
}

export function endpointPort(sp: ServicePort, port: number): EndpointPort {
  const p: EndpointPort = sp.name ? { name: sp.name, port } : { port };
  p.protocol = sp.protocol ?? "TCP";
  if (sp.appProtocol) p.appProtocol = sp.appProtocol;
  return p;
}

interface Entry {
  address: EndpointAddress;
  ready: boolean;
  /** undefined: a headless service without ports. */
  port: EndpointPort | undefined;
}

/** One entry per (pod, resolved port): kube's addEndpointSubset before repacking. */
export function endpointEntries(svc: Service, pods: KObject[]): Entry[] {
  const spec = serviceSpec(svc);
  const tolerateUnready = spec.publishNotReadyAddresses === true;
  const out: Entry[] = [];
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, tolerateUnready)) continue;
    const address = addressForPod(svc, pod);
    if (!address) continue;
    const ready = tolerateUnready || isPodReady(pod);
    const ports = spec.ports ?? [];
    if (ports.length === 0) {
      if (spec.clusterIP === "None") out.push({ address, ready, port: undefined });
      continue;
    }
    for (const sp of ports) {
      const n = findPort(pod, sp);
      if (n === undefined) continue;
      out.push({ address, ready, port: endpointPort(sp, n) });
    }
  }
  return out;
}

const addrKey = (a: EndpointAddress): string => `${a.ip}|${a.targetRef?.uid ?? ""}`;
const portKey = (p: EndpointPort | undefined): string => (p ? `${p.name ?? ""}|${p.port}|${p.protocol ?? ""}|${p.appProtocol ?? ""}` : "");

function compareAddr(a: EndpointAddress, b: EndpointAddress): number {
  return a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : (a.targetRef?.uid ?? "") < (b.targetRef?.uid ?? "") ? -1 : (a.targetRef?.uid ?? "") > (b.targetRef?.uid ?? "") ? 1 : 0;
}
const comparePort = (a: EndpointPort, b: EndpointPort): number => (portKey(a) < portKey(b) ? -1 : portKey(a) > portKey(b) ? 1 : 0);

/**
 * kube's RepackSubsets: each port maps to the set of addresses (with readiness) serving it;
 * ports with identical address sets share one subset. Sorted deterministically (addresses by
 * IP then UID; kube orders ports and subsets by hash, we by value).
 */
export function repackSubsets(entries: Entry[]): EndpointSubset[] {
  const byPort = new Map<string, { port: EndpointPort | undefined; addrs: Map<string, { address: EndpointAddress; ready: boolean }> }>();
  for (const e of entries) {
    const k = portKey(e.port);
    let g = byPort.get(k);
    if (!g) byPort.set(k, (g = { port: e.port, addrs: new Map() }));
    const ak = addrKey(e.address);
    // An address seen ready for a port stays ready (kube keeps the ready flag once set).
    const prev = g.addrs.get(ak);
    g.addrs.set(ak, { address: e.address, ready: e.ready || (prev?.ready ?? false) });
  }
  const bySet = new Map<string, { ports: EndpointPort[]; addrs: { address: EndpointAddress; ready: boolean }[] }>();
  for (const g of byPort.values()) {
    const addrs = [...g.addrs.values()].sort((a, b) => compareAddr(a.address, b.address));
    const k = addrs.map((a) => `${addrKey(a.address)}:${a.ready}`).join(",");
    let s = bySet.get(k);
    if (!s) bySet.set(k, (s = { ports: [], addrs }));
    if (g.port) s.ports.push(g.port);
  }
  const out: EndpointSubset[] = [];
  for (const s of bySet.values()) {
    const sub: EndpointSubset = {};
    const ready = s.addrs.filter((a) => a.ready).map((a) => a.address);
    const notReady = s.addrs.filter((a) => !a.ready).map((a) => a.address);
    if (ready.length) sub.addresses = ready;
    if (notReady.length) sub.notReadyAddresses = notReady;
    if (s.ports.length) sub.ports = s.ports.sort(comparePort);
    out.push(sub);
  }
  const first = (s: EndpointSubset): string => `${(s.addresses ?? s.notReadyAddresses ?? [])[0]?.ip ?? ""}|${(s.ports ?? []).map(portKey).join(",")}`;
  return out.sort((a, b) => (first(a) < first(b) ? -1 : first(a) > first(b) ? 1 : 0));
}

export function desiredSubsets(svc: Service, pods: KObject[]): EndpointSubset[] {
  return repackSubsets(endpointEntries(svc, pods));
}

/**
 * Over MAX_CAPACITY addresses, keep a share of each subset proportional to its size, ready
 * addresses first (kube's truncateEndpoints). Answers the subsets to store and whether it cut.
 */
export function truncateSubsets(subsets: EndpointSubset[]): { subsets: EndpointSubset[]; truncated: boolean } {
  let totalReady = 0;
  let totalNotReady = 0;
  for (const s of subsets) {
    totalReady += s.addresses?.length ?? 0;
    totalNotReady += s.notReadyAddresses?.length ?? 0;
  }
  if (totalReady + totalNotReady <= MAX_CAPACITY) return { subsets, truncated: false };
  const truncateReady = totalReady > MAX_CAPACITY;
  const max = truncateReady ? MAX_CAPACITY : MAX_CAPACITY - totalReady;
  const numTotal = truncateReady ? totalReady : totalNotReady;
  let canBeAdded = max;
  const out = subsets.map((s) => {
    const n = truncateReady ? (s.addresses?.length ?? 0) : (s.notReadyAddresses?.length ?? 0);
    const toBeAdded = Math.min(Math.ceil((n / numTotal) * max), canBeAdded);
    const next: EndpointSubset = { ...s };
    if (truncateReady) {
      next.addresses = (s.addresses ?? []).slice(0, toBeAdded);
      delete next.notReadyAddresses;
      canBeAdded -= next.addresses.length;
      if (!next.addresses.length) delete next.addresses;
    } else {
      next.notReadyAddresses = (s.notReadyAddresses ?? []).slice(0, toBeAdded);
      canBeAdded -= next.notReadyAddresses.length;
      if (!next.notReadyAddresses.length) delete next.notReadyAddresses;
    }
    return next;
  });
  return { subsets: out, truncated: true };
}

const sameLabels = (a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean => isDeepStrictEqual(a ?? {}, b ?? {});

function withoutKey(m: Record<string, string> | undefined, key: string): Record<string, string> {
  const out = { ...(m ?? {}) };
  delete out[key];
  return out;
}

/** Drops targetRef.resourceVersion so pod writes that change nothing else do not count as changes. */
function normalize(subsets: EndpointSubset[] | undefined): EndpointSubset[] {
  return JSON.parse(JSON.stringify(subsets ?? []), (k, v: unknown) => (k === "resourceVersion" ? undefined : v)) as EndpointSubset[];
}

export type EndpointsPlan = { action: "none" } | { action: "create" | "update"; endpoints: Endpoints };

/**
 * What to write for a service with a selector, given its pods, the stored Endpoints (if any)
 * and the trigger time (0 = none). Labels are the service's plus the headless label; the
 * over-capacity annotation marks truncation.
 */
export function planEndpoints(svc: Service, pods: KObject[], current: Endpoints | undefined, triggerTimeMs: number): EndpointsPlan {
  const { subsets, truncated } = truncateSubsets(desiredSubsets(svc, pods));
  const svcLabels = svc.metadata.labels;
  if (current) {
    const overCapacityOk = truncated ? current.metadata.annotations?.[ANNOTATION_OVER_CAPACITY] === TRUNCATED : current.metadata.annotations?.[ANNOTATION_OVER_CAPACITY] === undefined;
    const headlessOk = isServiceIPSet(svc) ? current.metadata.labels?.[LABEL_HEADLESS] === undefined : current.metadata.labels?.[LABEL_HEADLESS] === "";
    if (isDeepStrictEqual(normalize(current.subsets), subsets) && sameLabels(withoutKey(current.metadata.labels, LABEL_HEADLESS), svcLabels) && overCapacityOk && headlessOk) {
      return { action: "none" };
    }
  }
  const next: Endpoints = current
    ? structuredClone(current)
    : { apiVersion: "v1", kind: "Endpoints", metadata: { name: svc.metadata.name, namespace: svc.metadata.namespace } };
  next.subsets = subsets;
  const labels = { ...(svcLabels ?? {}) };
  if (isServiceIPSet(svc)) delete labels[LABEL_HEADLESS];
  else labels[LABEL_HEADLESS] = "";
  next.metadata.labels = labels;
  const annotations = { ...(next.metadata.annotations ?? {}) };
  if (triggerTimeMs) annotations[ANNOTATION_LAST_CHANGE_TRIGGER_TIME] = rfc3339Nano(triggerTimeMs);
  else delete annotations[ANNOTATION_LAST_CHANGE_TRIGGER_TIME];
  if (truncated) annotations[ANNOTATION_OVER_CAPACITY] = TRUNCATED;
  else delete annotations[ANNOTATION_OVER_CAPACITY];
  if (Object.keys(annotations).length) next.metadata.annotations = annotations;
  else delete next.metadata.annotations;
  return { action: current ? "update" : "create", endpoints: next };
}
