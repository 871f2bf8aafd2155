/** Builders for scheduler tests: nodes, pods and a cache holding them. */
import { SchedulerCache, newPodInfo } from "./cache.js";
import type { Node, Pod, PodSpec, Taint } from "./types.js";

export function node(name: string, opts: { cpu?: string; memory?: string; pods?: number; labels?: Record<string, string>; taints?: Taint[]; unschedulable?: boolean; extra?: Record<string, string> } = {}): Node {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name, labels: { "kubernetes.io/hostname": name, ...(opts.labels ?? {}) } },
    spec: { ...(opts.taints ? { taints: opts.taints } : {}), ...(opts.unschedulable ? { unschedulable: true } : {}) },
    status: { allocatable: { cpu: opts.cpu ?? "4", memory: opts.memory ?? "8Gi", pods: String(opts.pods ?? 110), ...(opts.extra ?? {}) } },
  };
}

export function pod(name: string, opts: { cpu?: string; memory?: string; labels?: Record<string, string>; node?: string; ns?: string; spec?: Partial<PodSpec> } = {}): Pod {
  const requests: Record<string, string> = {};
  if (opts.cpu) requests.cpu = opts.cpu;
  if (opts.memory) requests.memory = opts.memory;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: opts.ns ?? "default", uid: `uid-${name}`, labels: opts.labels ?? {} },
    spec: {
      schedulerName: "default-scheduler",
      ...(opts.node ? { nodeName: opts.node } : {}),
      containers: [{ name: "c", ...(Object.keys(requests).length ? { resources: { requests } } : {}) }],
      ...(opts.spec ?? {}),
    },
  };
}

/** A cache with these nodes and the assigned pods among `pods`. */
export function cacheWith(nodes: Node[], pods: Pod[] = []): SchedulerCache {
  const c = new SchedulerCache();
  for (const n of nodes) c.addNode(n);
  for (const p of pods) if (p.spec?.nodeName) c.addOrUpdatePod(p);
  return c;
}

export const info = newPodInfo;
