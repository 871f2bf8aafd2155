/** Shared pieces of the plugins: kube's DefaultNormalizeScore and toleration matching. */
import { MAX_NODE_SCORE, type Status, type Taint, type Toleration } from "../types.js";

/**
 * Scales raw scores so the largest becomes 100 (integer arithmetic, as kube's
 * helper.DefaultNormalizeScore); `reverse` turns "more is worse" counts into scores.
 */
export function defaultNormalizeScore(scores: number[], reverse: boolean, max = MAX_NODE_SCORE): void {
  let top = 0;
  for (const s of scores) if (s > top) top = s;
  if (top === 0) {
    if (reverse) scores.fill(max);
    return;
  }
  for (let i = 0; i < scores.length; i++) {
    const s = Math.trunc((max * scores[i]!) / top);
    scores[i] = reverse ? max - s : s;
  }
}

/** Toleration.ToleratesTaint: effect and key (when set) equal; Exists matches any value, Equal the same value. */
export function toleratesTaint(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  switch (t.operator ?? "") {
    case "":
    case "Equal":
      return (t.value ?? "") === (taint.value ?? "");
    case "Exists":
      return true;
    default:
      return false;
  }
}

export function tolerationsTolerate(ts: Toleration[] | null | undefined, taint: Taint): boolean {
  if (!ts) return false;
  for (const t of ts) if (toleratesTaint(t, taint)) return true;
  return false;
}

export const unschedulable = (plugin: string, ...reasons: string[]): Status => ({ code: "Unschedulable", reasons, plugin });
export const unresolvable = (plugin: string, ...reasons: string[]): Status => ({ code: "UnschedulableAndUnresolvable", reasons, plugin });
