/** node.k8s.io/v1 RuntimeClass (kube's runtimeclass strategy and validation, 1.32). */
import type { FieldError, KObject } from "../../api/types.js";
import { duplicate, goQuote, invalid, nameIsDNSLabel, printedValue, validateLabels } from "../../validation/index.js";
import { validateTolerations } from "../core/podspec.js";
import { validateResourceRequirements } from "../core/resources.js";
import type { Strategy } from "../types.js";
import { arr, isObj, s, stringMap } from "../groupsupport/json.js";
import { immutable } from "../groupsupport/validate.js";

/** Tolerations are a list keyed by key, operator, value and effect: no repeats. */
function uniqueTolerations(tolerations: unknown[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  tolerations.forEach((x, i) => {
    const t = isObj(x) ? x : {};
    const key = JSON.stringify([s(t.key), s(t.operator), s(t.value), s(t.effect)]);
    if (seen.has(key)) {
      const secs = typeof t.tolerationSeconds === "number" ? `(*int64)(0xc000000000)` : "(*int64)(nil)";
      const shown = `core.Toleration{Key:${goQuote(s(t.key))}, Operator:${goQuote(s(t.operator))}, Value:${goQuote(s(t.value))}, Effect:${goQuote(s(t.effect))}, TolerationSeconds:${secs}}`;
      errs.push(duplicate(`${path}[${i}]`, printedValue(shown)));
    }
    seen.add(key);
  });
  return errs;
}

function validate(obj: KObject): FieldError[] {
  const handler = s(obj.handler);
  const errs = nameIsDNSLabel(handler, false).map((m) => invalid("handler", handler, m));
  if (isObj(obj.overhead)) {
    // kube reuses container resource validation, the fixed overhead as limits.
    errs.push(...validateResourceRequirements({ limits: obj.overhead.podFixed }, new Set(), "overhead"));
  }
  if (isObj(obj.scheduling)) {
    const sched = obj.scheduling;
    if (isObj(sched.nodeSelector)) errs.push(...validateLabels(stringMap(sched.nodeSelector), "scheduling.nodeSelector"));
    errs.push(...validateTolerations(sched.tolerations, "scheduling.tolerations"));
    errs.push(...uniqueTolerations(arr(sched.tolerations), "scheduling.tolerations"));
  }
  return errs;
}

export const runtimeClassStrategy: Strategy = {
  validate,
  validateUpdate: (obj, old) => immutable(s(obj.handler), s(old.handler), "handler"),
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
};
