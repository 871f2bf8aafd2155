/**
 * InterPodAffinity as kube 1.32: required affinity / anti-affinity of the incoming pod and the
 * required anti-affinity of pods already placed (filter), and preferred terms of both sides
 * plus existing pods' required affinity at weight 1 (score). Counts are kept per topology pair
 * "key\0value", computed once per pod at PreFilter/PreScore.
 */
import { termMatches } from "../cache.js";
import { MAX_NODE_SCORE, type AffinityTerm, type FilterPlugin, type NodeInfo, type PodInfo, type ScorePlugin, type Snapshot } from "../types.js";
import { unresolvable, unschedulable } from "./helper.js";

export const ERR_REASON_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules";
export const ERR_REASON_AFFINITY = "node(s) didn't match pod affinity rules";
export const ERR_REASON_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules";

const HARD_POD_AFFINITY_WEIGHT = 1;
const pair = (k: string, v: string): string => `${k}\x00${v}`;
const bump = (m: Map<string, number>, k: string, by = 1): void => void m.set(k, (m.get(k) ?? 0) + by);

function matchesAll(terms: AffinityTerm[], p: PodInfo, snap: Snapshot): boolean {
  if (terms.length === 0) return false;
  const ns = snap.namespaceLabels(p.namespace);
  for (const t of terms) if (!termMatches(t, p, ns)) return false;
  return true;
}

export interface AffinityCounts {
  existingAnti: Map<string, number>;
  affinity: Map<string, number>;
  anti: Map<string, number>;
}

/** PreFilter's three maps: existing pods' anti-affinity matching the pod, and the pod's own terms over existing pods. */
export function affinityCounts(pod: PodInfo, snap: Snapshot): AffinityCounts {
  const existingAnti = new Map<string, number>();
  const podNs = snap.namespaceLabels(pod.namespace);
  for (const n of snap.havePodsWithRequiredAntiAffinity()) {
    for (const e of n.podsWithRequiredAntiAffinity) {
      for (const t of e.requiredAntiAffinity) {
        if (!termMatches(t, pod, podNs)) continue;
        const v = n.labels[t.topologyKey];
        if (v !== undefined) bump(existingAnti, pair(t.topologyKey, v));
      }
    }
  }
  const affinity = new Map<string, number>();
  const anti = new Map<string, number>();
  if (pod.requiredAffinity.length > 0 || pod.requiredAntiAffinity.length > 0) {
    for (const n of snap.nodes) {
      for (const e of n.pods) {
        if (pod.requiredAffinity.length > 0 && matchesAll(pod.requiredAffinity, e, snap)) {
          for (const t of pod.requiredAffinity) {
            const v = n.labels[t.topologyKey];
            if (v !== undefined) bump(affinity, pair(t.topologyKey, v));
          }
        }
        if (pod.requiredAntiAffinity.length > 0) {
          const ns = snap.namespaceLabels(e.namespace);
          for (const t of pod.requiredAntiAffinity) {
            if (!termMatches(t, e, ns)) continue;
            const v = n.labels[t.topologyKey];
            if (v !== undefined) bump(anti, pair(t.topologyKey, v));
          }
        }
      }
    }
  }
  return { existingAnti, affinity, anti };
}

export function satisfiesPodAffinity(pod: PodInfo, c: AffinityCounts, n: NodeInfo, snap: Snapshot): boolean {
  let podsExist = true;
  for (const t of pod.requiredAffinity) {
    const v = n.labels[t.topologyKey];
    if (v === undefined) return false;
    if ((c.affinity.get(pair(t.topologyKey, v)) ?? 0) <= 0) podsExist = false;
  }
  // The first pod of a group that wants to be with itself may go anywhere with the topology.
  if (!podsExist) return c.affinity.size === 0 && matchesAll(pod.requiredAffinity, pod, snap);
  return true;
}

export function satisfiesPodAntiAffinity(pod: PodInfo, c: AffinityCounts, n: NodeInfo): boolean {
  for (const t of pod.requiredAntiAffinity) {
    const v = n.labels[t.topologyKey];
    if (v !== undefined && (c.anti.get(pair(t.topologyKey, v)) ?? 0) > 0) return false;
  }
  return true;
}

export function satisfiesExistingAntiAffinity(c: AffinityCounts, n: NodeInfo): boolean {
  if (c.existingAnti.size === 0) return true;
  for (const k in n.labels) if ((c.existingAnti.get(pair(k, n.labels[k]!)) ?? 0) > 0) return false;
  return true;
}

export const interPodAffinityFilter: FilterPlugin = {
  name: "InterPodAffinity",
  preFilter(pod, snap) {
    const c = affinityCounts(pod, snap);
    if (c.existingAnti.size === 0 && pod.requiredAffinity.length === 0 && pod.requiredAntiAffinity.length === 0) return { kind: "skip" };
    const affinityFail = unresolvable("InterPodAffinity", ERR_REASON_AFFINITY);
    const antiFail = unschedulable("InterPodAffinity", ERR_REASON_ANTI_AFFINITY);
    const existingFail = unschedulable("InterPodAffinity", ERR_REASON_EXISTING_ANTI_AFFINITY);
    return {
      kind: "filter",
      filter(n) {
        if (!satisfiesPodAffinity(pod, c, n, snap)) return affinityFail;
        if (!satisfiesPodAntiAffinity(pod, c, n)) return antiFail;
        if (!satisfiesExistingAntiAffinity(c, n)) return existingFail;
        return undefined;
      },
    };
  },
};

export const interPodAffinityScore: ScorePlugin = {
  name: "InterPodAffinity",
  weight: 2,
  preScore(pod, _nodes, snap) {
    const hasConstraints = pod.preferredAffinity.length > 0 || pod.preferredAntiAffinity.length > 0;
    const topo = new Map<string, Map<string, number>>();
    const add = (key: string, value: string | undefined, by: number): void => {
      if (value === undefined) return;
      let m = topo.get(key);
      if (!m) topo.set(key, (m = new Map()));
      m.set(value, (m.get(value) ?? 0) + by);
    };
    const podNs = snap.namespaceLabels(pod.namespace);
    const nodes = hasConstraints ? snap.nodes : snap.havePodsWithAffinity();
    for (const n of nodes) {
      if (Object.keys(n.labels).length === 0) continue;
      const pods = hasConstraints ? n.pods : n.podsWithAffinity;
      for (const e of pods) {
        const eNs = snap.namespaceLabels(e.namespace);
        for (const t of pod.preferredAffinity) if (termMatches(t, e, eNs)) add(t.topologyKey, n.labels[t.topologyKey], t.weight);
        for (const t of pod.preferredAntiAffinity) if (termMatches(t, e, eNs)) add(t.topologyKey, n.labels[t.topologyKey], -t.weight);
        for (const t of e.requiredAffinity) if (termMatches(t, pod, podNs)) add(t.topologyKey, n.labels[t.topologyKey], HARD_POD_AFFINITY_WEIGHT);
        for (const t of e.preferredAffinity) if (termMatches(t, pod, podNs)) add(t.topologyKey, n.labels[t.topologyKey], t.weight);
        for (const t of e.preferredAntiAffinity) if (termMatches(t, pod, podNs)) add(t.topologyKey, n.labels[t.topologyKey], -t.weight);
      }
    }
    if (topo.size === 0) return undefined;
    return {
      score(n) {
        let s = 0;
        for (const [key, values] of topo) {
          const v = n.labels[key];
          if (v !== undefined) s += values.get(v) ?? 0;
        }
        return s;
      },
      normalize(scores) {
        let min = Infinity;
        let max = -Infinity;
        for (const s of scores) {
          if (s < min) min = s;
          if (s > max) max = s;
        }
        const diff = max - min;
        for (let i = 0; i < scores.length; i++) scores[i] = diff > 0 ? Math.trunc(MAX_NODE_SCORE * ((scores[i]! - min) / diff)) : 0;
      },
    };
  },
};
