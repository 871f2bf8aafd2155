/**
 * JobSpec validation shared by jobs and cronjob job templates (kube's validateJobSpec, 1.32:
 * pod failure policy, success policy, pod replacement policy, indexed-job limits, template).
 */
import type { FieldError } from "../../api/types.js";
import {
  duplicate, invalid, isDomainPrefixedPath, isQualifiedName, notSupported, required, tooLong, tooMany,
} from "../../validation/index.js";
import { validatePodTemplateSpec } from "../core/podspec.js";
import { arr, isObj, objAt, s, type Json } from "../groupsupport/json.js";
import { nonNegative } from "../groupsupport/validate.js";

const maxParallelismForIndexedJob = 100000;
const maxFailedIndexesForIndexedJob = 100_000;
const completionsSoftLimit = 100_000;
const parallelismLimitForHighCompletions = 10_000;
const maxFailedIndexesLimitForHighCompletions = 10_000;
const maxPodFailurePolicyRules = 20;
const maxOnExitCodesValues = 255;
const maxOnPodConditionsPatterns = 20;
const maxManagedByLength = 63;
const maxSucceededIndexesLength = 64 * 1024;
const maxSuccessPolicyRules = 20;

// Sorted, as kube's sets.List prints them.
const podFailurePolicyActions = ["Count", "FailIndex", "FailJob", "Ignore"];
const onExitCodesOperators = ["In", "NotIn"];
const conditionStatuses = ["False", "True", "Unknown"];
const podReplacementPolicies = ["Failed", "TerminatingOrFailed"];

function quotedList(values: string[]): string {
  return `[${values.map((v) => JSON.stringify(v)).join(" ")}]`;
}

function num(v: unknown): number | undefined {
  return typeof v === "number" ? v : undefined;
}

export function validateJobSpecFields(spec: Json, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const p = (k: string) => `${path}.${k}`;
  for (const k of ["parallelism", "completions", "activeDeadlineSeconds", "backoffLimit", "ttlSecondsAfterFinished", "backoffLimitPerIndex"]) {
    errs.push(...nonNegative(spec[k], p(k)));
  }
  const completions = num(spec.completions);
  const parallelism = num(spec.parallelism);
  const perIndex = num(spec.backoffLimitPerIndex);
  const maxFailed = num(spec.maxFailedIndexes);
  if (maxFailed !== undefined) {
    errs.push(...nonNegative(maxFailed, p("maxFailedIndexes")));
    if (perIndex === undefined) errs.push(required(p("backoffLimitPerIndex"), "when maxFailedIndexes is specified"));
  }
  if (typeof spec.managedBy === "string") {
    errs.push(...isDomainPrefixedPath(p("managedBy"), spec.managedBy));
    if (Buffer.byteLength(spec.managedBy) > maxManagedByLength) errs.push(tooLong(p("managedBy"), spec.managedBy, maxManagedByLength));
  }
  const mode = spec.completionMode;
  if (typeof mode === "string") {
    if (mode !== "NonIndexed" && mode !== "Indexed") errs.push(notSupported(p("completionMode"), mode, ["NonIndexed", "Indexed"]));
    if (mode === "Indexed") {
      if (completions === undefined) errs.push(required(p("completions"), "when completion mode is Indexed"));
      if (parallelism !== undefined && parallelism > maxParallelismForIndexedJob) {
        errs.push(invalid(p("parallelism"), parallelism, `must be less than or equal to ${maxParallelismForIndexedJob} when completion mode is Indexed`));
      }
      if (completions !== undefined && maxFailed !== undefined && maxFailed > completions) {
        errs.push(invalid(p("maxFailedIndexes"), maxFailed, "must be less than or equal to completions"));
      }
      if (maxFailed !== undefined && maxFailed > maxFailedIndexesForIndexedJob) {
        errs.push(invalid(p("maxFailedIndexes"), maxFailed, `must be less than or equal to ${maxFailedIndexesForIndexedJob}`));
      }
      if (completions !== undefined && completions > completionsSoftLimit && perIndex !== undefined) {
        if (maxFailed === undefined) errs.push(required(p("maxFailedIndexes"), `must be specified when completions is above ${completionsSoftLimit}`));
        const tail = `when completions are above ${completionsSoftLimit} and used with backoff limit per index`;
        if (parallelism !== undefined && parallelism > parallelismLimitForHighCompletions) {
          errs.push(invalid(p("parallelism"), parallelism, `must be less than or equal to ${parallelismLimitForHighCompletions} ${tail}`));
        }
        if (maxFailed !== undefined && maxFailed > maxFailedIndexesLimitForHighCompletions) {
          errs.push(invalid(p("maxFailedIndexes"), maxFailed, `must be less than or equal to ${maxFailedIndexesLimitForHighCompletions} ${tail}`));
        }
      }
    }
  }
  const indexed = mode === "Indexed";
  if (!indexed) {
    if (perIndex !== undefined) errs.push(invalid(p("backoffLimitPerIndex"), perIndex, "requires indexed completion mode"));
    if (maxFailed !== undefined) errs.push(invalid(p("maxFailedIndexes"), maxFailed, "requires indexed completion mode"));
  }
  const template = objAt(spec, "template") ?? {};
  if (isObj(spec.podFailurePolicy)) errs.push(...validatePodFailurePolicy(spec, template, p("podFailurePolicy")));
  if (isObj(spec.successPolicy)) {
    if (!indexed) errs.push(invalid(p("successPolicy"), spec.successPolicy, "requires indexed completion mode"));
    else errs.push(...validateSuccessPolicy(spec.successPolicy, completions ?? 0, p("successPolicy")));
  }
  if (typeof spec.podReplacementPolicy === "string") {
    const v = spec.podReplacementPolicy;
    if (isObj(spec.podFailurePolicy)) {
      if (v !== "Failed") errs.push(notSupported(p("podReplacementPolicy"), v, ["Failed"]));
    } else if (!podReplacementPolicies.includes(v)) {
      errs.push(notSupported(p("podReplacementPolicy"), v, podReplacementPolicies));
    }
  }
  errs.push(...validatePodTemplateSpec(template, p("template")));
  // Pod defaulting turns a missing restartPolicy into Always, so both read as "not set".
  const restart = s(objAt(template, "spec")?.restartPolicy);
  const rp = p("template.spec.restartPolicy");
  if (restart === "Always" || restart === "") errs.push(required(rp, 'valid values: "OnFailure", "Never"'));
  else if (restart !== "OnFailure" && restart !== "Never") errs.push(notSupported(rp, restart, ["OnFailure", "Never"]));
  else if (isObj(spec.podFailurePolicy) && restart !== "Never") errs.push(invalid(rp, restart, 'only "Never" is supported when podFailurePolicy is specified'));
  return errs;
}

function validatePodFailurePolicy(spec: Json, template: Json, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const rules = arr(objAt(spec, "podFailurePolicy")?.rules);
  const rulesPath = `${path}.rules`;
  if (rules.length > maxPodFailurePolicyRules) errs.push(tooMany(rulesPath, rules.length, maxPodFailurePolicyRules));
  const podSpec = objAt(template, "spec") ?? {};
  const containerNames = new Set([...arr(podSpec.containers), ...arr(podSpec.initContainers)].map((c) => s(isObj(c) ? c.name : "")));
  rules.forEach((r, i) => {
    const rule = isObj(r) ? r : {};
    const rp = `${rulesPath}[${i}]`;
    const action = s(rule.action);
    if (action === "") errs.push(required(`${rp}.action`, `valid values: ${quotedList(podFailurePolicyActions)}`));
    else if (action === "FailIndex") {
      if (spec.backoffLimitPerIndex === undefined || spec.backoffLimitPerIndex === null) {
        errs.push(invalid(`${rp}.action`, action, "requires the backoffLimitPerIndex to be set"));
      }
    } else if (!podFailurePolicyActions.includes(action)) errs.push(notSupported(`${rp}.action`, action, podFailurePolicyActions));
    const onExit = objAt(rule, "onExitCodes");
    if (onExit) errs.push(...validateOnExitCodes(onExit, `${rp}.onExitCodes`, containerNames));
    const onConds = arr(rule.onPodConditions);
    if (onConds.length > 0) errs.push(...validateOnPodConditions(onConds, `${rp}.onPodConditions`));
    if (onExit && onConds.length > 0) errs.push(invalid(rp, undefined, "specifying both OnExitCodes and OnPodConditions is not supported"));
    if (!onExit && onConds.length === 0) errs.push(invalid(rp, undefined, "specifying one of OnExitCodes and OnPodConditions is required"));
  });
  return errs;
}

function validateOnPodConditions(patterns: unknown[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (patterns.length > maxOnPodConditionsPatterns) errs.push(tooMany(path, patterns.length, maxOnPodConditionsPatterns));
  patterns.forEach((x, j) => {
    const pattern = isObj(x) ? x : {};
    const pp = `${path}[${j}]`;
    for (const m of isQualifiedName(s(pattern.type))) errs.push(invalid(`${pp}.type`, s(pattern.type), m));
    const status = s(pattern.status);
    if (status === "") errs.push(required(`${pp}.status`, `valid values: ${quotedList(conditionStatuses)}`));
    else if (!conditionStatuses.includes(status)) errs.push(notSupported(`${pp}.status`, status, conditionStatuses));
  });
  return errs;
}

function validateOnExitCodes(onExit: Json, path: string, containerNames: Set<string>): FieldError[] {
  const errs: FieldError[] = [];
  const op = s(onExit.operator);
  if (op === "") errs.push(required(`${path}.operator`, `valid values: ${quotedList(onExitCodesOperators)}`));
  else if (!onExitCodesOperators.includes(op)) errs.push(notSupported(`${path}.operator`, op, onExitCodesOperators));
  if (typeof onExit.containerName === "string" && !containerNames.has(onExit.containerName)) {
    errs.push(invalid(`${path}.containerName`, onExit.containerName, "must be one of the container or initContainer names in the pod template"));
  }
  const values = arr(onExit.values).map((v) => (typeof v === "number" ? v : 0));
  const vp = `${path}.values`;
  if (values.length === 0) errs.push(invalid(vp, values, "at least one value is required"));
  else if (values.length > maxOnExitCodesValues) errs.push(tooMany(vp, values.length, maxOnExitCodesValues));
  const seen = new Set<number>();
  let ordered = true;
  values.forEach((v, j) => {
    if (op === "In" && v === 0) errs.push(invalid(`${vp}[${j}]`, v, "must not be 0 for the In operator"));
    if (seen.has(v)) errs.push(duplicate(`${vp}[${j}]`, v));
    else seen.add(v);
    if (j > 0 && values[j - 1]! > v) ordered = false;
  });
  if (!ordered) errs.push(invalid(vp, values, "must be ordered"));
  return errs;
}

function validateSuccessPolicy(policy: Json, completions: number, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const rules = arr(policy.rules);
  const rulesPath = `${path}.rules`;
  if (rules.length === 0) errs.push(required(rulesPath, "at least one rules must be specified when the successPolicy is specified"));
  if (rules.length > maxSuccessPolicyRules) errs.push(tooMany(rulesPath, rules.length, maxSuccessPolicyRules));
  rules.forEach((r, i) => {
    const rule = isObj(r) ? r : {};
    const rp = `${rulesPath}[${i}]`;
    const indexes = rule.succeededIndexes;
    const count = rule.succeededCount;
    if (typeof indexes !== "string" && typeof count !== "number") {
      errs.push(required(rp, "at least one of succeededCount or succeededIndexes must be specified"));
    }
    let total = 0;
    if (typeof indexes === "string") {
      if (Buffer.byteLength(indexes) > maxSucceededIndexesLength) errs.push(tooLong(`${rp}.succeededIndexes`, indexes, maxSucceededIndexesLength));
      const parsed = indexesFormat(indexes, completions);
      if (typeof parsed === "string") errs.push(invalid(`${rp}.succeededIndexes`, indexes, `error parsing succeededIndexes: ${parsed}`));
      else total = parsed;
    }
    if (typeof count === "number") {
      errs.push(...nonNegative(count, `${rp}.succeededCount`));
      if (count > completions) {
        errs.push(invalid(`${rp}.succeededCount`, count, `must be less than or equal to ${completions} (the number of specified completions)`));
      }
      if (typeof indexes === "string" && count > total) {
        errs.push(invalid(`${rp}.succeededCount`, count, `must be less than or equal to ${total} (the number of indexes in the specified succeededIndexes field)`));
      }
    }
  });
  return errs;
}

/** validateIndexesFormat: the number of indexes, or the error text. */
export function indexesFormat(indexes: string, completions: number): number | string {
  if (indexes.length === 0) return 0;
  let last: number | undefined;
  let total = 0;
  for (const interval of indexes.split(",")) {
    const r = indexInterval(interval, completions);
    if (typeof r === "string") return r;
    if (last !== undefined && last >= r[0]) return `non-increasing order, previous: ${last}, current: ${r[0]}`;
    total += r[1] - r[0] + 1;
    last = r[1];
  }
  return total;
}

export function indexInterval(interval: string, completions: number): [number, number] | string {
  const limits = interval.split("-");
  if (limits.length > 2) return `the fragment ${JSON.stringify(interval)} violates the requirement that an index interval can have at most two parts separated by '-'`;
  const parse = (x: string): number | string => (/^[+-]?[0-9]+$/.test(x) ? Number(x) : `cannot convert string to integer for index: ${JSON.stringify(x)}`);
  const x = parse(limits[0]!);
  if (typeof x === "string") return x;
  if (x >= completions) return `too large index: ${JSON.stringify(limits[0])}`;
  if (limits.length === 1) return [x, x];
  const y = parse(limits[1]!);
  if (typeof y === "string") return y;
  if (y >= completions) return `too large index: ${JSON.stringify(limits[1])}`;
  if (x >= y) return `non-increasing order, previous: ${x}, current: ${y}`;
  return [x, y];
}
