import { create } from "@bufbuild/protobuf";
import {
  CompareSchema, Compare_CompareResult, Compare_CompareTarget, DeleteRangeRequestSchema, PutRequestSchema, RequestOpSchema, TxnRequestSchema,
} from "../../../store/api/gen/rpc_pb.js";
import type { EtcdClient } from "../../../store/client/types.js";
import type { FieldError, KObject } from "../../api/types.js";
import { inRange, ipToString, parseCIDR } from "./serviceip.js";

/**
 * ClusterIP and NodePort allocation for Services. Each allocated item is one etcd key created
 * with a create-revision-is-zero compare, so two API servers over one etcd never hand out the
 * same address (kube keeps a bitmap per range; a key per item is simpler and as safe).
 */

const enc = new TextEncoder();

export class ItemAllocator {
  constructor(private readonly etcd: EtcdClient, private readonly prefix: string) {}

  /** Reserves `item` for `owner`; false when someone holds it. */
  async reserve(item: string, owner: string): Promise<boolean> {
    const key = enc.encode(this.prefix + item);
    const resp = await this.etcd.txn(create(TxnRequestSchema, {
      compare: [create(CompareSchema, { key, target: Compare_CompareTarget.CREATE, result: Compare_CompareResult.EQUAL, targetUnion: { case: "createRevision", value: 0n } })],
      success: [create(RequestOpSchema, { request: { case: "requestPut", value: create(PutRequestSchema, { key, value: enc.encode(owner) }) } })],
    }));
    return resp.succeeded;
  }

  async release(item: string): Promise<void> {
    await this.etcd.deleteRange(create(DeleteRangeRequestSchema, { key: enc.encode(this.prefix + item) }));
  }
}

export interface ServiceAllocators {
  ips: ItemAllocator;
  ports: ItemAllocator;
  cidr: string;
  nodePortRange: [number, number];
}

export function serviceAllocators(etcd: EtcdClient, cidr: string): ServiceAllocators {
  return {
    ips: new ItemAllocator(etcd, "/registry/ranges/kplane/serviceips/"),
    ports: new ItemAllocator(etcd, "/registry/ranges/kplane/servicenodeports/"),
    cidr,
    nodePortRange: [30000, 32767],
  };
}

interface ServiceSpec {
  type?: string;
  clusterIP?: string;
  clusterIPs?: string[];
  ports?: { nodePort?: number; port?: number }[];
  ipFamilies?: string[];
  ipFamilyPolicy?: string;
  externalTrafficPolicy?: string;
  allocateLoadBalancerNodePorts?: boolean;
}

export class AllocationError extends Error {
  constructor(readonly fieldErrors: FieldError[]) {
    super(fieldErrors.map((e) => e.detail).join(", "));
  }
}

function needsNodePorts(type: string | undefined): boolean {
  return type === "NodePort" || type === "LoadBalancer";
}

/**
 * Allocates what a Service being created or updated needs (ClusterIP, node ports), filling
 * the spec in. Returns a rollback for the items newly reserved (if the write fails) and the
 * items the old object held that the new one no longer does (to release after the write).
 */
export async function allocateForService(a: ServiceAllocators, svc: KObject, old: KObject | undefined): Promise<{ rollback: () => Promise<void>; released: () => Promise<void> }> {
  const spec = (svc.spec ??= {}) as ServiceSpec;
  const oldSpec = (old?.spec ?? {}) as ServiceSpec;
  const owner = `${svc.metadata.namespace ?? ""}/${svc.metadata.name ?? ""}`;
  const newIps: string[] = [];
  const newPorts: number[] = [];
  const rollback = async () => {
    for (const ip of newIps) await a.ips.release(ip);
    for (const p of newPorts) await a.ports.release(String(p));
  };
  try {
    if (spec.type !== "ExternalName") {
      if (old && oldSpec.clusterIP) {
        spec.clusterIP ??= oldSpec.clusterIP;
        spec.clusterIPs ??= oldSpec.clusterIPs ?? [oldSpec.clusterIP];
      } else if (spec.clusterIP === "None") {
        spec.clusterIPs = ["None"];
      } else if (spec.clusterIP) {
        if (!inRange(a.cidr, spec.clusterIP)) {
          throw new AllocationError([{ type: "FieldValueInvalid", field: "spec.clusterIPs", badValue: [spec.clusterIP], detail: `failed to allocate IP ${spec.clusterIP}: the provided IP (${spec.clusterIP}) is not in the valid range. The range of valid IPs is ${a.cidr}` }]);
        }
        if (!(await a.ips.reserve(spec.clusterIP, owner))) {
          throw new AllocationError([{ type: "FieldValueInvalid", field: "spec.clusterIPs", badValue: [spec.clusterIP], detail: `failed to allocate IP ${spec.clusterIP}: provided IP is already allocated` }]);
        }
        newIps.push(spec.clusterIP);
        spec.clusterIPs = [spec.clusterIP];
      } else {
        const ip = await allocateIP(a, owner);
        newIps.push(ip);
        spec.clusterIP = ip;
        spec.clusterIPs = [ip];
      }
      spec.ipFamilies ??= ["IPv4"];
      // kube makes selectorless headless Services dual-stack-capable; the rest single-stack.
      const selectorless = spec.clusterIP === "None" && !(svc.spec as { selector?: object }).selector;
      spec.ipFamilyPolicy ??= selectorless ? "RequireDualStack" : "SingleStack";
    }
    if (needsNodePorts(spec.type)) {
      spec.externalTrafficPolicy ??= "Cluster";
      if (spec.type === "LoadBalancer") spec.allocateLoadBalancerNodePorts ??= true;
      const held = new Set((oldSpec.ports ?? []).map((p) => p.nodePort).filter((p): p is number => typeof p === "number"));
      const ports = spec.ports ?? [];
      for (let i = 0; i < ports.length; i++) {
        const p = ports[i]!;
        if (spec.type === "LoadBalancer" && spec.allocateLoadBalancerNodePorts === false && p.nodePort === undefined) continue;
        if (p.nodePort !== undefined && p.nodePort !== 0) {
          if (held.has(p.nodePort) || newPorts.includes(p.nodePort)) continue;
          const [lo, hi] = a.nodePortRange;
          if (p.nodePort < lo || p.nodePort > hi) {
            throw new AllocationError([{ type: "FieldValueInvalid", field: `spec.ports[${i}].nodePort`, badValue: p.nodePort, detail: `provided port is not in the valid range. The range of valid ports is ${lo}-${hi}` }]);
          }
          if (!(await a.ports.reserve(String(p.nodePort), owner))) {
            throw new AllocationError([{ type: "FieldValueInvalid", field: `spec.ports[${i}].nodePort`, badValue: p.nodePort, detail: "provided port is already allocated" }]);
          }
          newPorts.push(p.nodePort);
        } else {
          const n = await allocatePort(a, owner);
          newPorts.push(n);
          p.nodePort = n;
        }
      }
    }
  } catch (e) {
    await rollback();
    throw e;
  }
  const released = async () => {
    if (!old) return;
    const keepIps = new Set(spec.clusterIPs ?? []);
    for (const ip of oldSpec.clusterIPs ?? (oldSpec.clusterIP ? [oldSpec.clusterIP] : [])) {
      if (ip !== "None" && !keepIps.has(ip)) await a.ips.release(ip);
    }
    const keepPorts = new Set((spec.ports ?? []).map((p) => p.nodePort));
    for (const p of oldSpec.ports ?? []) if (p.nodePort && !keepPorts.has(p.nodePort)) await a.ports.release(String(p.nodePort));
  };
  return { rollback, released };
}

/** Releases everything a deleted Service held. */
export async function releaseForService(a: ServiceAllocators, svc: KObject): Promise<void> {
  const spec = (svc.spec ?? {}) as ServiceSpec;
  for (const ip of spec.clusterIPs ?? (spec.clusterIP ? [spec.clusterIP] : [])) if (ip && ip !== "None") await a.ips.release(ip);
  for (const p of spec.ports ?? []) if (p.nodePort) await a.ports.release(String(p.nodePort));
}

async function allocateIP(a: ServiceAllocators, owner: string): Promise<string> {
  const { base, bits } = parseCIDR(a.cidr);
  const size = 2 ** (32 - bits);
  // Dynamic addresses come from the upper part of the range (kube reserves the lower band
  // for static choices), the network, first (kubernetes Service) and broadcast excluded.
  const lowBand = Math.min(Math.max(16, Math.floor(size / 16)), 256);
  const start = size > lowBand + 8 ? lowBand : 2;
  for (let attempt = 0; attempt < 64; attempt++) {
    const n = base + start + Math.floor(Math.random() * (size - start - 1));
    const ip = ipToString(n);
    if (await a.ips.reserve(ip, owner)) return ip;
  }
  for (let n = base + 2; n < base + size - 1; n++) {
    const ip = ipToString(n);
    if (await a.ips.reserve(ip, owner)) return ip;
  }
  throw new AllocationError([{ type: "FieldValueInvalid", field: "spec.clusterIPs", badValue: [], detail: "failed to allocate IP: range is full" }]);
}

async function allocatePort(a: ServiceAllocators, owner: string): Promise<number> {
  const [lo, hi] = a.nodePortRange;
  for (let attempt = 0; attempt < 64; attempt++) {
    const n = lo + Math.floor(Math.random() * (hi - lo + 1));
    if (await a.ports.reserve(String(n), owner)) return n;
  }
  for (let n = lo; n <= hi; n++) if (await a.ports.reserve(String(n), owner)) return n;
  throw new AllocationError([{ type: "FieldValueInvalid", field: "spec.ports[0].nodePort", badValue: 0, detail: "range is full" }]);
}
