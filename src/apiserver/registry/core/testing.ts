/** Test helpers: run a strategy the way the generic store does, and print errors as kube does. */
import type { KObject } from "../../api/types.js";
import { formatFieldError } from "../../validation/index.js";
import type { Strategy, StrategyContext } from "../types.js";

export const ctx: StrategyContext = { namespace: "default", now: new Date("2025-01-02T03:04:05.678Z"), dryRun: false };

/** defaults -> prepareForCreate -> validate, as a POST does; answers the object and the errors as text. */
export function create(strategy: Strategy, input: Record<string, unknown>): { obj: KObject; errors: string[] } {
  const obj = structuredClone(input) as KObject;
  obj.metadata ??= {};
  strategy.defaults?.(obj);
  strategy.prepareForCreate?.(obj, ctx);
  const errors = (strategy.validate?.(obj, ctx) ?? []).map(formatFieldError);
  return { obj, errors };
}

/** defaults -> prepareForUpdate -> validate + validateUpdate (or a subresource's), as a PUT does. */
export function update(strategy: Strategy, input: Record<string, unknown>, old: KObject, subresource?: string): { obj: KObject; errors: string[] } {
  const obj = structuredClone(input) as KObject;
  obj.metadata ??= {};
  strategy.defaults?.(obj);
  const sub = subresource ? strategy.subresources?.[subresource] : undefined;
  if (subresource && !sub) throw new Error(`no subresource ${subresource}`);
  if (sub) sub.prepareForUpdate?.(obj, old, ctx);
  else strategy.prepareForUpdate?.(obj, old, ctx);
  const errs = sub ? sub.validateUpdate?.(obj, old, ctx) ?? [] : [...(strategy.validate?.(obj, ctx) ?? []), ...(strategy.validateUpdate?.(obj, old, ctx) ?? [])];
  return { obj, errors: errs.map(formatFieldError) };
}
