/**
 * One scheduling cycle as kube 1.32's schedulePod: PreFilter, Filter over nodes from a rotating
 * start until enough feasible nodes are found (percentageOfNodesToScore), Score and normalize
 * per plugin, weight, and pick the best node (ties at random). A failure yields the Diagnosis
 * that the FitError message and preemption's dry run are built from. No I/O, no clock.
 */
import { cloneNodeInfo, removePodFromNode } from "./cache.js";
import { balancedAllocationScore, nodeResourcesFitFilter, nodeResourcesFitScore } from "./plugins/noderesources.js";
import { nodeAffinityFilter, nodeAffinityScore } from "./plugins/nodeaffinity.js";
import { nodeName, nodePorts, nodeUnschedulable, taintTolerationFilter, taintTolerationScore } from "./plugins/node.js";
import { interPodAffinityFilter, interPodAffinityScore } from "./plugins/interpodaffinity.js";
import { podTopologySpreadFilter, podTopologySpreadScore, type DefaultSelector } from "./plugins/podtopologyspread.js";
import type { FilterPlugin, NodeFilter, NodeInfo, PodInfo, ScorePlugin, Snapshot, Status } from "./types.js";

export interface Profile {
  filters: FilterPlugin[];
  scores: ScorePlugin[];
}

/** kube's default profile, in its plugin order (volume plugins left out: kplane has no volumes to check). */
export function defaultProfile(opts: { defaultSelector?: DefaultSelector } = {}): Profile {
  return {
    filters: [nodeUnschedulable, nodeName, taintTolerationFilter, nodeAffinityFilter, nodePorts, nodeResourcesFitFilter, podTopologySpreadFilter, interPodAffinityFilter],
    scores: [taintTolerationScore, nodeAffinityScore, nodeResourcesFitScore, podTopologySpreadScore(opts.defaultSelector), interPodAffinityScore, balancedAllocationScore],
  };
}

/** Why a pod fits nowhere: per-node statuses, a status for nodes not listed, and PreFilter's message. */
export interface Diagnosis {
  numAllNodes: number;
  statuses: Map<string, Status>;
  absent?: Status;
  preFilterMsg?: string;
  /** Plugins that rejected the pod: the queue moves it back only on events these care about. */
  unschedulablePlugins: Set<string>;
}

export type CycleResult =
  | { kind: "scheduled"; node: string; feasible: number; evaluated: number }
  | { kind: "unschedulable"; diagnosis: Diagnosis }
  | { kind: "noNodes" };

export const MIN_FEASIBLE_NODES_TO_FIND = 100;
export const MIN_FEASIBLE_NODES_PERCENTAGE = 5;

/** How many feasible nodes to find before scoring (kube's numFeasibleNodesToFind). */
export function numFeasibleNodesToFind(percentage: number | undefined, numAllNodes: number): number {
  if (numAllNodes < MIN_FEASIBLE_NODES_TO_FIND) return numAllNodes;
  let pct = percentage ?? 0;
  if (pct <= 0) pct = Math.max(50 - Math.trunc(numAllNodes / 125), MIN_FEASIBLE_NODES_PERCENTAGE);
  if (pct >= 100) return numAllNodes;
  const n = Math.trunc((numAllNodes * pct) / 100);
  return Math.max(n, MIN_FEASIBLE_NODES_TO_FIND);
}

export { seededRandom } from "../util/random.js";

export interface CycleOptions {
  percentageOfNodesToScore?: number;
  random: () => number;
}

interface PreFiltered {
  filters: { plugin: string; filter: NodeFilter }[];
  nodeNames?: Set<string>;
  namedBy: string[];
  reject?: Status;
}

function runPreFilters(profile: Profile, pod: PodInfo, snap: Snapshot): PreFiltered {
  const out: PreFiltered = { filters: [], namedBy: [] };
  for (const p of profile.filters) {
    const r = p.preFilter(pod, snap);
    if (r.kind === "skip") continue;
    if (r.kind === "reject") return { ...out, reject: r.status };
    out.filters.push({ plugin: p.name, filter: r.filter });
    if (r.nodeNames) {
      out.nodeNames = out.nodeNames ? new Set([...out.nodeNames].filter((n) => r.nodeNames!.has(n))) : new Set(r.nodeNames);
      out.namedBy.push(p.name);
    }
  }
  return out;
}

function runFilters(filters: PreFiltered["filters"], n: NodeInfo): Status | undefined {
  for (const f of filters) {
    const s = f.filter(n);
    if (s) return s;
  }
  return undefined;
}

/** The scheduler's state across cycles: where the next search starts. */
export interface CycleState {
  nextStartNodeIndex: number;
}

export function schedulePod(profile: Profile, pod: PodInfo, snap: Snapshot, state: CycleState, opts: CycleOptions): CycleResult {
  const all = snap.nodes;
  if (all.length === 0) return { kind: "noNodes" };
  const diagnosis: Diagnosis = { numAllNodes: all.length, statuses: new Map(), unschedulablePlugins: new Set() };
  const pre = runPreFilters(profile, pod, snap);
  if (pre.reject) {
    diagnosis.absent = pre.reject;
    diagnosis.preFilterMsg = pre.reject.reasons.join(", ");
    diagnosis.unschedulablePlugins.add(pre.reject.plugin);
    return { kind: "unschedulable", diagnosis };
  }
  let nodes = all;
  if (pre.nodeNames) {
    nodes = all.filter((n) => pre.nodeNames!.has(n.name));
    const plugins = [...new Set(pre.namedBy)].sort();
    diagnosis.absent = { code: "UnschedulableAndUnresolvable", reasons: [`node(s) didn't satisfy plugin(s) [${plugins.join(" ")}]`], plugin: "" };
    for (const p of plugins) diagnosis.unschedulablePlugins.add(p);
  }
  const want = numFeasibleNodesToFind(opts.percentageOfNodesToScore, nodes.length);
  const feasible: NodeInfo[] = [];
  let evaluated = 0;
  const len = nodes.length;
  const start = len === 0 ? 0 : state.nextStartNodeIndex % len;
  for (let i = 0; i < len && feasible.length < want; i++) {
    const n = nodes[(start + i) % len]!;
    evaluated++;
    const s = runFilters(pre.filters, n);
    if (!s) feasible.push(n);
    else {
      diagnosis.statuses.set(n.name, s);
      diagnosis.unschedulablePlugins.add(s.plugin);
    }
  }
  if (len > 0) state.nextStartNodeIndex = (start + evaluated) % len;
  if (feasible.length === 0) return { kind: "unschedulable", diagnosis };
  if (feasible.length === 1) return { kind: "scheduled", node: feasible[0]!.name, feasible: 1, evaluated };
  const totals = scoreNodes(profile, pod, feasible, snap);
  return { kind: "scheduled", node: feasible[selectHost(totals, opts.random)]!.name, feasible: feasible.length, evaluated };
}

/** Weighted sum of every score plugin's normalized scores, aligned with `nodes`. */
export function scoreNodes(profile: Profile, pod: PodInfo, nodes: NodeInfo[], snap: Snapshot): number[] {
  const totals = new Array<number>(nodes.length).fill(0);
  const raw = new Array<number>(nodes.length);
  for (const p of profile.scores) {
    const scorer = p.preScore(pod, nodes, snap);
    if (!scorer) continue;
    for (let i = 0; i < nodes.length; i++) raw[i] = scorer.score(nodes[i]!);
    scorer.normalize?.(raw, nodes);
    for (let i = 0; i < nodes.length; i++) totals[i] += raw[i]! * p.weight;
  }
  return totals;
}

/** The index of a highest score, chosen uniformly among ties (reservoir sampling, as kube's selectHost). */
export function selectHost(totals: number[], random: () => number): number {
  let best = 0;
  let ties = 1;
  for (let i = 1; i < totals.length; i++) {
    if (totals[i]! > totals[best]!) {
      best = i;
      ties = 1;
    } else if (totals[i] === totals[best]) {
      ties++;
      if (Math.floor(random() * ties) === 0) best = i;
    }
  }
  return best;
}

/** FitError.Error(): "0/N nodes are available: <prefilter msg | sorted reason counts>.[ <postfilter msg>]". */
export function fitErrorMessage(d: Pick<Diagnosis, "numAllNodes" | "statuses" | "absent" | "preFilterMsg">, postFilterMsg?: string): string {
  let msg = `0/${d.numAllNodes} nodes are available:`;
  if (d.preFilterMsg) msg += ` ${d.preFilterMsg}.`;
  else {
    const counts = new Map<string, number>();
    for (const s of d.statuses.values()) for (const r of s.reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
    const absentNodes = d.numAllNodes - d.statuses.size;
    if (absentNodes > 0 && d.absent) for (const r of d.absent.reasons) counts.set(r, (counts.get(r) ?? 0) + absentNodes);
    const entries = [...counts].map(([r, n]) => `${n} ${r}`).sort(byteOrder);
    if (entries.length > 0) msg += ` ${entries.join(", ")}.`;
  }
  if (postFilterMsg) msg += ` ${postFilterMsg}`;
  return msg;
}

const byteOrder = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export const PREEMPTION_NOT_HELPFUL = "Preemption is not helpful for scheduling";
export const NO_PREEMPTION_VICTIMS = "No preemption victims found for incoming pod";

/**
 * What DefaultPreemption's PostFilter would report, without evicting anything: "preemption: "
 * plus its own FitError over the nodes where removing lower-priority pods might help, or
 * undefined when some node would become feasible (kube would then preempt and add no text).
 */
export function preemptionMessage(profile: Profile, pod: PodInfo, snap: Snapshot, d: Diagnosis): string | undefined {
  if (pod.pod.spec?.preemptionPolicy === "Never") return "preemption: not eligible due to preemptionPolicy=Never.";
  const statuses = new Map<string, Status>();
  const notHelpful: Status = { code: "UnschedulableAndUnresolvable", reasons: [PREEMPTION_NOT_HELPFUL], plugin: "" };
  for (const n of snap.nodes) {
    const s = d.statuses.get(n.name) ?? d.absent;
    if (!s || s.code !== "Unschedulable") continue;
    const victims = n.pods.filter((p) => p.priority < pod.priority);
    if (victims.length === 0) {
      statuses.set(n.name, { code: "UnschedulableAndUnresolvable", reasons: [NO_PREEMPTION_VICTIMS], plugin: "" });
      continue;
    }
    const trial = cloneNodeInfo(n);
    for (const v of victims) removePodFromNode(trial, v.key);
    const view = overlay(snap, trial);
    const pre = runPreFilters(profile, pod, view);
    const s2 = pre.reject ?? runFilters(pre.filters, trial);
    if (!s2) return undefined;
    statuses.set(n.name, s2);
  }
  return "preemption: " + fitErrorMessage({ numAllNodes: snap.nodes.length, statuses, absent: notHelpful });
}

/** The snapshot with one node's info replaced (preemption's "what if these pods were gone"). */
function overlay(snap: Snapshot, replaced: NodeInfo): Snapshot {
  const nodes = snap.nodes.map((n) => (n.name === replaced.name ? replaced : n));
  return {
    nodes,
    get: (name) => (name === replaced.name ? replaced : snap.get(name)),
    namespaceLabels: (ns) => snap.namespaceLabels(ns),
    havePodsWithAffinity: () => nodes.filter((n) => n.podsWithAffinity.length > 0),
    havePodsWithRequiredAntiAffinity: () => nodes.filter((n) => n.podsWithRequiredAntiAffinity.length > 0),
  };
}
