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
import { jsonEqual } from "../util/json.js";

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

/** Source of NodeInfo generations: one counter for all, so a clone's changes never reuse a number its original will take. */
let generations = 0;
const nextGeneration = (): number => ++generations;

export function newNodeInfo(node: Node): NodeInfo {
  const ni: NodeInfo = {
    generation: nextGeneration(),
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
    unschedulable: false,
    allocMilliCPU: 0,
    allocMemory: 0,
    allocPods: 0,
    reqMilliCPU: 0,
    reqMemory: 0,
    podCount: 0,
  };
  setNode(ni, node);
  return ni;
}

export function setNode(ni: NodeInfo, node: Node): void {
  ni.node = node;
  ni.labels = node.metadata.labels ?? {};
  ni.taints = node.spec?.taints ?? [];
  ni.allocatable = nodeAllocatable(node);
  ni.unschedulable = !!node.spec?.unschedulable;
  ni.allocMilliCPU = ni.allocatable.milliCPU;
  ni.allocMemory = ni.allocatable.memory;
  ni.allocPods = ni.allocatable.pods;
}

/** The NodeInfo's own copies of its requests and pod count (see NodeInfo.reqMilliCPU). */
function syncRequested(ni: NodeInfo): void {
  ni.reqMilliCPU = ni.requested.milliCPU;
  ni.reqMemory = ni.requested.memory;
  ni.podCount = ni.pods.length;
}

export function addPodToNode(ni: NodeInfo, p: PodInfo): void {
  ni.pods.push(p);
  if (ni.generation !== undefined) ni.generation = nextGeneration();
  if (hasAffinity(p)) ni.podsWithAffinity.push(p);
  if (p.requiredAntiAffinity.length > 0) ni.podsWithRequiredAntiAffinity.push(p);
  addResources(ni.requested, p.requests);
  ni.nonZeroCPU += p.nonZeroCPU;
  ni.nonZeroMemory += p.nonZeroMemory;
  for (const hp of p.hostPorts) ni.usedPorts.push(hp);
  syncRequested(ni);
}

export function removePodFromNode(ni: NodeInfo, key: string): PodInfo | undefined {
  const i = ni.pods.findIndex((p) => p.key === key);
  if (i < 0) return undefined;
  const p = ni.pods[i]!;
  ni.pods[i] = ni.pods[ni.pods.length - 1]!;
  ni.pods.pop();
  if (ni.generation !== undefined) ni.generation = nextGeneration();
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
  syncRequested(ni);
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
    // Its own memo: the original's stays valid for the original only.
    ...(ni.generation !== undefined ? { generation: nextGeneration(), matchCounts: new Map() } : {}),
  };
}

/**
 * Two versions of a pod that newPodInfo (and hasAffinity) would derive the same PodInfo from:
 * the fields they read are compared, nothing else (a pod's status updates, the bulk of what
 * the informer brings, are decided without serializing anything).
 */
export function samePlacement(a: Pod, b: Pod): boolean {
  if (!!a.metadata.deletionTimestamp !== !!b.metadata.deletionTimestamp) return false;
  if (!sameLabels(a.metadata.labels ?? {}, b.metadata.labels ?? {})) return false;
  const sa = a.spec ?? {};
  const sb = b.spec ?? {};
  if (sa === sb) return true;
  return (
    sa.priority === sb.priority &&
    jsonEqual(sa.containers, sb.containers) &&
    jsonEqual(sa.initContainers, sb.initContainers) &&
    jsonEqual(sa.overhead, sb.overhead) &&
    jsonEqual(sa.affinity, sb.affinity)
  );
}


function sameLabels(a: Record<string, string>, b: Record<string, string>): boolean {
  if (a === b) return true;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) if (a[k] !== b[k]) return false;
  return true;
}

const ZONE = "topology.kubernetes.io/zone";
const REGION = "topology.kubernetes.io/region";
const zoneOf = (labels: Record<string, string>): string => {
  const r = labels[REGION] ?? labels["failure-domain.beta.kubernetes.io/region"] ?? "";
  const z = labels[ZONE] ?? labels["failure-domain.beta.kubernetes.io/zone"] ?? "";
  return r === "" && z === "" ? "" : `${r}:\x00:${z}`;
};

/** One domainTotals() entry: sums per topology value, each node's part, and how far the change log is folded in. */
interface DomainTotals {
  topologyVersion: number;
  seq: number;
  sums: Map<string, number>;
  perNode: Map<NodeInfo, { value: string; count: number }>;
}

const MAX_CHANGE_LOG = 8192;
const MAX_DOMAIN_TOTALS = 64;

export class SchedulerCache implements Snapshot {
  private readonly infos = new Map<string, NodeInfo>();
  /** Pods assigned to a node we have not seen yet, by node name (kube keeps such "ghost" infos too). */
  private readonly podNode = new Map<string, string>();
  private readonly assumed = new Set<string>();
  private ordered: NodeInfo[] | undefined;
  /** The nodes holding pods with (anti-)affinity, in node order: asked for every cycle, changed rarely. */
  private withAffinity: NodeInfo[] | undefined;
  private withRequiredAntiAffinity: NodeInfo[] | undefined;
  /** Zone -> node names in arrival order, zones in arrival order (kube's nodeTree). */
  private readonly zones = new Map<string, string[]>();
  private readonly nodeZone = new Map<string, string>();
  /** Nodes whose pods changed, oldest first; changeLog[0] is change number logBase. */
  private changeLog: NodeInfo[] = [];
  private logBase = 0;
  /** Bumped when nodes come, go or change labels: every domain total is then counted afresh. */
  private topologyVersion = 0;
  private readonly totals = new Map<string, DomainTotals>();

  constructor(private readonly nsLabels: (ns: string) => Record<string, string> | undefined = () => undefined) {}

  get nodes(): NodeInfo[] {
    if (!this.ordered) {
      this.ordered = this.buildOrder();
      this.withAffinity = this.withRequiredAntiAffinity = undefined;
    }
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
    const nodes = this.nodes;
    return (this.withAffinity ??= nodes.filter((n) => n.podsWithAffinity.length > 0));
  }

  havePodsWithRequiredAntiAffinity(): NodeInfo[] {
    const nodes = this.nodes;
    return (this.withRequiredAntiAffinity ??= nodes.filter((n) => n.podsWithRequiredAntiAffinity.length > 0));
  }

  /** A pod with (anti-)affinity came to or left a node: the lists above are built again when next asked for. */
  private affinityChanged(p: PodInfo): void {
    if (hasAffinity(p)) this.withAffinity = undefined;
    if (p.requiredAntiAffinity.length > 0) this.withRequiredAntiAffinity = undefined;
  }

  nodeCount(): number {
    return this.nodes.length;
  }

  // ---- nodes ----

  addNode(node: Node): void {
    const name = node.metadata.name ?? "";
    let ni = this.infos.get(name);
    if (ni) {
      const wasNode = !!ni.node.metadata.name;
      const before = ni.labels;
      setNode(ni, node);
      if (!wasNode || !sameLabels(before, ni.labels)) this.topologyVersion++;
    } else {
      this.infos.set(name, (ni = newNodeInfo(node)));
      this.topologyVersion++;
    }
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
    else {
      ni.node = { metadata: {} };
      ni.unschedulable = false;
    }
    this.ordered = undefined;
    this.topologyVersion++;
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
    const nodeName = pod.spec?.nodeName;
    // Most updates of a placed pod are its status (the binding confirmed, the node reporting it
    // Running): nothing a plugin reads changed, so the node's pods, and every count derived from
    // them, stay as they are. (kube removes and re-adds; the resulting state is the same.)
    if (nodeName && this.podNode.get(key) === nodeName) {
      const held = this.infos.get(nodeName)?.pods.find((p) => p.key === key);
      if (held && samePlacement(held.pod, pod)) {
        held.pod = pod;
        this.assumed.delete(key);
        return;
      }
    }
    this.assumed.delete(key);
    this.unplace(key);
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
    this.affinityChanged(p);
    this.logChange(ni);
  }

  private unplace(key: string): void {
    const nodeName = this.podNode.get(key);
    if (nodeName === undefined) return;
    this.podNode.delete(key);
    const ni = this.infos.get(nodeName);
    if (!ni) return;
    const p = removePodFromNode(ni, key);
    if (p) this.affinityChanged(p);
    this.logChange(ni);
    if (!ni.node.metadata.name && ni.pods.length === 0) this.infos.delete(nodeName);
  }

  private logChange(ni: NodeInfo): void {
    if (this.totals.size === 0) return; // nobody keeps totals: nothing to fold in later
    this.changeLog.push(ni);
    if (this.changeLog.length > MAX_CHANGE_LOG) {
      // Totals further behind than what is kept are counted afresh when next asked for.
      const drop = MAX_CHANGE_LOG / 2;
      this.changeLog = this.changeLog.slice(drop);
      this.logBase += drop;
    }
  }

  domainTotals(key: string, topologyKey: string, requiredKeys: readonly string[], count: (n: NodeInfo) => number): ReadonlyMap<string, number> {
    const k = `${key}\u0000${topologyKey}\u0000${requiredKeys.join("\u0001")}`;
    const end = this.logBase + this.changeLog.length;
    let t = this.totals.get(k);
    if (!t || t.topologyVersion !== this.topologyVersion || t.seq < this.logBase) {
      t = { topologyVersion: this.topologyVersion, seq: end, sums: new Map(), perNode: new Map() };
      for (const n of this.nodes) this.recount(t, n, topologyKey, requiredKeys, count);
      if (this.totals.size >= MAX_DOMAIN_TOTALS) this.totals.clear();
      this.totals.set(k, t);
      return t.sums;
    }
    for (let s = t.seq; s < end; s++) this.recount(t, this.changeLog[s - this.logBase]!, topologyKey, requiredKeys, count);
    t.seq = end;
    // Every total has caught up: the log can start over.
    if (end > this.logBase && [...this.totals.values()].every((x) => x.seq === end)) {
      this.changeLog = [];
      this.logBase = end;
    }
    return t.sums;
  }

  /** Takes a node's old part out of the totals and puts its current one in. */
  private recount(t: DomainTotals, n: NodeInfo, topologyKey: string, requiredKeys: readonly string[], count: (n: NodeInfo) => number): void {
    const prev = t.perNode.get(n);
    if (prev) {
      t.sums.set(prev.value, (t.sums.get(prev.value) ?? 0) - prev.count);
      t.perNode.delete(n);
    }
    // Pods on a node the cache does not know (yet) are not in any domain.
    if (this.get(n.name) !== n) return;
    for (const rk of requiredKeys) if (!(rk in n.labels)) return;
    const value = n.labels[topologyKey] ?? "";
    const c = count(n);
    t.perNode.set(n, { value, count: c });
    t.sums.set(value, (t.sums.get(value) ?? 0) + c);
  }
}
