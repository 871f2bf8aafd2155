/**
 * The create/update bookkeeping most strategies share (kube's PrepareForCreate /
 * PrepareForUpdate bodies): status cleared on create and carried over on update, generation 1
 * on create and bumped when the spec changes, and the status subresource keeping the spec.
 */
import type { KObject } from "../../api/types.js";
import type { Strategy, SubresourceStrategy } from "../types.js";
import { jsonEqual } from "../../validation/index.js";

export function clone<T>(v: T): T {
  return v === undefined ? v : structuredClone(v);
}

/** Copies `old[key]` into `obj` (or removes it from `obj` when `old` has none). */
export function keepField(obj: KObject, old: KObject, key: string): void {
  if (old[key] === undefined) delete obj[key];
  else obj[key] = clone(old[key]);
}

export function keepStatus(obj: KObject, old: KObject): void {
  keepField(obj, old, "status");
}

export function keepSpec(obj: KObject, old: KObject): void {
  keepField(obj, old, "spec");
}

/** New generation = old + 1 when `changed` (the store has already copied old's generation). */
export function bumpGeneration(obj: KObject, old: KObject, changed: boolean): void {
  if (changed) obj.metadata.generation = (old.metadata.generation ?? 0) + 1;
}

export function specChanged(obj: KObject, old: KObject): boolean {
  return !jsonEqual(obj.spec, old.spec);
}

export interface SpecStatusOptions {
  /** The status a fresh object gets (kube's zero status struct as Go serializes it); none = no status. */
  zeroStatus?: () => Record<string, unknown>;
  /** Generation 1 on create, bumped on spec change (kube does this for most spec/status kinds). */
  generation: boolean;
  /** Also carry metadata.labels over on status updates (kube's deployments do). */
  statusKeepsLabels?: boolean;
  /** Extra status-update validation. */
  validateStatusUpdate?: SubresourceStrategy["validateUpdate"];
}

/**
 * prepareForCreate / prepareForUpdate / the status subresource of a kind with spec and status.
 * `extraCreate` and `extraUpdate` run after the common part.
 */
export function specStatusStrategy(
  opts: SpecStatusOptions,
  extraCreate?: Strategy["prepareForCreate"],
  extraUpdate?: Strategy["prepareForUpdate"],
): Pick<Strategy, "prepareForCreate" | "prepareForUpdate" | "subresources"> {
  const status: SubresourceStrategy = {
    prepareForUpdate(obj, old) {
      keepSpec(obj, old);
      if (opts.statusKeepsLabels) {
        if (old.metadata.labels === undefined) delete obj.metadata.labels;
        else obj.metadata.labels = clone(old.metadata.labels);
      }
    },
  };
  if (opts.validateStatusUpdate) status.validateUpdate = opts.validateStatusUpdate;
  return {
    prepareForCreate(obj, ctx) {
      if (opts.zeroStatus) obj.status = opts.zeroStatus();
      else delete obj.status;
      if (opts.generation) obj.metadata.generation = 1;
      extraCreate?.(obj, ctx);
    },
    prepareForUpdate(obj, old, ctx) {
      markUpdate(obj, old);
      keepStatus(obj, old);
      extraUpdate?.(obj, old, ctx);
      if (opts.generation) bumpGeneration(obj, old, specChanged(obj, old));
    },
    subresources: { status },
  };
}

/**
 * The store calls `validate` on create and on update, where some kube kinds run different
 * checks (create-only name rules, options derived from the old object). prepareForUpdate
 * records the old object against the new one so that `validate` can tell the two apart.
 */
const updates = new WeakMap<KObject, KObject>();

export function markUpdate(obj: KObject, old: KObject): void {
  updates.set(obj, old);
}

/** The stored object `obj` is replacing, when `validate` runs for an update. */
export function oldObjectOf(obj: KObject): KObject | undefined {
  return updates.get(obj);
}

/**
 * Kinds without status whose generation is 1 on create and bumped when `changed` says the
 * desired state moved (network policies, ingress classes, endpoint slices, webhooks).
 */
export function generationStrategy(
  changed: (obj: KObject, old: KObject) => boolean = specChanged,
): Pick<Strategy, "prepareForCreate" | "prepareForUpdate"> {
  return {
    prepareForCreate(obj) {
      obj.metadata.generation = 1;
    },
    prepareForUpdate(obj, old) {
      markUpdate(obj, old);
      bumpGeneration(obj, old, changed(obj, old));
    },
  };
}
