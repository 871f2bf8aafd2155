/**
 * Test helpers: run a strategy the way the generic store does (defaults, prepare, validate) and
 * return the object with kube-formatted error messages, so tables can compare text.
 */
import type { KObject } from "../../api/types.js";
import { formatFieldError } from "../../validation/index.js";
import type { Strategy, StrategyContext } from "../types.js";

export const testCtx: StrategyContext = { namespace: "default", now: new Date("2024-05-01T10:00:00Z"), dryRun: false };

export interface Outcome {
  obj: KObject;
  errors: string[];
}

function withMeta(o: Partial<KObject>): KObject {
  const obj = structuredClone(o) as KObject;
  obj.metadata = { uid: "8f3b2c1a-0000-4000-8000-000000000001", namespace: "default", ...(obj.metadata ?? {}) };
  return obj;
}

/** POST: defaults, prepareForCreate, validate. */
export function runCreate(strategy: Strategy, input: Partial<KObject>, ctx: StrategyContext = testCtx): Outcome {
  const obj = withMeta(input);
  strategy.defaults?.(obj);
  strategy.prepareForCreate?.(obj, ctx);
  const errors = (strategy.validate?.(obj, ctx) ?? []).map(formatFieldError);
  return { obj, errors };
}

/** A created object as stored (throws if creating it fails validation). */
export function created(strategy: Strategy, input: Partial<KObject>): KObject {
  const { obj, errors } = runCreate(strategy, input);
  if (errors.length) throw new Error(`create failed: ${errors.join("; ")}`);
  obj.metadata.resourceVersion = "1";
  return obj;
}

/** PUT of the main resource (or of `subresource`): defaults, prepareForUpdate, validation. */
export function runUpdate(strategy: Strategy, input: Partial<KObject>, old: KObject, subresource?: string, ctx: StrategyContext = testCtx): Outcome {
  const obj = withMeta(input);
  if (old.metadata.generation !== undefined) obj.metadata.generation = old.metadata.generation;
  else delete obj.metadata.generation;
  strategy.defaults?.(obj);
  const sub = subresource ? strategy.subresources?.[subresource] : undefined;
  if (subresource && !sub) throw new Error(`no ${subresource} subresource strategy`);
  let errs;
  if (sub) {
    sub.prepareForUpdate?.(obj, old, ctx);
    errs = sub.validateUpdate?.(obj, old, ctx) ?? [];
  } else {
    strategy.prepareForUpdate?.(obj, old, ctx);
    errs = [...(strategy.validate?.(obj, ctx) ?? []), ...(strategy.validateUpdate?.(obj, old, ctx) ?? [])];
  }
  return { obj, errors: errs.map(formatFieldError) };
}

/**
 * A deep copy with fields set by dotted path (`{"spec.replicas": 3}`); `undefined` deletes.
 * Intermediate objects are created as needed.
 */
export function edited(obj: KObject, sets: Record<string, unknown>): KObject {
  const copy = structuredClone(obj);
  for (const [path, value] of Object.entries(sets)) {
    const keys = path.split(".");
    let cur = copy as Record<string, unknown>;
    for (const k of keys.slice(0, -1)) {
      const next = cur[k];
      if (typeof next !== "object" || next === null) cur[k] = {};
      cur = cur[k] as Record<string, unknown>;
    }
    const last = keys[keys.length - 1]!;
    if (value === undefined) delete cur[last];
    else cur[last] = structuredClone(value);
  }
  return copy;
}
