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
  honorAffinity: boolean;
  honorTaints: boolean;
}

/** Answers a matcher over the labels the pod's services and controller select, or undefined when there are none. */
export type DefaultSelector = (pod: PodInfo) => ((labels: Record<string, string>) => boolean) | undefined;

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
    out.push(constraint(c, isEmptySelector(sel) ? undefined : selectorMatcher(sel)));
  }
  return out;
}

function constraint(c: Pick<TopologySpreadConstraint, "maxSkew" | "topologyKey" | "minDomains" | "nodeAffinityPolicy" | "nodeTaintsPolicy">, matches: Constraint["matches"]): Constraint {
  return {
    maxSkew: c.maxSkew,
    topologyKey: c.topologyKey,
    minDomains: c.minDomains ?? 1,
    matches,
    honorAffinity: (c.nodeAffinityPolicy ?? "Honor") === "Honor",
    honorTaints: c.nodeTaintsPolicy === "Honor",
  };
}

/** Matching, non-terminating pods of the pod's namespace on one node. */
export function countMatching(n: NodeInfo, c: Constraint, ns: string): number {
  if (!c.matches) return 0;
  let count = 0;
  for (const p of n.pods) if (!p.terminating && p.namespace === ns && c.matches(p.labels)) count++;
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
          ? [constraint({ maxSkew: 3, topologyKey: HOSTNAME }, m), constraint({ maxSkew: 5, topologyKey: ZONE }, m)]
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
        cs.forEach((c, i) => {
          if (c.topologyKey !== HOSTNAME) counts[i]!.set(n.labels[c.topologyKey] ?? "", 0);
        });
      }
      const weights = cs.map((c, i) => Math.log((c.topologyKey === HOSTNAME ? filtered.length - ignored.size : counts[i]!.size) + 2));
      const included = inclusionFor(pod);
      for (const n of snap.nodes) {
        if (requireAll && !hasAllKeys(n, cs)) continue;
        cs.forEach((c, i) => {
          if (c.topologyKey === HOSTNAME || !included(c, n)) return;
          const v = n.labels[c.topologyKey] ?? "";
          const cur = counts[i]!.get(v);
          if (cur === undefined) return;
          counts[i]!.set(v, cur + countMatching(n, c, pod.namespace));
        });
      }
      return {
        score(n) {
          if (ignored.has(n.name)) return 0;
          let s = 0;
          cs.forEach((c, i) => {
            const v = n.labels[c.topologyKey];
            if (v === undefined) return;
            const cnt = c.topologyKey === HOSTNAME ? countMatching(n, c, pod.namespace) : (counts[i]!.get(v) ?? 0);
            s += cnt * weights[i]! + (c.maxSkew - 1);
          });
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
