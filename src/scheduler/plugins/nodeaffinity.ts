/**
 * NodeAffinity: spec.nodeSelector and required node affinity as a filter (with kube's
 * PreFilter shortcut for matchFields metadata.name), preferred terms as a score.
 */
import type { FilterPlugin, NodeInfo, NodeSelectorRequirement, NodeSelectorTerm, Pod, ScorePlugin } from "../types.js";
import { defaultNormalizeScore, unresolvable } from "./helper.js";

export const ERR_REASON_POD = "node(s) didn't match Pod's node affinity/selector";
export const ERR_REASON_CONFLICT = "pod affinity terms conflict";

const int64 = /^[+-]?\d+$/;

function requirementMatches(r: NodeSelectorRequirement, value: string | undefined): boolean {
  const has = value !== undefined;
  const values = r.values ?? [];
  switch (r.operator) {
    case "In":
      return has && values.includes(value);
    case "NotIn":
      return !has || !values.includes(value);
    case "Exists":
      return has;
    case "DoesNotExist":
      return !has;
    case "Gt":
    case "Lt": {
      if (!has || values.length !== 1 || !int64.test(value) || !int64.test(values[0]!)) return false;
      const a = BigInt(value);
      const b = BigInt(values[0]!);
      return r.operator === "Gt" ? a > b : a < b;
    }
    default:
      return false;
  }
}

/** One NodeSelectorTerm: its expressions and fields ANDed; a term with neither matches nothing. */
export function termMatches(t: NodeSelectorTerm, node: NodeInfo): boolean {
  const exprs = t.matchExpressions ?? [];
  const fields = t.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  for (const r of exprs) if (!requirementMatches(r, Object.prototype.hasOwnProperty.call(node.labels, r.key) ? node.labels[r.key] : undefined)) return false;
  for (const r of fields) {
    // Only metadata.name is a selectable node field, with In and NotIn.
    if (r.key !== "metadata.name" || (r.operator !== "In" && r.operator !== "NotIn")) return false;
    if (!requirementMatches(r, node.name)) return false;
  }
  return true;
}

/** nodeaffinity.GetRequiredNodeAffinity(pod).Match: nodeSelector labels and any required term. */
export function requiredNodeAffinity(pod: Pod): ((node: NodeInfo) => boolean) | undefined {
  const sel = pod.spec?.nodeSelector;
  const req = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  const selEntries = sel ? Object.entries(sel) : [];
  if (selEntries.length === 0 && !req) return undefined;
  const terms = req?.nodeSelectorTerms ?? [];
  return (node) => {
    for (const [k, v] of selEntries) if (node.labels[k] !== v) return false;
    if (!req) return true;
    for (const t of terms) if (termMatches(t, node)) return true;
    return false;
  };
}

export const nodeAffinityFilter: FilterPlugin = {
  name: "NodeAffinity",
  preFilter(pod) {
    const spec = pod.pod.spec ?? {};
    const req = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
    const match = requiredNodeAffinity(pod.pod);
    if (!match && !spec.nodeSelector) return { kind: "skip" };
    const status = unresolvable("NodeAffinity", ERR_REASON_POD);
    const filter = (n: NodeInfo) => (!match || match(n) ? undefined : status);
    const terms = req?.nodeSelectorTerms ?? [];
    if (terms.length === 0) return { kind: "filter", filter };
    // Terms that all pin metadata.name narrow the nodes to look at.
    let names: Set<string> | undefined;
    for (const t of terms) {
      let termNames: Set<string> | undefined;
      for (const r of t.matchFields ?? []) {
        if (r.key !== "metadata.name" || r.operator !== "In") continue;
        const s = new Set(r.values ?? []);
        termNames = termNames ? new Set([...termNames].filter((x) => s.has(x))) : s;
      }
      if (!termNames) return { kind: "filter", filter };
      names = new Set([...(names ?? []), ...termNames]);
    }
    if (names && names.size === 0) return { kind: "reject", status: unresolvable("NodeAffinity", ERR_REASON_CONFLICT) };
    return { kind: "filter", filter, nodeNames: names };
  },
};

export const nodeAffinityScore: ScorePlugin = {
  name: "NodeAffinity",
  weight: 2,
  preScore(pod) {
    const prefs = (pod.pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).filter(
      (p) => p.weight !== 0 && ((p.preference.matchExpressions ?? []).length > 0 || (p.preference.matchFields ?? []).length > 0),
    );
    if (prefs.length === 0) return undefined;
    return {
      score(n) {
        let s = 0;
        for (const p of prefs) if (termMatches(p.preference, n)) s += p.weight;
        return s;
      },
      normalize: (scores) => defaultNormalizeScore(scores, false),
    };
  },
};
