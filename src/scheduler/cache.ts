/**
 * The scheduler's cache (kube's internal/cache): NodeInfo per node with the pods assigned to it
 * (bound ones from the informer, and "assumed" ones the scheduler placed but whose binding has
 * not come back yet), and the node list in kube's node-tree order. Scheduling cycles read it
 * directly: a cycle runs synchronously, so it sees one consistent state.
 */
import { keyOf } from "../client/cache.js";
import { labelSelectorFromMeta, matchesLabels } from "../apiserver/selectors/index.js";
import { addResources, emptyResources, nodeAllocatable, podRequests } from "./resources.js";
import type { AffinityTerm, HostPort, MetaLabelSelectorJSON, Node, NodeInfo, Pod, PodAffinityTermJSON, PodInfo, Snapshot, WeightedAffinityTerm } from "./types.js";

/** A label matcher from a metav1.LabelSelector; a selector that fails to parse matches nothing. */
export function selectorMatcher(sel: MetaLabelSelectorJSON | null | undefined): (labels: Record<string, string>) => boolean {
  try {
    const s = labelSelectorFromMeta(sel);
    return (labels) => matchesLabels(s, labels);
  } catch {
    return () => false;
  }
}

function affinityTerm(pod: Pod, t: PodAffinityTermJSON): AffinityTerm {
  const ns = pod.metadata.namespace ?? "";
  const namespaces = new Set<string>(t.namespaces ?? []);
  if (namespaces.size === 0 && !t.namespaceSelector) namespaces.add(ns);
  return {
    matches: selectorMatcher(t.labelSelector),
    namespaces,
    namespaceSelector: t.namespaceSelector ? selectorMatcher(t.namespaceSelector) : undefined,
    topologyKey: t.topologyKey,
  };
}

/** Does the term select this pod (namespace, then labels)? */
export function termMatches(term: AffinityTerm, pod: PodInfo, nsLabels: Record<string, string> | undefined): boolean {
  if (!term.namespaces.has(pod.namespace) && !(term.namespaceSelector && term.namespaceSelector(nsLabels ?? {}))) return false;
  return term.matches(pod.labels);
}

export function newPodInfo(pod: Pod): PodInfo {
  const spec = pod.spec ?? {};
  const { requests, nonZeroCPU, nonZeroMemory } = podRequests(pod);
  const hostPorts: HostPort[] = [];
  for (const c of spec.containers ?? []) {
    for (const p of c.ports ?? []) {
      if (!p.hostPort || p.hostPort <= 0) continue;
      hostPorts.push({ ip: p.hostIP || "0.0.0.0", protocol: p.protocol || "TCP", port: p.hostPort });
    }
  }
  const a = spec.affinity;
  const weighted = (ts: { weight: number; podAffinityTerm: PodAffinityTermJSON }[] | null | undefined): WeightedAffinityTerm[] =>
    (ts ?? []).map((t) => ({ ...affinityTerm(pod, t.podAffinityTerm), weight: t.weight }));
  return {
    pod,
    key: keyOf(pod),
    namespace: pod.metadata.namespace ?? "",
    labels: pod.metadata.labels ?? {},
    priority: spec.priority ?? 0,
    requests,
    nonZeroCPU,
    nonZeroMemory,
    hostPorts,
    requiredAffinity: (a?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).map((t) => affinityTerm(pod, t)),
    requiredAntiAffinity: (a?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).map((t) => affinityTerm(pod, t)),
    preferredAffinity: weighted(a?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution),
    preferredAntiAffinity: weighted(a?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution),
    terminating: !!pod.metadata.deletionTimestamp,
  };
}

const hasAffinity = (p: PodInfo): boolean => {
  const a = p.pod.spec?.affinity;
  return !!a && (!!a.podAffinity || !!a.podAntiAffinity);
};

export function newNodeInfo(node: Node): NodeInfo {
  const ni: NodeInfo = {
    name: node.metadata.name ?? "",
    node,
    labels: {},
    taints: [],
    allocatable: { ...emptyResources(), pods: 0 },
    requested: emptyResources(),
    nonZeroCPU: 0,
    nonZeroMemory: 0,
    pods: [],
    podsWithAffinity: [],
    podsWithRequiredAntiAffinity: [],
    usedPorts: [],
  };
  setNode(ni, node);
  return ni;
}

export function setNode(ni: NodeInfo, node: Node): void {
  ni.node = node;
  ni.labels = node.metadata.labels ?? {};
  ni.taints = node.spec?.taints ?? [];
  ni.allocatable = nodeAllocatable(node);
}

export function addPodToNode(ni: NodeInfo, p: PodInfo): void {
  ni.pods.push(p);
  if (hasAffinity(p)) ni.podsWithAffinity.push(p);
  if (p.requiredAntiAffinity.length > 0) ni.podsWithRequiredAntiAffinity.push(p);
  addResources(ni.requested, p.requests);
  ni.nonZeroCPU += p.nonZeroCPU;
  ni.nonZeroMemory += p.nonZeroMemory;
  for (const hp of p.hostPorts) ni.usedPorts.push(hp);
}

export function removePodFromNode(ni: NodeInfo, key: string): PodInfo | undefined {
  const i = ni.pods.findIndex((p) => p.key === key);
  if (i < 0) return undefined;
  const p = ni.pods[i]!;
  ni.pods[i] = ni.pods[ni.pods.length - 1]!;
  ni.pods.pop();
  const drop = (list: PodInfo[]): void => {
    const j = list.indexOf(p);
    if (j >= 0) list.splice(j, 1);
  };
  drop(ni.podsWithAffinity);
  drop(ni.podsWithRequiredAntiAffinity);
  addResources(ni.requested, p.requests, -1);
  ni.nonZeroCPU -= p.nonZeroCPU;
  ni.nonZeroMemory -= p.nonZeroMemory;
  for (const hp of p.hostPorts) {
    const j = ni.usedPorts.indexOf(hp);
    if (j >= 0) ni.usedPorts.splice(j, 1);
  }
  return p;
}

/** A NodeInfo copy whose pod lists can be changed without touching the original (preemption's dry run). */
export function cloneNodeInfo(ni: NodeInfo): NodeInfo {
  return {
    ...ni,
    requested: { ...ni.requested, scalar: new Map(ni.requested.scalar) },
    pods: [...ni.pods],
    podsWithAffinity: [...ni.podsWithAffinity],
    podsWithRequiredAntiAffinity: [...ni.podsWithRequiredAntiAffinity],
    usedPorts: [...ni.usedPorts],
  };
}

const ZONE = "topology.kubernetes.io/zone";
const REGION = "topology.kubernetes.io/region";
const zoneOf = (labels: Record<string, string>): string => {
  const r = labels[REGION] ?? labels["failure-domain.beta.kubernetes.io/region"] ?? "";
  const z = labels[ZONE] ?? labels["failure-domain.beta.kubernetes.io/zone"] ?? "";
  return r === "" && z === "" ? "" : `${r}:\x00:${z}`;
};

export class SchedulerCache implements Snapshot {
  private readonly infos = new Map<string, NodeInfo>();
  /** Pods assigned to a node we have not seen yet, by node name (kube keeps such "ghost" infos too). */
  private readonly podNode = new Map<string, string>();
  private readonly assumed = new Set<string>();
  private ordered: NodeInfo[] | undefined;
  /** Zone -> node names in arrival order, zones in arrival order (kube's nodeTree). */
  private readonly zones = new Map<string, string[]>();
  private readonly nodeZone = new Map<string, string>();

  constructor(private readonly nsLabels: (ns: string) => Record<string, string> | undefined = () => undefined) {}

  get nodes(): NodeInfo[] {
    if (!this.ordered) this.ordered = this.buildOrder();
    return this.ordered;
  }

  get(name: string): NodeInfo | undefined {
    const ni = this.infos.get(name);
    return ni && ni.node.metadata.name ? ni : undefined;
  }

  namespaceLabels(ns: string): Record<string, string> | undefined {
    return this.nsLabels(ns);
  }

  havePodsWithAffinity(): NodeInfo[] {
    return this.nodes.filter((n) => n.podsWithAffinity.length > 0);
  }

  havePodsWithRequiredAntiAffinity(): NodeInfo[] {
    return this.nodes.filter((n) => n.podsWithRequiredAntiAffinity.length > 0);
  }

  nodeCount(): number {
    return this.nodes.length;
  }

  // ---- nodes ----

  addNode(node: Node): void {
    const name = node.metadata.name ?? "";
    let ni = this.infos.get(name);
    if (ni) setNode(ni, node);
    else this.infos.set(name, (ni = newNodeInfo(node)));
    const zone = zoneOf(ni.labels);
    const old = this.nodeZone.get(name);
    if (old !== zone) {
      if (old !== undefined) this.dropFromZone(name, old);
      let list = this.zones.get(zone);
      if (!list) this.zones.set(zone, (list = []));
      list.push(name);
      this.nodeZone.set(name, zone);
      this.ordered = undefined;
    }
  }

  removeNode(name: string): void {
    const ni = this.infos.get(name);
    if (!ni) return;
    const zone = this.nodeZone.get(name);
    if (zone !== undefined) this.dropFromZone(name, zone);
    this.nodeZone.delete(name);
    // Pods still bound there keep a node-less info until they go.
    if (ni.pods.length === 0) this.infos.delete(name);
    else ni.node = { metadata: {} };
    this.ordered = undefined;
  }

  private dropFromZone(name: string, zone: string): void {
    const list = this.zones.get(zone);
    if (!list) return;
    const i = list.indexOf(name);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.zones.delete(zone);
  }

  private buildOrder(): NodeInfo[] {
    const lists = [...this.zones.values()];
    const out: NodeInfo[] = [];
    for (let i = 0, added = true; added; i++) {
      added = false;
      for (const l of lists) {
        if (i >= l.length) continue;
        const ni = this.infos.get(l[i]!);
        if (ni) out.push(ni);
        added = true;
      }
    }
    return out;
  }

  // ---- pods ----

  isAssumed(key: string): boolean {
    return this.assumed.has(key);
  }

  /** Places a pod on a node before its binding is confirmed, so the next cycle counts it. */
  assume(p: PodInfo, nodeName: string): void {
    this.place(p, nodeName);
    this.assumed.add(p.key);
  }

  /** Undoes assume() after a failed binding. */
  forget(key: string): void {
    if (!this.assumed.delete(key)) return;
    this.unplace(key);
  }

  /** A pod the informer reports as assigned (added or updated); confirms an assumed one. */
  addOrUpdatePod(pod: Pod): void {
    const key = keyOf(pod);
    this.assumed.delete(key);
    this.unplace(key);
    const nodeName = pod.spec?.nodeName;
    if (nodeName) this.place(newPodInfo(pod), nodeName);
  }

  removePod(key: string): void {
    this.assumed.delete(key);
    this.unplace(key);
  }

  nodeOfPod(key: string): string | undefined {
    return this.podNode.get(key);
  }

  private place(p: PodInfo, nodeName: string): void {
    let ni = this.infos.get(nodeName);
    if (!ni) {
      ni = newNodeInfo({ metadata: {} });
      ni.name = nodeName;
      this.infos.set(nodeName, ni);
    }
    addPodToNode(ni, p);
    this.podNode.set(p.key, nodeName);
  }

  private unplace(key: string): void {
    const nodeName = this.podNode.get(key);
    if (nodeName === undefined) return;
    this.podNode.delete(key);
    const ni = this.infos.get(nodeName);
    if (!ni) return;
    removePodFromNode(ni, key);
    if (!ni.node.metadata.name && ni.pods.length === 0) this.infos.delete(nodeName);
  }
}
