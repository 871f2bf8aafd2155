/**
 * The plugins that look at one node at a time: NodeUnschedulable, NodeName, TaintToleration
 * (filter and PreferNoSchedule score) and NodePorts. Reasons are kube 1.32's texts.
 */
import type { FilterPlugin, HostPort, ScorePlugin, Taint } from "../types.js";
import { defaultNormalizeScore, tolerationsTolerate, unresolvable, unschedulable } from "./helper.js";

export const ERR_REASON_UNSCHEDULABLE = "node(s) were unschedulable";
export const ERR_REASON_NODE_NAME = "node(s) didn't match the requested node name";
export const ERR_REASON_NODE_PORTS = "node(s) didn't have free ports for the requested pod ports";

const unschedulableTaint: Taint = { key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" };

export const nodeUnschedulable: FilterPlugin = {
  name: "NodeUnschedulable",
  preFilter(pod) {
    const tolerates = tolerationsTolerate(pod.pod.spec?.tolerations, unschedulableTaint);
    if (tolerates) return { kind: "skip" };
    const status = unresolvable("NodeUnschedulable", ERR_REASON_UNSCHEDULABLE);
    return { kind: "filter", filter: (n) => (n.unschedulable ? status : undefined) };
  },
};

export const nodeName: FilterPlugin = {
  name: "NodeName",
  preFilter(pod) {
    const want = pod.pod.spec?.nodeName;
    if (!want) return { kind: "skip" };
    const status = unresolvable("NodeName", ERR_REASON_NODE_NAME);
    return { kind: "filter", filter: (n) => (n.name === want ? undefined : status) };
  },
};

/** The first NoSchedule/NoExecute taint (in node order) the tolerations do not tolerate. */
export function untoleratedTaint(taints: Taint[], tolerations: Parameters<typeof tolerationsTolerate>[0]): Taint | undefined {
  for (const t of taints) {
    if (t.effect !== "NoSchedule" && t.effect !== "NoExecute") continue;
    if (!tolerationsTolerate(tolerations, t)) return t;
  }
  return undefined;
}

export const taintTolerationFilter: FilterPlugin = {
  name: "TaintToleration",
  preFilter(pod) {
    const tolerations = pod.pod.spec?.tolerations;
    return {
      kind: "filter",
      filter: (n) => {
        if (n.taints.length === 0) return undefined;
        const t = untoleratedTaint(n.taints, tolerations);
        return t ? unresolvable("TaintToleration", `node(s) had untolerated taint {${t.key}: ${t.value ?? ""}}`) : undefined;
      },
    };
  },
};

export const taintTolerationScore: ScorePlugin = {
  name: "TaintToleration",
  weight: 3,
  preScore(pod) {
    const prefer = (pod.pod.spec?.tolerations ?? []).filter((t) => !t.effect || t.effect === "PreferNoSchedule");
    return {
      score(n) {
        let count = 0;
        for (const t of n.taints) if (t.effect === "PreferNoSchedule" && !tolerationsTolerate(prefer, t)) count++;
        return count;
      },
      normalize: (scores) => defaultNormalizeScore(scores, true),
    };
  },
};

/** HostPortInfo.CheckConflict: 0.0.0.0 on either side conflicts with any address. */
export function portConflicts(used: HostPort[], want: HostPort): boolean {
  for (const u of used) {
    if (u.port !== want.port || u.protocol !== want.protocol) continue;
    if (want.ip === "0.0.0.0" || u.ip === "0.0.0.0" || u.ip === want.ip) return true;
  }
  return false;
}

export const nodePorts: FilterPlugin = {
  name: "NodePorts",
  preFilter(pod) {
    const wanted = pod.hostPorts;
    if (wanted.length === 0) return { kind: "skip" };
    const status = unschedulable("NodePorts", ERR_REASON_NODE_PORTS);
    return {
      kind: "filter",
      filter: (n) => {
        for (const w of wanted) if (portConflicts(n.usedPorts, w)) return status;
        return undefined;
      },
    };
  },
};
