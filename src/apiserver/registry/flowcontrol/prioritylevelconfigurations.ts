/** flowcontrol.apiserver.k8s.io/v1 PriorityLevelConfiguration (kube's strategy, defaults, essential validation; 1.32). */
import type { FieldError, KObject } from "../../api/types.js";
import { forbidden, invalid, notSupported, required } from "../../validation/index.js";
import type { Strategy } from "../types.js";
import { isObj, objAt, s, setDefault, specOf, type Json } from "../groupsupport/json.js";
import { flowcontrolLifecycle } from "./lifecycle.js";

function defaultInt(o: Json, k: string, v: number): void {
  if (typeof o[k] !== "number" || o[k] === 0) o[k] = v;
}

function defaults(obj: KObject): void {
  const spec = specOf(obj);
  const limited = objAt(spec, "limited");
  if (limited) {
    setDefault(limited, "nominalConcurrencyShares", 30);
    setDefault(limited, "lendablePercent", 0);
    const queuing = objAt(limited, "limitResponse", "queuing");
    if (queuing) {
      defaultInt(queuing, "handSize", 8);
      defaultInt(queuing, "queues", 64);
      defaultInt(queuing, "queueLengthLimit", 50);
    }
  }
  const exempt = objAt(spec, "exempt");
  if (exempt) {
    setDefault(exempt, "nominalConcurrencyShares", 0);
    setDefault(exempt, "lendablePercent", 0);
  }
}

function validatePercent(v: unknown, path: string): FieldError[] {
  return typeof v === "number" && (v < 0 || v > 100) ? [invalid(path, v, "must be between 0 and 100, inclusive")] : [];
}

function validateLimited(limited: Json): FieldError[] {
  const p = "spec.limited";
  const errs: FieldError[] = [];
  const shares = limited.nominalConcurrencyShares;
  if (typeof shares === "number" && shares < 0) errs.push(invalid(`${p}.nominalConcurrencyShares`, shares, "must be a non-negative integer"));
  errs.push(...validatePercent(limited.lendablePercent, `${p}.lendablePercent`));
  const borrow = limited.borrowingLimitPercent;
  if (typeof borrow === "number" && borrow < 0) errs.push(invalid(`${p}.borrowingLimitPercent`, borrow, "if specified, must be a non-negative integer"));
  const lr = objAt(limited, "limitResponse") ?? {};
  const lp = `${p}.limitResponse`;
  switch (lr.type) {
    case "Queue": {
      const q = objAt(lr, "queuing");
      if (!q) errs.push(required(`${lp}.queuing`, "must not be empty if type is Queue"));
      else {
        for (const k of ["queueLengthLimit", "queues", "handSize"]) {
          const v = typeof q[k] === "number" ? (q[k] as number) : 0;
          if (v <= 0) errs.push(invalid(`${lp}.queuing.${k}`, v, "must be positive"));
        }
      }
      break;
    }
    case "Reject":
      if (isObj(lr.queuing)) errs.push(forbidden(`${lp}.queuing`, "must be nil if limited.limitResponse.type is not Limited"));
      break;
    default:
      errs.push(notSupported(`${lp}.type`, s(lr.type), ["Queue", "Reject"]));
  }
  return errs;
}

function validate(obj: KObject): FieldError[] {
  const spec = isObj(obj.spec) ? obj.spec : {};
  const errs: FieldError[] = [];
  const type = s(spec.type);
  if ((obj.metadata.name === "exempt") !== (type === "Exempt")) {
    errs.push(invalid("spec.type", type, "type must be 'Exempt' if and only if name is 'exempt'"));
  }
  switch (type) {
    case "Exempt": {
      if (isObj(spec.limited)) errs.push(forbidden("spec.limited", "must be nil if the type is not Limited"));
      const exempt = objAt(spec, "exempt");
      if (exempt) {
        const shares = exempt.nominalConcurrencyShares;
        if (typeof shares === "number" && shares < 0) errs.push(invalid("spec.exempt.nominalConcurrencyShares", shares, "must be a non-negative integer"));
        errs.push(...validatePercent(exempt.lendablePercent, "spec.exempt.lendablePercent"));
      }
      break;
    }
    case "Limited": {
      if (isObj(spec.exempt)) errs.push(forbidden("spec.exempt", "must be nil if the type is Limited"));
      const limited = objAt(spec, "limited");
      if (!limited) errs.push(required("spec.limited", "must not be empty when type is Limited"));
      else errs.push(...validateLimited(limited));
      break;
    }
    default:
      errs.push(notSupported("spec.type", type, ["Exempt", "Limited"]));
  }
  return errs;
}

export const priorityLevelConfigurationStrategy: Strategy = {
  defaults,
  ...flowcontrolLifecycle,
  validate,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
};
