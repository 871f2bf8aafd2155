/**
 * The deployment controller's decisions over plain data (kube's pkg/controller/deployment/util
 * and the pure parts of its rolling, recreate and sync files): fenceposts, the pod-template hash,
 * which replica set is new, revision and replica annotations, proportional scaling, the rolling
 * update's scale-up and scale-down amounts, and the status and conditions a sync writes.
 */
import type { KObject } from "../../client/types.js";
import type { MetaLabelSelector } from "../../apiserver/selectors/index.js";
import { rfc3339 } from "../util/pods.js";
import type { PodTemplate, ReplicaSetLike } from "../replicaset/core.js";

export type ReplicaSet = ReplicaSetLike;
export type IntOrString = number | string;

export const REVISION = "deployment.kubernetes.io/revision";
export const REVISION_HISTORY = "deployment.kubernetes.io/revision-history";
export const DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas";
export const MAX_REPLICAS = "deployment.kubernetes.io/max-replicas";
export const POD_TEMPLATE_HASH = "pod-template-hash";
/** Deployment annotations never copied onto its replica sets. */
const SKIP_COPY = new Set(["kubectl.kubernetes.io/last-applied-configuration", REVISION, REVISION_HISTORY, DESIRED_REPLICAS, MAX_REPLICAS, "deprecated.deployment.rollback.to"]);
/** The revision-history annotation keeps at most this many characters (kube's maxRevHistoryLengthInChars). */
export const MAX_REV_HISTORY_CHARS = 2000;
const MAX_INT32 = 2147483647;

// Condition reasons and types, as kube names them.
export const NEW_RS_REASON = "NewReplicaSetCreated";
export const FOUND_NEW_RS_REASON = "FoundNewReplicaSet";
export const RS_UPDATED_REASON = "ReplicaSetUpdated";
export const NEW_RS_AVAILABLE_REASON = "NewReplicaSetAvailable";
export const TIMED_OUT_REASON = "ProgressDeadlineExceeded";
export const FAILED_RS_CREATE_REASON = "ReplicaSetCreateError";
export const PAUSED_REASON = "DeploymentPaused";
export const RESUMED_REASON = "DeploymentResumed";
export const MIN_AVAILABLE_REASON = "MinimumReplicasAvailable";
export const MIN_UNAVAILABLE_REASON = "MinimumReplicasUnavailable";

export interface DeploymentStrategy {
  type?: "Recreate" | "RollingUpdate";
  rollingUpdate?: { maxSurge?: IntOrString; maxUnavailable?: IntOrString };
}

export interface DeploymentSpec {
  replicas?: number;
  selector?: MetaLabelSelector;
  template?: PodTemplate;
  strategy?: DeploymentStrategy;
  minReadySeconds?: number;
  revisionHistoryLimit?: number;
  paused?: boolean;
  progressDeadlineSeconds?: number;
}

export interface DeploymentCondition {
  type: string;
  status: "True" | "False" | "Unknown";
  lastUpdateTime?: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export interface DeploymentStatus {
  observedGeneration?: number;
  replicas?: number;
  updatedReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  unavailableReplicas?: number;
  conditions?: DeploymentCondition[];
  collisionCount?: number;
}

export interface Deployment extends KObject {
  spec: DeploymentSpec;
  status?: DeploymentStatus;
}

/** The API server's defaults, for objects that did not pass through it (tests, old clients). */
export function withDefaults(d: Deployment): Deployment {
  const spec = (d.spec ??= {});
  spec.replicas ??= 1;
  spec.strategy ??= {};
  spec.strategy.type ??= "RollingUpdate";
  if (spec.strategy.type === "RollingUpdate") {
    const ru = (spec.strategy.rollingUpdate ??= {});
    ru.maxSurge ??= "25%";
    ru.maxUnavailable ??= "25%";
  }
  spec.revisionHistoryLimit ??= 10;
  spec.progressDeadlineSeconds ??= 600;
  return d;
}

const replicas = (d: Deployment): number => d.spec.replicas ?? 1;
export const rsReplicas = (rs: ReplicaSet | undefined): number => rs?.spec?.replicas ?? 0;
const st = (rs: ReplicaSet): { replicas: number; readyReplicas?: number; availableReplicas?: number } => rs.status ?? { replicas: 0 };

// ---- fenceposts (intstr.GetScaledValueFromIntOrPercent, ResolveFenceposts) ----

/** An int, or "N%" of total rounded up or down; throws on anything else, with kube's words. */
export function scaledValue(v: IntOrString | undefined, total: number, roundUp: boolean): number {
  if (v === undefined) return 0;
  if (typeof v === "number") return v;
  if (!v.endsWith("%")) throw new Error(`invalid type: string is not a percentage`);
  const s = v.slice(0, -1);
  if (!/^[+-]?[0-9]+$/.test(s)) throw new Error(`invalid value for IntOrString: invalid value ${JSON.stringify(v)}: strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`);
  const x = (Number(s) * total) / 100;
  return roundUp ? Math.ceil(x) : Math.floor(x);
}

/** maxSurge rounds up, maxUnavailable down; both 0 makes maxUnavailable 1 (surge may be blocked by quota). */
export function resolveFenceposts(maxSurge: IntOrString | undefined, maxUnavailable: IntOrString | undefined, desired: number): { surge: number; unavailable: number } {
  const surge = scaledValue(maxSurge ?? 0, desired, true);
  let unavailable = scaledValue(maxUnavailable ?? 0, desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

export const isRollingUpdate = (d: Deployment): boolean => d.spec.strategy?.type === "RollingUpdate";

export function maxSurge(d: Deployment): number {
  if (!isRollingUpdate(d)) return 0;
  const ru = d.spec.strategy?.rollingUpdate;
  return resolveFenceposts(ru?.maxSurge, ru?.maxUnavailable, replicas(d)).surge;
}

export function maxUnavailable(d: Deployment): number {
  if (!isRollingUpdate(d) || replicas(d) === 0) return 0;
  const ru = d.spec.strategy?.rollingUpdate;
  return Math.min(resolveFenceposts(ru?.maxSurge, ru?.maxUnavailable, replicas(d)).unavailable, replicas(d));
}

// ---- the pod-template hash (controller.ComputeHash) ----

/** JSON with object keys sorted and null, {} and [] dropped: equal templates print alike. */
export function canonicalJSON(v: unknown): string {
  return JSON.stringify(prune(v)) ?? "null";
}

function prune(v: unknown): unknown {
  if (Array.isArray(v)) {
    const a = v.map(prune).map((x) => (x === undefined ? null : x));
    return a.length ? a : undefined;
  }
  if (v !== null && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const x = prune((v as Record<string, unknown>)[k]);
      if (x !== undefined) out[k] = x;
    }
    return Object.keys(out).length ? out : undefined;
  }
  return v === null ? undefined : v;
}

export function fnv32a(bytes: Uint8Array, h = 0x811c9dc5): number {
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

const SAFE_ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789";

/** rand.SafeEncodeString: each character mapped into an alphabet without vowels or look-alikes. */
export function safeEncodeString(s: string): string {
  let out = "";
  for (const ch of s) out += SAFE_ALPHANUMS[ch.codePointAt(0)! % SAFE_ALPHANUMS.length];
  return out;
}

/**
 * The pod-template-hash: FNV-32a over the template, then the collision count as 8 little-endian
 * bytes when set, printed in decimal and safe-encoded, as kube. kube feeds FNV spew's dump of the
 * Go struct; we feed canonical JSON, so the same template hashes to a different (but equally
 * stable) value than kube-controller-manager gives it.
 */
export function computeHash(template: PodTemplate | undefined, collisionCount?: number): string {
  let h = fnv32a(new TextEncoder().encode(canonicalJSON(template ?? {})));
  if (collisionCount !== undefined) {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setUint32(0, collisionCount >>> 0, true);
    h = fnv32a(b, h);
  }
  return safeEncodeString(String(h));
}

/** Templates equal once the pod-template-hash label is ignored (nil and empty alike, as Semantic.DeepEqual). */
export function equalIgnoreHash(a: PodTemplate | undefined, b: PodTemplate | undefined): boolean {
  const strip = (t: PodTemplate | undefined): PodTemplate => {
    const c = structuredClone(t ?? {});
    if (c.metadata?.labels) delete c.metadata.labels[POD_TEMPLATE_HASH];
    return c;
  };
  return canonicalJSON(strip(a)) === canonicalJSON(strip(b));
}

// ---- orders (controller.ReplicaSetsByCreationTimestamp and friends) ----

const created = (rs: ReplicaSet): number => Date.parse(rs.metadata.creationTimestamp ?? "") || 0;

export function byCreation(a: ReplicaSet, b: ReplicaSet): number {
  const d = created(a) - created(b);
  if (d !== 0) return d;
  const an = a.metadata.name ?? "";
  const bn = b.metadata.name ?? "";
  return an < bn ? -1 : an > bn ? 1 : 0;
}

/** Larger first; equal sizes newer first (scaling up). */
export const bySizeNewer = (a: ReplicaSet, b: ReplicaSet): number => (rsReplicas(a) !== rsReplicas(b) ? rsReplicas(b) - rsReplicas(a) : byCreation(b, a));
/** Larger first; equal sizes older first (scaling down). */
export const bySizeOlder = (a: ReplicaSet, b: ReplicaSet): number => (rsReplicas(a) !== rsReplicas(b) ? rsReplicas(b) - rsReplicas(a) : byCreation(a, b));

/** The revision annotation; undefined when absent, NaN when malformed. */
export function revisionOf(obj: KObject): number | undefined {
  const v = obj.metadata.annotations?.[REVISION];
  if (v === undefined) return undefined;
  return /^[+-]?[0-9]+$/.test(v) ? Number(v) : NaN;
}

export const byRevision = (a: ReplicaSet, b: ReplicaSet): number => {
  const ra = revisionOf(a) || 0;
  const rb = revisionOf(b) || 0;
  return ra !== rb ? ra - rb : byCreation(a, b);
};

export function maxRevision(rss: ReplicaSet[]): number {
  let max = 0;
  for (const rs of rss) {
    const r = revisionOf(rs) ?? 0;
    if (!Number.isNaN(r) && r > max) max = r;
  }
  return max;
}

// ---- new and old replica sets ----

/** The oldest replica set whose template equals the deployment's (ignoring the hash label). */
export function findNewReplicaSet(d: Deployment, rss: ReplicaSet[]): ReplicaSet | undefined {
  return [...rss].sort(byCreation).find((rs) => equalIgnoreHash(rs.spec?.template, d.spec.template));
}

/** Every other replica set (`all`), and those of them with replicas (`required`). */
export function findOldReplicaSets(d: Deployment, rss: ReplicaSet[]): { required: ReplicaSet[]; all: ReplicaSet[] } {
  const newRS = findNewReplicaSet(d, rss);
  const all = rss.filter((rs) => !newRS || rs.metadata.uid !== newRS.metadata.uid);
  return { required: all.filter((rs) => rsReplicas(rs) !== 0), all };
}

export const filterActive = (rss: (ReplicaSet | undefined)[]): ReplicaSet[] => rss.filter((rs): rs is ReplicaSet => !!rs && rsReplicas(rs) > 0);
export const sumReplicas = (rss: (ReplicaSet | undefined)[]): number => rss.reduce((n, rs) => n + rsReplicas(rs), 0);
export const sumActual = (rss: (ReplicaSet | undefined)[]): number => rss.reduce((n, rs) => n + (rs ? st(rs).replicas ?? 0 : 0), 0);
export const sumReady = (rss: (ReplicaSet | undefined)[]): number => rss.reduce((n, rs) => n + (rs ? st(rs).readyReplicas ?? 0 : 0), 0);
export const sumAvailable = (rss: (ReplicaSet | undefined)[]): number => rss.reduce((n, rs) => n + (rs ? st(rs).availableReplicas ?? 0 : 0), 0);

/** The only active replica set, or (none active) the new one or the newest old one; undefined with several active. */
export function findActiveOrLatest(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): ReplicaSet | undefined {
  if (!newRS && oldRSs.length === 0) return undefined;
  const olds = [...oldRSs].sort((a, b) => byCreation(b, a));
  const active = filterActive([...olds, newRS]);
  if (active.length === 0) return newRS ?? olds[0];
  return active.length === 1 ? active[0] : undefined;
}

/** What the new replica set should scale to now (kube's NewRSNewReplicas). */
export function newRSNewReplicas(d: Deployment, allRSs: ReplicaSet[], newRS: ReplicaSet): number {
  if (d.spec.strategy?.type === "Recreate") return replicas(d);
  if (!isRollingUpdate(d)) throw new Error(`deployment type ${d.spec.strategy?.type} isn't supported`);
  const surge = scaledValue(d.spec.strategy?.rollingUpdate?.maxSurge, replicas(d), true);
  const current = sumReplicas(allRSs);
  const maxTotal = replicas(d) + surge;
  if (current >= maxTotal) return rsReplicas(newRS);
  return rsReplicas(newRS) + Math.min(maxTotal - current, replicas(d) - rsReplicas(newRS));
}

/** Desired replicas annotation as an int; undefined when absent or malformed. */
function intAnnotation(rs: ReplicaSet, key: string): number | undefined {
  const v = rs.metadata.annotations?.[key];
  return v !== undefined && /^[+-]?[0-9]+$/.test(v) ? Number(v) : undefined;
}
export const desiredReplicasOf = (rs: ReplicaSet): number | undefined => intAnnotation(rs, DESIRED_REPLICAS);

/** The new replica set is fully scaled and available. */
export function isSaturated(d: Deployment, rs: ReplicaSet | undefined): boolean {
  if (!rs) return false;
  const desired = desiredReplicasOf(rs);
  return desired !== undefined && rsReplicas(rs) === replicas(d) && desired === replicas(d) && (st(rs).availableReplicas ?? 0) === replicas(d);
}

/** Some active replica set was last scaled for another deployment size: a scaling event. */
export function isScalingEvent(d: Deployment, allRSs: (ReplicaSet | undefined)[]): boolean {
  return filterActive(allRSs).some((rs) => {
    const desired = desiredReplicasOf(rs);
    return desired !== undefined && desired !== replicas(d);
  });
}

/** Go's math.Round: halves away from zero. */
const roundHalfAway = (x: number): number => Math.sign(x) * Math.round(Math.abs(x));

function replicaSetFraction(rs: ReplicaSet, d: Deployment): number {
  if (replicas(d) === 0) return -rsReplicas(rs);
  const maxNow = replicas(d) + maxSurge(d);
  let before = intAnnotation(rs, MAX_REPLICAS);
  if (before === undefined) before = d.status?.replicas ?? 0;
  if (before === 0) return 0;
  return roundHalfAway((rsReplicas(rs) * maxNow) / before) - rsReplicas(rs);
}

export function replicaSetProportion(rs: ReplicaSet, d: Deployment, toAdd: number, added: number): number {
  if (rsReplicas(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  const fraction = replicaSetFraction(rs, d);
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

export interface ScaleStep {
  rs: ReplicaSet;
  size: number;
  /** The event's verb; "" when the size does not change direction (annotations only). */
  op: "up" | "down" | "";
}

/**
 * kube's `scale` (on a scaling event or while paused): the one active replica set takes the
 * whole size; a saturated new replica set leaves nothing to old ones; otherwise (rolling update)
 * the difference to replicas+maxSurge is spread over active replica sets in proportion to their
 * size, leftovers to the largest. Answers the replica sets to write, in order.
 */
export function planScale(d: Deployment, newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): ScaleStep[] {
  const want = replicas(d);
  const one = findActiveOrLatest(newRS, oldRSs);
  if (one) {
    if (rsReplicas(one) === want) return [];
    return [{ rs: one, size: want, op: rsReplicas(one) < want ? "up" : "down" }];
  }
  if (isSaturated(d, newRS)) return filterActive(oldRSs).map((rs) => ({ rs, size: 0, op: "down" as const }));
  if (!isRollingUpdate(d)) return [];
  const all = filterActive([...oldRSs, newRS]);
  const allowed = want > 0 ? want + maxSurge(d) : 0;
  const toAdd = allowed - sumReplicas(all);
  let op: ScaleStep["op"] = "";
  if (toAdd > 0) {
    all.sort(bySizeNewer);
    op = "up";
  } else if (toAdd < 0) {
    all.sort(bySizeOlder);
    op = "down";
  }
  let added = 0;
  const sizes = all.map((rs) => {
    if (toAdd === 0) return rsReplicas(rs);
    const p = replicaSetProportion(rs, d, toAdd, added);
    added += p;
    return rsReplicas(rs) + p;
  });
  if (all.length && toAdd !== 0) sizes[0] = Math.max(0, sizes[0]! + toAdd - added);
  return all.map((rs, i) => ({ rs, size: sizes[i]!, op }));
}

/**
 * The rolling update's scale-down of old replica sets (kube's reconcileOldReplicaSets): first
 * old replica sets' unavailable pods (oldest first), then available ones, never taking the
 * deployment below replicas - maxUnavailable available pods. Answers the sizes to write, in order.
 */
export function planRollingScaleDown(d: Deployment, allRSs: ReplicaSet[], oldRSs: ReplicaSet[], newRS: ReplicaSet): { rs: ReplicaSet; size: number }[] {
  const steps: { rs: ReplicaSet; size: number }[] = [];
  if (sumReplicas(oldRSs) === 0) return steps;
  const minAvailable = replicas(d) - maxUnavailable(d);
  const newUnavailable = rsReplicas(newRS) - (st(newRS).availableReplicas ?? 0);
  const maxScaledDown = sumReplicas(allRSs) - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return steps;
  // Work on copies so the second pass sees the first pass's sizes.
  const olds = [...oldRSs].sort(byCreation).map((rs) => ({ rs, size: rsReplicas(rs) }));
  let cleaned = 0;
  for (const o of olds) {
    if (cleaned >= maxScaledDown) break;
    const avail = st(o.rs).availableReplicas ?? 0;
    if (o.size === 0 || o.size === avail) continue;
    const n = Math.min(maxScaledDown - cleaned, o.size - avail);
    if (n < 0) throw new Error(`when cleaning up unhealthy replicas, got invalid request to scale down ${o.rs.metadata.namespace}/${o.rs.metadata.name} ${o.size} -> ${o.size - n}`);
    o.size -= n;
    cleaned += n;
    steps.push({ rs: o.rs, size: o.size });
  }
  const available = sumAvailable([...oldRSs, newRS]);
  if (available <= minAvailable) return steps;
  const total = available - minAvailable;
  let scaled = 0;
  for (const o of olds) {
    if (scaled >= total) break;
    if (o.size === 0) continue;
    const n = Math.min(o.size, total - scaled);
    o.size -= n;
    scaled += n;
    steps.push({ rs: o.rs, size: o.size });
  }
  return steps;
}

// ---- annotations ----

/** Sets desired-replicas and max-replicas; answers whether anything changed. */
export function setReplicasAnnotations(rs: ReplicaSet, desired: number, max: number): boolean {
  const a = (rs.metadata.annotations ??= {});
  let changed = false;
  if (a[DESIRED_REPLICAS] !== String(desired)) {
    a[DESIRED_REPLICAS] = String(desired);
    changed = true;
  }
  if (a[MAX_REPLICAS] !== String(max)) {
    a[MAX_REPLICAS] = String(max);
    changed = true;
  }
  return changed;
}

export function replicasAnnotationsNeedUpdate(rs: ReplicaSet, desired: number, max: number): boolean {
  const a = rs.metadata.annotations ?? {};
  return a[DESIRED_REPLICAS] !== String(desired) || a[MAX_REPLICAS] !== String(max);
}

/**
 * kube's SetNewReplicaSetAnnotations: copies the deployment's annotations (change-cause among
 * them), raises the revision to `newRevision` when lower (keeping the old one in
 * revision-history: a rollback), and on a replica set about to be created, the replica
 * annotations. Mutates `rs`; answers whether anything changed.
 */
export function setNewReplicaSetAnnotations(d: Deployment, rs: ReplicaSet, newRevision: number, exists: boolean): boolean {
  const a = (rs.metadata.annotations ??= {});
  let changed = false;
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) {
    if (SKIP_COPY.has(k) || a[k] === v) continue;
    a[k] = v;
    changed = true;
  }
  const had = Object.hasOwn(a, REVISION);
  const oldRevision = a[REVISION] ?? "";
  let oldRev = 0;
  if (oldRevision !== "") {
    if (!/^[+-]?[0-9]+$/.test(oldRevision)) return false;
    oldRev = Number(oldRevision);
  }
  if (oldRev < newRevision) {
    a[REVISION] = String(newRevision);
    changed = true;
    if (had) {
      const history = a[REVISION_HISTORY] ?? "";
      const olds = history.split(",");
      if (olds[0]!.length === 0) a[REVISION_HISTORY] = oldRevision;
      else {
        let total = history.length + oldRevision.length + 1;
        let start = 0;
        while (total > MAX_REV_HISTORY_CHARS && start < olds.length) {
          total -= olds[start]!.length + 1;
          start++;
        }
        if (total <= MAX_REV_HISTORY_CHARS) a[REVISION_HISTORY] = [...olds.slice(start), oldRevision].join(",");
      }
    }
  }
  if (!exists && setReplicasAnnotations(rs, replicas(d), replicas(d) + maxSurge(d))) changed = true;
  return changed;
}

// ---- conditions and status ----

export function newCondition(type: string, status: DeploymentCondition["status"], reason: string, message: string, now: number): DeploymentCondition {
  const t = rfc3339(now);
  return { type, status, lastUpdateTime: t, lastTransitionTime: t, reason, message };
}

export const getCondition = (s: DeploymentStatus | undefined, type: string): DeploymentCondition | undefined => s?.conditions?.find((c) => c.type === type);

/** Replaces the condition of its type unless status and reason are unchanged; keeps lastTransitionTime while status holds. */
export function setCondition(s: DeploymentStatus, c: DeploymentCondition): void {
  const cur = getCondition(s, c.type);
  if (cur && cur.status === c.status && cur.reason === c.reason) return;
  const next = { ...c };
  if (cur && cur.status === c.status) next.lastTransitionTime = cur.lastTransitionTime;
  s.conditions = [...(s.conditions ?? []).filter((x) => x.type !== c.type), next];
}

export function removeCondition(s: DeploymentStatus, type: string): void {
  if (!s.conditions) return;
  s.conditions = s.conditions.filter((c) => c.type !== type);
  if (s.conditions.length === 0) delete s.conditions;
}

export const hasProgressDeadline = (d: Deployment): boolean => d.spec.progressDeadlineSeconds !== undefined && d.spec.progressDeadlineSeconds !== MAX_INT32;
export const hasRevisionHistoryLimit = (d: Deployment): boolean => d.spec.revisionHistoryLimit !== undefined && d.spec.revisionHistoryLimit !== MAX_INT32;

/** Status counters over the replica sets and the Available condition (kube's calculateStatus). */
export function calculateStatus(allRSs: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined, d: Deployment, now: number): DeploymentStatus {
  const available = sumAvailable(allRSs);
  const unavailable = Math.max(0, sumReplicas(allRSs) - available);
  const s: DeploymentStatus = {};
  const put = (k: "observedGeneration" | "replicas" | "updatedReplicas" | "readyReplicas" | "availableReplicas" | "unavailableReplicas", v: number): void => {
    if (v) s[k] = v;
  };
  put("observedGeneration", d.metadata.generation ?? 0);
  put("replicas", sumActual(allRSs));
  put("updatedReplicas", sumActual([newRS]));
  put("readyReplicas", sumReady(allRSs));
  put("availableReplicas", available);
  put("unavailableReplicas", unavailable);
  if (d.status?.conditions?.length) s.conditions = d.status.conditions.map((c) => ({ ...c }));
  if (available >= replicas(d) - maxUnavailable(d)) {
    setCondition(s, newCondition("Available", "True", MIN_AVAILABLE_REASON, "Deployment has minimum availability.", now));
  } else {
    setCondition(s, newCondition("Available", "False", MIN_UNAVAILABLE_REASON, "Deployment does not have minimum availability.", now));
  }
  if (d.status?.collisionCount !== undefined) s.collisionCount = d.status.collisionCount;
  return s;
}

export function deploymentComplete(d: Deployment, s: DeploymentStatus): boolean {
  const want = replicas(d);
  return (s.updatedReplicas ?? 0) === want && (s.replicas ?? 0) === want && (s.availableReplicas ?? 0) === want && (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0);
}

/** More updated, ready or available replicas, or fewer old ones, than the last status. */
export function deploymentProgressing(d: Deployment, s: DeploymentStatus): boolean {
  const o = d.status ?? {};
  const oldOld = (o.replicas ?? 0) - (o.updatedReplicas ?? 0);
  const newOld = (s.replicas ?? 0) - (s.updatedReplicas ?? 0);
  return (s.updatedReplicas ?? 0) > (o.updatedReplicas ?? 0) || newOld < oldOld || (s.readyReplicas ?? 0) > (o.readyReplicas ?? 0) || (s.availableReplicas ?? 0) > (o.availableReplicas ?? 0);
}

export function deploymentTimedOut(d: Deployment, s: DeploymentStatus, now: number): boolean {
  if (!hasProgressDeadline(d)) return false;
  const c = getCondition(s, "Progressing");
  if (!c || c.reason === NEW_RS_AVAILABLE_REASON) return false;
  if (c.reason === TIMED_OUT_REASON) return true;
  const from = Date.parse(c.lastUpdateTime ?? "");
  return !Number.isNaN(from) && from + (d.spec.progressDeadlineSeconds ?? 0) * 1000 < now;
}

/**
 * The Progressing condition after a rollout step (kube's syncRolloutStatus): complete,
 * progressing (lastUpdateTime moves, lastTransitionTime kept), or past the deadline; then the
 * ReplicaFailure condition mirrored from the replica sets (the new one's first).
 */
export function rolloutStatus(d: Deployment, allRSs: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined, now: number): DeploymentStatus {
  const s = calculateStatus(allRSs, newRS, d, now);
  if (!hasProgressDeadline(d)) removeCondition(s, "Progressing");
  const cur = getCondition(d.status, "Progressing");
  const complete = (s.replicas ?? 0) === (s.updatedReplicas ?? 0) && cur?.reason === NEW_RS_AVAILABLE_REASON;
  if (hasProgressDeadline(d) && !complete) {
    const what = newRS ? `ReplicaSet ${JSON.stringify(newRS.metadata.name)}` : `Deployment ${JSON.stringify(d.metadata.name)}`;
    if (deploymentComplete(d, s)) {
      setCondition(s, newCondition("Progressing", "True", NEW_RS_AVAILABLE_REASON, `${what} has successfully progressed.`, now));
    } else if (deploymentProgressing(d, s)) {
      const c = newCondition("Progressing", "True", RS_UPDATED_REASON, `${what} is progressing.`, now);
      if (cur) {
        if (cur.status === "True") c.lastTransitionTime = cur.lastTransitionTime;
        removeCondition(s, "Progressing");
      }
      setCondition(s, c);
    } else if (deploymentTimedOut(d, s, now)) {
      setCondition(s, newCondition("Progressing", "False", TIMED_OUT_REASON, `${what} has timed out progressing.`, now));
    }
  }
  const failure = replicaFailure(allRSs, newRS);
  if (failure) setCondition(s, failure);
  else removeCondition(s, "ReplicaFailure");
  return s;
}

function replicaFailure(allRSs: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined): DeploymentCondition | undefined {
  const from = (rs: ReplicaSet | undefined): DeploymentCondition | undefined => {
    const c = rs?.status?.conditions?.find((x) => x.type === "ReplicaFailure");
    return c && { type: "ReplicaFailure", status: c.status, lastUpdateTime: c.lastTransitionTime, lastTransitionTime: c.lastTransitionTime, reason: c.reason, message: c.message };
  };
  return from(newRS) ?? allRSs.map(from).find((c) => c !== undefined);
}

/** Status equality as reflect.DeepEqual sees it on the wire (omitted zero values alike). */
export const sameStatus = (a: DeploymentStatus | undefined, b: DeploymentStatus | undefined): boolean => canonicalJSON(a ?? {}) === canonicalJSON(b ?? {});
