/** LimitRanges: typed limits with consistent min <= defaultRequest <= default <= max, per resource. */
import type { FieldError, KObject } from "../../api/types.js";
import { forbidden, invalid, isQualifiedName, key, printedValue, required } from "../../validation/index.js";
import type { Strategy } from "../types.js";
import { cmpQuantity, formatQuantity, parseQuantity, type Quantity } from "./quantity.js";
import { canonicalizeResourceList, isOvercommitAllowed, validateContainerResourceName, validateResourceName } from "./resources.js";
import { ensureObj, obj, objs, s, type Json } from "./util.js";

const lists = ["max", "min", "default", "defaultRequest", "maxLimitRequestRatio"] as const;

/** SetDefaults_LimitRangeItem: a Container item's default comes from max, its defaultRequest from default or min. */
function defaults(lr: KObject): void {
  for (const item of objs(ensureObj(lr, "spec").limits)) {
    for (const l of lists) canonicalizeResourceList(item[l]);
    if (item.type !== "Container") continue;
    const def: Json = { ...obj(item.default) };
    const req: Json = { ...obj(item.defaultRequest) };
    for (const [k, v] of Object.entries(obj(item.max))) if (!(k in def)) def[k] = v;
    for (const [k, v] of Object.entries(def)) if (!(k in req)) req[k] = v;
    for (const [k, v] of Object.entries(obj(item.min))) if (!(k in req)) req[k] = v;
    // Empty maps stay absent, as Go omits them.
    if (Object.keys(def).length) item.default = def;
    if (Object.keys(req).length) item.defaultRequest = req;
  }
}

const standardLimitTypes = new Set(["Pod", "Container", "PersistentVolumeClaim"]);

function validate(lr: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const types = new Set<string>();
  objs(obj(lr.spec).limits).forEach((item, i) => {
    const p = `spec.limits[${i}]`;
    const type = s(item.type);
    const typeErrs = isQualifiedName(type).map((m) => invalid(`${p}.type`, type, m));
    if (!typeErrs.length && !type.includes("/") && !standardLimitTypes.has(type)) {
      typeErrs.push(invalid(`${p}.type`, type, "must be a standard limit type or fully qualified"));
    }
    errs.push(...typeErrs);
    if (types.has(type)) errs.push({ type: "FieldValueDuplicate", field: `${p}.type`, badValue: type, detail: "" });
    types.add(type);
    const nameCheck = type === "Pod" || type === "Container" ? validateContainerResourceName : validateResourceName;
    const values: Record<string, Map<string, Quantity>> = {};
    const keys = new Set<string>();
    const collect = (l: (typeof lists)[number]) => {
      values[l] = new Map();
      for (const [k, v] of Object.entries(obj(item[l]))) {
        errs.push(...nameCheck(k, key(`${p}.${l}`, k)));
        keys.add(k);
        const q = parseQuantity(v);
        if (typeof q === "string") errs.push(invalid(key(`${p}.${l}`, k), v ?? null, q));
        else values[l]!.set(k, q);
      }
    };
    collect("max");
    collect("min");
    if (type === "Pod") {
      values.default = new Map();
      values.defaultRequest = new Map();
      if (Object.keys(obj(item.default)).length) errs.push(forbidden(`${p}.default`, "may not be specified when `type` is 'Pod'"));
      if (Object.keys(obj(item.defaultRequest)).length) errs.push(forbidden(`${p}.defaultRequest`, "may not be specified when `type` is 'Pod'"));
    } else {
      collect("default");
      collect("defaultRequest");
    }
    if (type === "PersistentVolumeClaim" && !obj(item.min).storage && !obj(item.max).storage) {
      errs.push(required(`${p}.limits`, "either minimum or maximum storage value is required, but neither was provided"));
    }
    collect("maxLimitRequestRatio");
    const q = (s: Quantity) => printedValue(formatQuantity(s));
    for (const k of keys) {
      const min = values.min!.get(k);
      const max = values.max!.get(k);
      const def = values.default!.get(k);
      const req = values.defaultRequest!.get(k);
      const ratio = values.maxLimitRequestRatio!.get(k);
      const f = formatQuantity;
      if (min && max && cmpQuantity(min, max) > 0) errs.push(invalid(key(`${p}.min`, k), q(min), `min value ${f(min)} is greater than max value ${f(max)}`));
      if (req && min && cmpQuantity(min, req) > 0) errs.push(invalid(key(`${p}.defaultRequest`, k), q(req), `min value ${f(min)} is greater than default request value ${f(req)}`));
      if (req && max && cmpQuantity(req, max) > 0) errs.push(invalid(key(`${p}.defaultRequest`, k), q(req), `default request value ${f(req)} is greater than max value ${f(max)}`));
      if (req && def && cmpQuantity(req, def) > 0) errs.push(invalid(key(`${p}.defaultRequest`, k), q(req), `default request value ${f(req)} is greater than default limit value ${f(def)}`));
      if (def && min && cmpQuantity(min, def) > 0) errs.push(invalid(key(`${p}.default`, k), q(min), `min value ${f(min)} is greater than default value ${f(def)}`));
      if (def && max && cmpQuantity(def, max) > 0) errs.push(invalid(key(`${p}.default`, k), q(max), `default value ${f(def)} is greater than max value ${f(max)}`));
      if (ratio && cmpQuantity(ratio, parseQuantity("1") as Quantity) < 0) errs.push(invalid(key(`${p}.maxLimitRequestRatio`, k), q(ratio), `ratio ${f(ratio)} is less than 1`));
      if (!isOvercommitAllowed(k) && def && req && cmpQuantity(def, req) !== 0) {
        errs.push(invalid(key(`${p}.defaultRequest`, k), q(req), `default value ${f(def)} must equal to defaultRequest value ${f(req)} in ${k}`));
      }
    }
  });
  return errs;
}

export const limitRangeStrategy: Strategy = {
  defaults,
  validate,
  allowCreateOnUpdate: true,
  allowUnconditionalUpdate: true,
};
