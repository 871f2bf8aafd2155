/**
 * The EndpointSlice reconciler as a pure function (kube's staging k8s.io/endpointslice
 * reconciler): given a service, its pods, its nodes and the slices it already has, which
 * slices to create, update and delete. It keeps churn low the way kube does: endpoints stay in
 * the slice they are in, changed slices are filled up first, leftovers go into the one
 * unchanged slice they fit best, new slices only after that, and a create paired with a
 * delete becomes an update of the slice to be deleted.
 */
import { isDeepStrictEqual } from "node:util";
import { R } from "../../client/resources.js";
import type { KObject } from "../../client/types.js";
import { newControllerRef } from "../util/pods.js";
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
} from "./util.js";

export const LABEL_SERVICE_NAME = "kubernetes.io/service-name";
export const LABEL_MANAGED_BY = "endpointslice.kubernetes.io/managed-by";
export const CONTROLLER_NAME = "endpointslice-controller.k8s.io";
export const LABEL_ZONE = "topology.kubernetes.io/zone";
export const MAX_ENDPOINTS_PER_SLICE = 100;

export type AddressType = "IPv4" | "IPv6" | "FQDN";

export interface EndpointConditions {
  ready?: boolean;
  serving?: boolean;
  terminating?: boolean;
}

export interface Endpoint {
  addresses: string[];
  conditions?: EndpointConditions;
  hostname?: string;
  targetRef?: ObjectReference;
  nodeName?: string;
  zone?: string;
  hints?: unknown;
}

export interface SlicePort {
  name?: string;
  port?: number;
  protocol?: string;
  appProtocol?: string;
}

export interface EndpointSlice extends KObject {
  addressType: AddressType;
  endpoints?: Endpoint[] | null;
  ports?: SlicePort[] | null;
}

export interface ReconcileInput {
  service: Service;
  pods: KObject[];
  existing: EndpointSlice[];
  nodeOf: (name: string) => KObject | undefined;
  /** 0 = no trigger time: the annotation is removed. */
  triggerTimeMs: number;
  maxEndpointsPerSlice?: number;
  controllerName?: string;
}

export interface ReconcilePlan {
  create: EndpointSlice[];
  update: EndpointSlice[];
  delete: EndpointSlice[];
  /** Pods left out because their node is unknown: the sync should be retried. */
  errors: string[];
}

/** Address types the service serves, from spec.ipFamilies (else its ClusterIP; headless: both). */
export function addressTypesFor(svc: Service): AddressType[] {
  const spec = serviceSpec(svc);
  const out = new Set<AddressType>();
  for (const f of spec.ipFamilies ?? []) {
    if (f === "IPv4") out.add("IPv4");
    if (f === "IPv6") out.add("IPv6");
  }
  if (out.size) return [...out];
  if (isServiceIPSet(svc)) return [isIPv6(spec.clusterIP ?? "") ? "IPv6" : "IPv4"];
  return ["IPv4", "IPv6"];
}

/** The slice's ports for this pod: every service port that resolves on it. */
export function endpointPorts(svc: Service, pod: KObject): SlicePort[] {
  const spec = serviceSpec(svc);
  const out: SlicePort[] = [];
  if (!(spec.ports?.length) && spec.clusterIP === "None") return out;
  for (const sp of spec.ports ?? []) {
    const n = findPort(pod, sp);
    if (n === undefined) continue;
    const p: SlicePort = { name: sp.name ?? "", port: n, protocol: sp.protocol ?? "TCP" };
    if (sp.appProtocol) p.appProtocol = sp.appProtocol;
    out.push(p);
  }
  return out.sort((a, b) => (portString(a) < portString(b) ? -1 : portString(a) > portString(b) ? 1 : 0));
}

const portString = (p: SlicePort): string => `${p.name ?? ""}|${p.port ?? ""}|${p.protocol ?? ""}|${p.appProtocol ?? ""}`;
/** Slices are grouped by their exact port set (kube's PortMapKey). */
export const portMapKey = (ports: SlicePort[] | null | undefined): string => (ports ?? []).map(portString).sort().join(",");

export function podToEndpoint(pod: KObject, node: KObject | undefined, svc: Service, addressType: AddressType): Endpoint {
  const serving = isPodReady(pod);
  const terminating = !!pod.metadata.deletionTimestamp;
  // A terminating pod is never ready unless the service publishes not-ready addresses.
  const ready = serviceSpec(svc).publishNotReadyAddresses === true || (serving && !terminating);
  const ep: Endpoint = {
    addresses: podIPs(pod).filter((ip) => isIPv6(ip) === (addressType === "IPv6")),
    conditions: { ready, serving, terminating },
  };
  if (shouldSetHostname(pod, svc)) ep.hostname = podSpec(pod).hostname;
  ep.targetRef = podRef(pod);
  const nodeName = podSpec(pod).nodeName;
  if (nodeName) ep.nodeName = nodeName;
  const zone = node?.metadata.labels?.[LABEL_ZONE];
  if (zone) ep.zone = zone;
  return ep;
}

/** An endpoint's identity (kube's hashEndpoint): its addresses, hostname and pod. */
const endpointKey = (e: Endpoint): string => `${[...e.addresses].sort().join(",")}|${e.hostname ?? ""}|${e.targetRef?.namespace ?? ""}/${e.targetRef?.name ?? ""}`;

function normalizeEndpoint(e: Endpoint): Endpoint {
  return JSON.parse(JSON.stringify(e), (k, v: unknown) => (k === "resourceVersion" ? undefined : v)) as Endpoint;
}
const sameEndpoint = (a: Endpoint, b: Endpoint): boolean => isDeepStrictEqual(normalizeEndpoint(a), normalizeEndpoint(b));

/** The slice's labels: the service's (minus reserved ones) plus service-name, managed-by and headless. */
export function sliceLabels(slice: EndpointSlice | undefined, svc: Service, controllerName: string): { labels: Record<string, string>; changed: boolean } {
  const reserved = (k: string): boolean => k === LABEL_SERVICE_NAME || k === LABEL_MANAGED_BY || k === LABEL_HEADLESS;
  const current: Record<string, string> = {};
  for (const [k, v] of Object.entries(slice?.metadata.labels ?? {})) if (!reserved(k)) current[k] = v;
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(svc.metadata.labels ?? {})) if (!reserved(k)) labels[k] = v;
  const changed = !isDeepStrictEqual(current, labels);
  if (!isServiceIPSet(svc)) labels[LABEL_HEADLESS] = "";
  labels[LABEL_SERVICE_NAME] = svc.metadata.name ?? "";
  labels[LABEL_MANAGED_BY] = controllerName;
  return { labels, changed };
}

/** "<service>-" unless that is too long for a name prefix. */
export function slicePrefix(serviceName: string): string {
  return serviceName.length + 1 <= 253 - 5 ? `${serviceName}-` : serviceName;
}

export function newSlice(svc: Service, ports: SlicePort[], addressType: AddressType, controllerName: string): EndpointSlice {
  return {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: {
      generateName: slicePrefix(svc.metadata.name ?? ""),
      namespace: svc.metadata.namespace,
      labels: sliceLabels(undefined, svc, controllerName).labels,
      ownerReferences: [newControllerRef(svc, R.services)],
    },
    addressType,
    endpoints: [],
    ports,
  };
}

export function ownedBy(slice: EndpointSlice, svc: Service): boolean {
  return (slice.metadata.ownerReferences ?? []).some((o) => o.uid === svc.metadata.uid && o.kind === "Service" && o.apiVersion === "v1");
}

const endpointsOf = (s: EndpointSlice): Endpoint[] => s.endpoints ?? [];

/** The unchanged slice closest to full once `n` more endpoints are added (kube's getSliceToFill). */
function sliceToFill(slices: EndpointSlice[], n: number, max: number): EndpointSlice | undefined {
  let best: EndpointSlice | undefined;
  let bestDiff = max;
  for (const s of slices) {
    const diff = max - (n + endpointsOf(s).length);
    if (diff >= 0 && diff < bestDiff) {
      bestDiff = diff;
      best = s;
      if (diff === 0) break;
    }
  }
  return best;
}

interface PortGroupPlan {
  create: EndpointSlice[];
  update: EndpointSlice[];
  delete: EndpointSlice[];
}

function reconcileByPortMapping(svc: Service, existing: EndpointSlice[], desired: Map<string, Endpoint>, ports: SlicePort[], addressType: AddressType, max: number, controllerName: string): PortGroupPlan {
  const byName = new Map<string, EndpointSlice>();
  const unchanged: string[] = [];
  const toUpdate: string[] = [];
  const toDelete: string[] = [];

  // 1. Keep endpoints still desired where they are (updated if they changed); drop the rest.
  for (const slice of existing) {
    const name = slice.metadata.name ?? "";
    byName.set(name, slice);
    const kept: Endpoint[] = [];
    let endpointChanged = false;
    for (const ep of endpointsOf(slice)) {
      const k = endpointKey(ep);
      const want = desired.get(k);
      if (!want) continue;
      kept.push(want);
      if (!sameEndpoint(want, ep)) endpointChanged = true;
      desired.delete(k);
    }
    const { labels, changed: labelsChanged } = sliceLabels(slice, svc, controllerName);
    if (endpointChanged || kept.length !== endpointsOf(slice).length) {
      if (kept.length === 0) toDelete.push(name);
      else {
        byName.set(name, { ...structuredClone(slice), endpoints: kept, metadata: { ...structuredClone(slice.metadata), labels } });
        toUpdate.push(name);
      }
    } else if (labelsChanged) {
      byName.set(name, { ...structuredClone(slice), metadata: { ...structuredClone(slice.metadata), labels } });
      toUpdate.push(name);
    } else unchanged.push(name);
  }

  const pending = [...desired.values()];
  const take = (slice: EndpointSlice): void => {
    const eps = (slice.endpoints ??= []);
    while (pending.length && eps.length < max) eps.push(pending.shift()!);
  };

  // 2. Fill the slices being updated anyway, fullest first.
  if (pending.length && toUpdate.length) {
    const slices = toUpdate.map((n) => byName.get(n)!).sort((a, b) => endpointsOf(b).length - endpointsOf(a).length);
    for (const s of slices) take(s);
  }

  // 3. Leftovers: one unchanged slice they fit in, else new slices.
  const create: EndpointSlice[] = [];
  while (pending.length) {
    let target: EndpointSlice | undefined;
    if (pending.length < max && unchanged.length) {
      const found = sliceToFill(unchanged.map((n) => byName.get(n)!), pending.length, max);
      if (found) {
        target = structuredClone(found);
        byName.set(target.metadata.name ?? "", target);
      }
    }
    target ??= newSlice(svc, ports, addressType, controllerName);
    take(target);
    const name = target.metadata.name;
    if (name) {
      if (!toUpdate.includes(name)) toUpdate.push(name);
      unchanged.splice(unchanged.indexOf(name), 1);
    } else create.push(target);
  }

  return { create, update: toUpdate.map((n) => byName.get(n)!), delete: toDelete.map((n) => byName.get(n)!) };
}

function reconcileByAddressType(input: ReconcileInput, existing: EndpointSlice[], addressType: AddressType, max: number, controllerName: string, errors: string[]): PortGroupPlan {
  const { service: svc } = input;
  const plan: PortGroupPlan = { create: [], update: [], delete: [] };
  const existingByPorts = new Map<string, EndpointSlice[]>();
  for (const s of existing) {
    if (!ownedBy(s, svc)) {
      plan.delete.push(s);
      continue;
    }
    const k = portMapKey(s.ports);
    existingByPorts.set(k, [...(existingByPorts.get(k) ?? []), s]);
  }

  const desiredByPorts = new Map<string, { ports: SlicePort[]; endpoints: Map<string, Endpoint> }>();
  for (const pod of input.pods) {
    if (!shouldPodBeInEndpoints(pod, true)) continue;
    const ports = endpointPorts(svc, pod);
    const k = portMapKey(ports);
    let group = desiredByPorts.get(k);
    if (!group) desiredByPorts.set(k, (group = { ports, endpoints: new Map() }));
    const nodeName = podSpec(pod).nodeName ?? "";
    const node = input.nodeOf(nodeName);
    if (!node && !serviceSpec(svc).publishNotReadyAddresses) {
      errors.push(`skipping Pod ${pod.metadata.name} for Service ${svc.metadata.namespace}/${svc.metadata.name}: Node ${nodeName} Not Found`);
      continue;
    }
    const ep = podToEndpoint(pod, node, svc, addressType);
    if (ep.addresses.length) group.endpoints.set(endpointKey(ep), ep);
  }

  for (const [k, group] of desiredByPorts) {
    const p = reconcileByPortMapping(svc, existingByPorts.get(k) ?? [], group.endpoints, group.ports, addressType, max, controllerName);
    plan.create.push(...p.create);
    plan.update.push(...p.update);
    plan.delete.push(...p.delete);
  }
  for (const [k, slices] of existingByPorts) if (!desiredByPorts.has(k)) plan.delete.push(...slices);

  // A service with no endpoints keeps one empty placeholder slice.
  if (existing.length === plan.delete.length && plan.create.length === 0) {
    const placeholder = newSlice(svc, [], addressType, controllerName);
    if (plan.delete.length === 1 && isPlaceholder(plan.delete[0]!, placeholder)) plan.delete = [];
    else plan.create.push(placeholder);
  }
  return plan;
}

function isPlaceholder(slice: EndpointSlice, placeholder: EndpointSlice): boolean {
  return (
    slice.metadata.namespace === placeholder.metadata.namespace &&
    isDeepStrictEqual(slice.metadata.labels ?? {}, placeholder.metadata.labels ?? {}) &&
    slice.addressType === placeholder.addressType &&
    endpointsOf(slice).length === 0 &&
    (slice.ports ?? []).length === 0
  );
}

function setTriggerTime(slice: EndpointSlice, ms: number): void {
  const a = { ...(slice.metadata.annotations ?? {}) };
  if (ms) a[ANNOTATION_LAST_CHANGE_TRIGGER_TIME] = rfc3339Nano(ms);
  else delete a[ANNOTATION_LAST_CHANGE_TRIGGER_TIME];
  slice.metadata.annotations = a;
}

/** Every write that brings the service's slices to its pods, for every address type it serves. */
export function reconcile(input: ReconcileInput): ReconcilePlan {
  const max = input.maxEndpointsPerSlice ?? MAX_ENDPOINTS_PER_SLICE;
  const controllerName = input.controllerName ?? CONTROLLER_NAME;
  const types = addressTypesFor(input.service);
  const errors: string[] = [];
  const out: ReconcilePlan = { create: [], update: [], delete: [], errors };
  // Pods in name order so that which endpoint lands in which new slice is reproducible.
  const pods = [...input.pods].sort((a, b) => ((a.metadata.name ?? "") < (b.metadata.name ?? "") ? -1 : 1));
  const byType = new Map<AddressType, EndpointSlice[]>();
  const unsupported: EndpointSlice[] = [];
  for (const s of input.existing) {
    if (!types.includes(s.addressType)) unsupported.push(s);
    else byType.set(s.addressType, [...(byType.get(s.addressType) ?? []), s]);
  }
  for (const t of types) {
    const p = reconcileByAddressType({ ...input, pods }, byType.get(t) ?? [], t, max, controllerName, errors);
    // A create paired with a delete of an owned slice of the same type becomes an update of it.
    for (let i = 0; i < p.delete.length && p.create.length; ) {
      const victim = p.delete[i]!;
      const fresh = p.create[p.create.length - 1]!;
      if (victim.addressType === fresh.addressType && ownedBy(victim, input.service)) {
        fresh.metadata.name = victim.metadata.name;
        p.create.pop();
        p.update.push(fresh);
        p.delete.splice(i, 1);
      } else i++;
    }
    // No new slices for a service being deleted: the garbage collector is removing them.
    if (input.service.metadata.deletionTimestamp) p.create = [];
    for (const s of [...p.create, ...p.update]) setTriggerTime(s, input.triggerTimeMs);
    out.create.push(...p.create);
    out.update.push(...p.update);
    out.delete.push(...p.delete);
  }
  out.delete.push(...unsupported);
  return out;
}
