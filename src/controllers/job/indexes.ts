/**
 * Completion indexes of Indexed Jobs: the "1,3-5,7" interval strings of status.completedIndexes
 * and the index a pod carries in its batch.kubernetes.io/job-completion-index annotation.
 */
import type { KObject } from "../../client/types.js";
import { JOB_COMPLETION_INDEX } from "./api.js";

/** -1 when the pod has no valid index annotation (kube's unknownCompletionIndex). */
export function completionIndexOf(pod: KObject): number {
  const v = pod.metadata.annotations?.[JOB_COMPLETION_INDEX];
  if (v === undefined || !/^[0-9]+$/.test(v)) return -1;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : -1;
}

/** Parses an interval string, keeping only indexes below `completions`; malformed parts are skipped. */
export function parseIndexes(s: string | undefined, completions: number): Set<number> {
  const out = new Set<number>();
  if (!s) return out;
  for (const part of s.split(",")) {
    const m = /^([0-9]+)(?:-([0-9]+))?$/.exec(part.trim());
    if (!m) continue;
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    for (let i = lo; i <= hi && i < completions; i++) out.add(i);
  }
  return out;
}

/** The interval string of a set of indexes, ascending: {1,3,4,5,7} -> "1,3-5,7". */
export function formatIndexes(indexes: Iterable<number>): string {
  const sorted = [...new Set(indexes)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(",");
}

/** The lowest `count` indexes below `completions` that are neither done nor held by an active pod. */
export function firstPendingIndexes(done: Set<number>, activePods: KObject[], count: number, completions: number): number[] {
  const taken = new Set(done);
  for (const p of activePods) taken.add(completionIndexOf(p));
  const out: number[] = [];
  for (let i = 0; i < completions && out.length < count; i++) if (!taken.has(i)) out.push(i);
  return out;
}
