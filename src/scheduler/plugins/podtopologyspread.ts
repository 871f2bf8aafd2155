/**
 * PodTopologySpread as kube 1.32: DoNotSchedule constraints filter by skew against the
 * least-loaded domain (with minDomains and the node inclusion policies); ScheduleAnyway
 * constraints, or the system defaults (hostname maxSkew 3, zone maxSkew 5, selecting the
 * pod's services and controller) when the pod has none, score by matching pods per domain.
 */
import { selectorMatcher } from "../cache.js";
import type { FilterPlugin, MetaLabelSelectorJSON, NodeInfo, PodInfo, ScorePlugin, TopologySpreadConstraint } from "../types.js";
import { MAX_NODE_SCORE } from "../types.js";
import { requiredNodeAffinity } from "./nodeaffinity.js";
import { untoleratedTaint } from "./node.js";
import { unresolvable, unschedulable } from "./helper.js";

export const ERR_REASON_CONSTRAINTS = "node(s) didn't match pod topology spread constraints";
export const ERR_REASON_MISSING_LABEL = "node(s) didn't match pod topology spread constraints (missing required label)";

const HOSTNAME = "kubernetes.io/hostname";
const ZONE = "topology.kubernetes.io/zone";

export interface Constraint {
  maxSkew: number;
  topologyKey: string;
  minDomains: number;
  /** undefined: the selector is empty or selects nothing, so no pod is ever counted. */
  matches: ((labels: Record<string, string>) => boolean) | undefined;
  /**
   * Names the namespace and selector across cycles (equal keys, equal pods counted): per-node
   * counts are memoized under it.
   */
  key?: string;
  honorAffinity: boolean;
  honorTaints: boolean;
}

/**
 * Answers a matcher over the labels the pod's services and controller select, or undefined when
 * there are none; `key` names the selectors it was built from (equal keys must select alike).
 */
export type DefaultSelector = (pod: PodInfo) => { matches: (labels: Record<string, string>) => boolean; key?: string } | undefined;

function isEmptySelector(sel: MetaLabelSelectorJSON | null | undefined): boolean {
  return !sel || (Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0);
}

export function constraintsOf(pod: PodInfo, action: "DoNotSchedule" | "ScheduleAnyway"): Constraint[] {
  const out: Constraint[] = [];
  for (const c of pod.pod.spec?.topologySpreadConstraints ?? []) {
    if (c.whenUnsatisfiable !== action) continue;
    let sel = c.labelSelector;
    const keys = (c.matchLabelKeys ?? []).filter((k) => k in pod.labels);
    if (sel && keys.length > 0) {
      sel = { ...sel, matchExpressions: [...(sel.matchExpressions ?? []), ...keys.map((k) => ({ key: k, operator: "In", values: [pod.labels[k]!] }))] };
    }
    out.push(constraint(c, isEmptySelector(sel) ? undefined : selectorMatcher(sel), `${pod.namespace}\u0000c ${JSON.stringify(sel)}`));
  }
  return out;
}

function constraint(c: Pick<TopologySpreadConstraint, "maxSkew" | "topologyKey" | "minDomains" | "nodeAffinityPolicy" | "nodeTaintsPolicy">, matches: Constraint["matches"], key?: string): Constraint {
  return {
    maxSkew: c.maxSkew,
    topologyKey: c.topologyKey,
    minDomains: c.minDomains ?? 1,
    matches,
    ...(key !== undefined ? { key } : {}),
    honorAffinity: (c.nodeAffinityPolicy ?? "Honor") === "Honor",
    honorTaints: c.nodeTaintsPolicy === "Honor",
  };
}

/**
 * Matching, non-terminating pods of the pod's namespace on one node. Every cycle asks this of
 * every node (kube does too, in parallel); a node whose pods did not change since it was last
 * asked with the same selector answers from its memo, so a cycle costs O(nodes), not O(pods).
 */
export function countMatching(n: NodeInfo, c: Constraint, ns: string): number {
  const matches = c.matches;
  if (!matches) return 0;
  if (c.key === undefined || n.generation === undefined) return countPods(n, matches, ns);
  const memo = (n.matchCounts ??= new Map());
  const k = c.key;
  const hit = memo.get(k);
  if (hit !== undefined && hit.generation === n.generation) return hit.count;
  const count = countPods(n, matches, ns);
  if (hit !== undefined) {
    hit.generation = n.generation;
    hit.count = count;
  } else {
    // Selectors of deleted workloads would pile up; a full memo starts over.
    if (memo.size >= 64) memo.clear();
    memo.set(k, { generation: n.generation, count });
  }
  return count;
}

function countPods(n: NodeInfo, matches: (labels: Record<string, string>) => boolean, ns: string): number {
  let count = 0;
  for (const p of n.pods) if (!p.terminating && p.namespace === ns && matches(p.labels)) count++;
  return count;
}

const hasAllKeys = (n: NodeInfo, cs: Constraint[]): boolean => cs.every((c) => c.topologyKey in n.labels);

function inclusionFor(pod: PodInfo): (c: Constraint, n: NodeInfo) => boolean {
  const affinity = requiredNodeAffinity(pod.pod);
  const tolerations = pod.pod.spec?.tolerations;
  return (c, n) => {
    if (c.honorAffinity && affinity && !affinity(n)) return false;
    if (c.honorTaints && untoleratedTaint(n.taints, tolerations)) return false;
    return true;
  };
}

export const podTopologySpreadFilter: FilterPlugin = {
  name: "PodTopologySpread",
  preFilter(pod, snap) {
    const cs = constraintsOf(pod, "DoNotSchedule");
    if (cs.length === 0) return { kind: "skip" };
    const included = inclusionFor(pod);
    // Per constraint: topology value -> matching pods, over nodes with every key that the policies admit.
    const counts = cs.map(() => new Map<string, number>());
    for (const n of snap.nodes) {
      if (!hasAllKeys(n, cs)) continue;
      cs.forEach((c, i) => {
        if (!included(c, n)) return;
        const v = n.labels[c.topologyKey]!;
        counts[i]!.set(v, (counts[i]!.get(v) ?? 0) + countMatching(n, c, pod.namespace));
      });
    }
    const mins = counts.map((m, i) => {
      if (m.size < cs[i]!.minDomains) return 0;
      let min = Number.MAX_SAFE_INTEGER;
      for (const v of m.values()) if (v < min) min = v;
      return min;
    });
    const selfMatch = cs.map((c) => (c.matches && c.matches(pod.labels) ? 1 : 0));
    const missing = unresolvable("PodTopologySpread", ERR_REASON_MISSING_LABEL);
    const skewed = unschedulable("PodTopologySpread", ERR_REASON_CONSTRAINTS);
    return {
      kind: "filter",
      filter(n) {
        for (let i = 0; i < cs.length; i++) {
          const v = n.labels[cs[i]!.topologyKey];
          if (v === undefined) return missing;
          const skew = (counts[i]!.get(v) ?? 0) + selfMatch[i]! - mins[i]!;
          if (skew > cs[i]!.maxSkew) return skewed;
        }
        return undefined;
      },
    };
  },
};

/** The score plugin; `defaultSelector` supplies the system default constraints' selector. */
export function podTopologySpreadScore(defaultSelector: DefaultSelector = () => undefined): ScorePlugin {
  return {
    name: "PodTopologySpread",
    weight: 2,
    preScore(pod, filtered, snap) {
      const explicit = (pod.pod.spec?.topologySpreadConstraints ?? []).length > 0;
      let cs: Constraint[];
      if (explicit) cs = constraintsOf(pod, "ScheduleAnyway");
      else {
        const m = defaultSelector(pod);
        cs = m
          ? (() => {
              const key = m.key === undefined ? undefined : `${pod.namespace}\u0000d ${m.key}`;
              return [constraint({ maxSkew: 3, topologyKey: HOSTNAME }, m.matches, key), constraint({ maxSkew: 5, topologyKey: ZONE }, m.matches, key)];
            })()
          : [];
      }
      if (cs.length === 0) return undefined;
      // Only explicit constraints require every key; system defaults spread by hostname even without zones.
      const requireAll = explicit;
      const ignored = new Set<string>();
      const counts = cs.map(() => new Map<string, number>());
      for (const n of filtered) {
        if (requireAll && !hasAllKeys(n, cs)) {
          ignored.add(n.name);
          continue;
        }
        for (let i = 0; i < cs.length; i++) {
          const k = cs[i]!.topologyKey;
          if (k !== HOSTNAME) counts[i]!.set(n.labels[k] ?? "", 0);
        }
      }
      const weights = cs.map((c, i) => Math.log((c.topologyKey === HOSTNAME ? filtered.length - ignored.size : counts[i]!.size) + 2));
      // Domain totals over every node (hostname domains are counted per node in score()).
      const domainWide = cs.map((c, i) => ({ c, i })).filter(({ c }) => c.topologyKey !== HOSTNAME);
      if (domainWide.length > 0) {
        const affinity = requiredNodeAffinity(pod.pod);
        const scan: typeof domainWide = [];
        for (const d of domainWide) {
          const { c, i } = d;
          // Every node counts alike for this pod (no inclusion policy narrows them): the
          // snapshot's running totals stand in for a pass over all nodes.
          if (snap.domainTotals && c.key !== undefined && !(c.honorAffinity && affinity) && !c.honorTaints) {
            const totals = snap.domainTotals(c.key, c.topologyKey, requireAll ? cs.map((x) => x.topologyKey) : [], (n) => countMatching(n, c, pod.namespace));
            for (const [v, cur] of counts[i]!) counts[i]!.set(v, cur + (totals.get(v) ?? 0));
          } else scan.push(d);
        }
        if (scan.length > 0) {
          const included = inclusionFor(pod);
          for (const n of snap.nodes) {
            if (requireAll && !hasAllKeys(n, cs)) continue;
            for (const { c, i } of scan) {
              if (!included(c, n)) continue;
              const v = n.labels[c.topologyKey] ?? "";
              const cur = counts[i]!.get(v);
              if (cur === undefined) continue;
              counts[i]!.set(v, cur + countMatching(n, c, pod.namespace));
            }
          }
        }
      }
      return {
        score(n) {
          if (ignored.has(n.name)) return 0;
          let s = 0;
          for (let i = 0; i < cs.length; i++) {
            const c = cs[i]!;
            const v = n.labels[c.topologyKey];
            if (v === undefined) continue;
            const cnt = c.topologyKey === HOSTNAME ? countMatching(n, c, pod.namespace) : (counts[i]!.get(v) ?? 0);
            s += cnt * weights[i]! + (c.maxSkew - 1);
          }
          return Math.round(s);
        },
        normalize(scores, nodes) {
          let min = Number.MAX_SAFE_INTEGER;
          let max = 0;
          scores.forEach((s, i) => {
            if (ignored.has(nodes[i]!.name)) return;
            if (s < min) min = s;
            if (s > max) max = s;
          });
          for (let i = 0; i < scores.length; i++) {
            if (ignored.has(nodes[i]!.name)) scores[i] = 0;
            else if (max === 0) scores[i] = MAX_NODE_SCORE;
            else scores[i] = Math.trunc((MAX_NODE_SCORE * (max + min - scores[i]!)) / max);
          }
        },
      };
    },
  };
}
