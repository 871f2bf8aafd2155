/**
 * ControllerRevisions as kube's pkg/controller/history and the statefulset/daemonset controllers
 * write them: a snapshot of the owner's pod template stored as a strategic merge patch
 * (`{"spec":{"template":{"$patch":"replace",...}}}`), named `<owner>-<hash>`, numbered by
 * `revision`. Pure functions of plain data; the API calls live in store.ts.
 */
import type { GroupVersionKind } from "../../apiserver/api/types.js";
import { strategicMergePatch } from "../../apiserver/patch/index.js";
import type { KObject, ResourceType } from "../../client/types.js";
import { controllerRefOf, newControllerRef } from "../util/pods.js";

/** The label pods (and daemonset revisions) carry: apps/v1 ControllerRevisionHashLabelKey. */
export const CONTROLLER_REVISION_HASH_LABEL = "controller-revision-hash";
/** The label NewControllerRevision puts on statefulset revisions: history.ControllerRevisionHashLabel. */
export const REVISION_DATA_HASH_LABEL = "controller.kubernetes.io/hash";

export interface ControllerRevision extends KObject {
  /** runtime.RawExtension: here always the template patch as a JSON value. */
  data?: unknown;
  revision?: number;
}

// ---- Go's encoding/json, as far as revision bytes need it ----

/**
 * What json.Marshal of a map[string]interface{} writes: keys sorted at every level, no spaces,
 * and <, >, &, U+2028, U+2029 escaped. kube compares and hashes revisions by these bytes.
 */
export function goJSON(v: unknown): string {
  return JSON.stringify(sortKeys(v)).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined) out[k] = sortKeys(x);
    }
    return out;
  }
  return v;
}

// ---- hashing (hash/fnv and rand.SafeEncodeString) ----

const SAFE_CHARS = "bcdfghjklmnpqrstvwxz2456789";

/** Maps each character of a decimal hash to kube's "safe" alphabet (no vowels, no bad words). */
export function safeEncodeString(s: string): string {
  let out = "";
  for (const ch of s) out += SAFE_CHARS[ch.codePointAt(0)! % SAFE_CHARS.length];
  return out;
}

function fnv32(bytes: Uint8Array, a: boolean, h = 0x811c9dc5): number {
  for (const b of bytes) {
    if (a) h = Math.imul(h ^ b, 0x01000193) >>> 0;
    else h = (Math.imul(h, 0x01000193) ^ b) >>> 0;
  }
  return h >>> 0;
}

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

/** history.HashControllerRevision: FNV-32 of the data bytes, then of the collision count in decimal. */
export function hashRevisionData(data: unknown, collisionCount?: number): string {
  let h = fnv32(utf8(goJSON(data)), false);
  if (collisionCount !== undefined) h = fnv32(utf8(String(collisionCount)), false, h);
  return safeEncodeString(String(h));
}

/**
 * controller.ComputeHash of a pod template (the daemonset's revision hash): FNV-32a of the
 * template, then the collision count as 8 little-endian bytes. kube hashes a Go dump of the
 * struct; kplane hashes its canonical JSON, so values differ from kube's but stay stable.
 */
export function hashPodTemplate(template: unknown, collisionCount?: number): string {
  let h = fnv32(utf8(goJSON(template ?? {})), true);
  if (collisionCount !== undefined) {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setUint32(0, collisionCount >>> 0, true);
    h = fnv32(b, true, h);
  }
  return safeEncodeString(String(h));
}

/** history.ControllerRevisionName: `<prefix>-<hash>`, the prefix cut to 223 bytes. */
export function revisionName(prefix: string, hash: string): string {
  return `${prefix.length > 223 ? prefix.slice(0, 223) : prefix}-${hash}`;
}

// ---- the stored patch ----

/**
 * getPatch of the statefulset and daemonset controllers: the owner's spec.template with
 * "$patch":"replace", under spec. Go always writes the template's metadata with
 * creationTimestamp null, so it is added when missing to keep bytes (and hashes) alike.
 */
export function templatePatch(owner: KObject): Record<string, unknown> {
  const spec = (owner.spec ?? {}) as { template?: Record<string, unknown> };
  const template = structuredClone(spec.template ?? {});
  const meta = (template.metadata ?? {}) as Record<string, unknown>;
  if (!("creationTimestamp" in meta)) meta.creationTimestamp = null;
  template.metadata = meta;
  template.$patch = "replace";
  return { spec: { template } };
}

/** The revision's data equals `data` byte for byte, as kube compares Data.Raw. */
export function dataEqual(rev: ControllerRevision, data: unknown): boolean {
  return goJSON(rev.data ?? null) === goJSON(data);
}

/**
 * history.NewControllerRevision: owned by `owner`, labelled with the template's labels plus the
 * data hash, named `<owner>-<hash>`.
 */
export function newControllerRevision(
  owner: KObject,
  ownerType: ResourceType,
  templateLabels: Record<string, string> | undefined,
  data: unknown,
  revision: number,
  collisionCount: number | undefined,
): ControllerRevision {
  const hash = hashRevisionData(data, collisionCount);
  return {
    apiVersion: "apps/v1",
    kind: "ControllerRevision",
    metadata: {
      name: revisionName(owner.metadata.name ?? "", hash),
      namespace: owner.metadata.namespace,
      labels: { ...(templateLabels ?? {}), [REVISION_DATA_HASH_LABEL]: hash },
      ownerReferences: [newControllerRef(owner, ownerType)],
    },
    data,
    revision,
  };
}

/** Restores the owner's template from a revision (the controllers' ApplyRevision): a strategic merge of its data. */
export function applyRevision<T extends KObject>(owner: T, rev: ControllerRevision, gvk: GroupVersionKind): T {
  const data = (rev.data && typeof rev.data === "object" ? rev.data : {}) as Record<string, unknown>;
  return strategicMergePatch(owner as unknown as Record<string, unknown>, data, gvk) as unknown as T;
}

// ---- ordering and bookkeeping ----

/** history.SortControllerRevisions: by revision, then creation time, then name (stable). */
export function sortRevisions<T extends ControllerRevision>(revs: T[]): T[] {
  return [...revs].sort((a, b) => {
    const d = (a.revision ?? 0) - (b.revision ?? 0);
    if (d !== 0) return d;
    const ta = a.metadata.creationTimestamp ?? "";
    const tb = b.metadata.creationTimestamp ?? "";
    if (ta !== tb) return ta < tb ? -1 : 1;
    return (a.metadata.name ?? "") < (b.metadata.name ?? "") ? -1 : (a.metadata.name ?? "") > (b.metadata.name ?? "") ? 1 : 0;
  });
}

/** One more than the highest revision (1 when there is none); `sorted` ascending. */
export function nextRevision(sorted: ControllerRevision[]): number {
  return sorted.length === 0 ? 1 : (sorted[sorted.length - 1]!.revision ?? 0) + 1;
}

export function maxRevision(revs: ControllerRevision[]): number {
  return revs.reduce((m, r) => Math.max(m, r.revision ?? 0), 0);
}

/** Revisions this owner may use: controlled by it, or by nobody (to adopt). ListControllerRevisions. */
export function ownedOrOrphan<T extends ControllerRevision>(revs: T[], owner: KObject): T[] {
  return revs.filter((r) => {
    const ref = controllerRefOf(r);
    return !ref || ref.uid === owner.metadata.uid;
  });
}

/**
 * The non-live revisions to delete so that at most `limit` remain, oldest first (the
 * statefulset's truncateHistory). `sorted` ascending; `live` holds names in use.
 */
export function revisionsToTruncate<T extends ControllerRevision>(sorted: T[], live: Set<string>, limit: number): T[] {
  const history = sorted.filter((r) => !live.has(r.metadata.name ?? ""));
  if (limit < 0 || history.length <= limit) return [];
  return history.slice(0, history.length - limit);
}
