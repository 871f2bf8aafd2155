/**
 * The namespace controller's decisions over plain data (kube's namespace deletion package):
 * which discovered resources to empty, how long graceful pods may still take, and the five
 * deletion conditions on status, with kube 1.32's reasons and messages.
 */
import type { DiscoveredResource, KObject } from "../../client/types.js";

/** The finalizer in spec.finalizers that this controller owns. */
export const FINALIZER_KUBERNETES = "kubernetes";
/** Time given to admission caches and terminating pods before a deleted namespace is processed (kube's namespaceDeletionGracePeriod). */
export const NAMESPACE_DELETION_GRACE_MS = 5000;
/** Assumed time for finalizers on remaining items to finish (kube's finalizerEstimateSeconds). */
export const FINALIZER_ESTIMATE_SECONDS = 15;

export interface NamespaceCondition {
  type: string;
  status: "True" | "False" | "Unknown";
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export const CONDITION_TYPES = [
  "NamespaceDeletionDiscoveryFailure",
  "NamespaceDeletionGroupVersionParsingFailure",
  "NamespaceDeletionContentFailure",
  "NamespaceContentRemaining",
  "NamespaceFinalizersRemaining",
] as const;
export type NamespaceConditionType = (typeof CONDITION_TYPES)[number];

/** The "all is well" variant each condition takes when nothing failed. */
const OK: Record<NamespaceConditionType, { reason: string; message: string }> = {
  NamespaceDeletionDiscoveryFailure: { reason: "ResourcesDiscovered", message: "All resources successfully discovered" },
  NamespaceDeletionGroupVersionParsingFailure: { reason: "ParsedGroupVersions", message: "All legacy kube types successfully parsed" },
  NamespaceDeletionContentFailure: { reason: "ContentDeleted", message: "All content successfully deleted, may be waiting on finalization" },
  NamespaceContentRemaining: { reason: "ContentRemoved", message: "All content successfully removed" },
  NamespaceFinalizersRemaining: { reason: "ContentRemoved", message: "All content successfully removed" },
};

/** Namespaced resources the controller empties: one version per group/resource (the first discovery lists, its preferred one), with delete. */
export function deletableResources(resources: DiscoveredResource[]): DiscoveredResource[] {
  const seen = new Set<string>();
  const out: DiscoveredResource[] = [];
  for (const r of resources) {
    if (!r.namespaced || !r.verbs.includes("delete")) continue;
    const k = `${r.group}/${r.resource}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(r);
  }
  return out;
}

/** kube prints a GroupVersionResource with %v as "apps/v1, Resource=deployments" ("/v1, ..." for core). */
export function gvrString(r: { group: string; version: string; resource: string }): string {
  return `${r.group}/${r.version}, Resource=${r.resource}`;
}

/**
 * Seconds graceful pods may still need: the longest terminationGracePeriodSeconds of the
 * non-terminal pods, or 0 once that long has passed since the namespace's deletion.
 */
export function podGraceEstimate(pods: KObject[], namespaceDeletedAtMs: number, nowMs: number): number {
  let estimate = 0;
  for (const p of pods) {
    const phase = (p.status as { phase?: string } | undefined)?.phase;
    if (phase === "Succeeded" || phase === "Failed") continue;
    const grace = (p.spec as { terminationGracePeriodSeconds?: number } | undefined)?.terminationGracePeriodSeconds;
    if (typeof grace === "number" && grace > estimate) estimate = grace;
  }
  return nowMs - namespaceDeletedAtMs >= estimate * 1000 ? 0 : estimate;
}

/** What remains of one resource after a deletion pass. */
export interface Remaining {
  resource: { group: string; version: string; resource: string };
  count: number;
  /** finalizer -> how many remaining items carry it */
  finalizers: Map<string, number>;
}

export function finalizerCounts(items: KObject[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const it of items) for (const f of it.metadata.finalizers ?? []) m.set(f, (m.get(f) ?? 0) + 1);
  return m;
}

/** Failure conditions found in one pass, before they are merged into status. */
export interface DeletionFindings {
  discoveryError?: string;
  contentErrors: string[];
  remaining: Remaining[];
}

/** The failing ("True") conditions one pass found; types missing here take their OK variant. */
export function failureConditions(f: DeletionFindings, now: string): NamespaceCondition[] {
  const out: NamespaceCondition[] = [];
  if (f.discoveryError !== undefined) {
    out.push({ type: "NamespaceDeletionDiscoveryFailure", status: "True", lastTransitionTime: now, reason: "DiscoveryFailed", message: f.discoveryError });
  }
  const withItems = f.remaining.filter((r) => r.count > 0);
  if (withItems.length > 0) {
    const parts = withItems.map((r) => `${r.resource.resource}.${r.resource.group} has ${r.count} resource instances`).sort();
    out.push({ type: "NamespaceContentRemaining", status: "True", lastTransitionTime: now, reason: "SomeResourcesRemain", message: `Some resources are remaining: ${parts.join(", ")}` });
  }
  const byFinalizer = new Map<string, number>();
  for (const r of withItems) for (const [fin, n] of r.finalizers) byFinalizer.set(fin, (byFinalizer.get(fin) ?? 0) + n);
  const finParts = [...byFinalizer].filter(([, n]) => n > 0).map(([fin, n]) => `${fin} in ${n} resource instances`).sort();
  if (finParts.length > 0) {
    out.push({ type: "NamespaceFinalizersRemaining", status: "True", lastTransitionTime: now, reason: "SomeFinalizerRemain", message: `Some finalizers are remaining: ${finParts.join(", ")}` });
  }
  if (f.contentErrors.length > 0) {
    const msgs = [...f.contentErrors].sort();
    out.push({
      type: "NamespaceDeletionContentFailure",
      status: "True",
      lastTransitionTime: now,
      reason: "ContentDeletionFailed",
      message: `Failed to delete all resource types, ${msgs.length} remaining: ${msgs.join(", ")}`,
    });
  }
  return out;
}

/**
 * Merges a pass's failing conditions into the namespace's conditions: every managed type is set,
 * to its failure or its OK variant; lastTransitionTime moves only when the status flips.
 * Answers the new list and whether anything changed.
 */
export function mergeConditions(current: NamespaceCondition[] | undefined, failures: NamespaceCondition[], now: string): { conditions: NamespaceCondition[]; changed: boolean } {
  const conditions = (current ?? []).map((c) => ({ ...c }));
  let changed = false;
  for (const type of CONDITION_TYPES) {
    const want = failures.find((c) => c.type === type) ?? { type, status: "False" as const, lastTransitionTime: now, ...OK[type] };
    const old = conditions.find((c) => c.type === type);
    if (!old) {
      conditions.push(want);
      changed = true;
    } else if (old.status !== want.status || old.message !== want.message || old.reason !== want.reason) {
      if (old.status !== want.status) old.lastTransitionTime = now;
      old.status = want.status;
      old.reason = want.reason;
      old.message = want.message;
      changed = true;
    }
  }
  return { conditions, changed };
}

/** kube requeues a namespace with content left after half the estimate, plus a second. */
export function requeueAfterMs(estimateSeconds: number): number {
  return (Math.floor(estimateSeconds / 2) + 1) * 1000;
}
