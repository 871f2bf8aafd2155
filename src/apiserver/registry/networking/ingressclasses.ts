/** networking.k8s.io/v1 IngressClass (kube's ingressclass strategy, defaults, validation; 1.32). */
import type { FieldError, KObject } from "../../api/types.js";
import { forbidden, invalid, isDomainPrefixedPath, nameIsDNSLabel, notSupported, required, tooLong } from "../../validation/index.js";
import type { Strategy } from "../types.js";
import { generationStrategy } from "../groupsupport/lifecycle.js";
import { isObj, objAt, s } from "../groupsupport/json.js";
import { immutable } from "../groupsupport/validate.js";
import { validateTypedLocalObjectReference } from "./backends.js";

const maxControllerLength = 250;

function defaults(obj: KObject): void {
  const params = objAt(obj.spec, "parameters");
  if (params && (params.scope === undefined || params.scope === null)) params.scope = "Cluster";
}

function validate(obj: KObject): FieldError[] {
  const spec = isObj(obj.spec) ? obj.spec : {};
  const errs: FieldError[] = [];
  const controller = s(spec.controller);
  if (Buffer.byteLength(controller) > maxControllerLength) errs.push(tooLong("spec.controller", controller, maxControllerLength));
  errs.push(...isDomainPrefixedPath("spec.controller", controller));
  const params = objAt(spec, "parameters");
  if (params) {
    const p = "spec.parameters";
    errs.push(...validateTypedLocalObjectReference(params, p));
    if (params.scope === undefined || params.scope === null) errs.push(required(`${p}.scope`));
    else {
      const scope = s(params.scope);
      if (scope !== "Cluster" && scope !== "Namespace") errs.push(notSupported(`${p}.scope`, scope, ["Cluster", "Namespace"]));
      const ns = params.namespace;
      if (scope === "Namespace") {
        if (typeof ns !== "string") errs.push(required(`${p}.namespace`, "`parameters.scope` is set to 'Namespace'"));
        else for (const m of nameIsDNSLabel(ns, false)) errs.push(invalid(`${p}.namespace`, ns, m));
      }
      if (scope === "Cluster" && typeof ns === "string") errs.push(forbidden(`${p}.namespace`, "`parameters.scope` is set to 'Cluster'"));
    }
  }
  return errs;
}

export const ingressClassStrategy: Strategy = {
  defaults,
  ...generationStrategy(),
  validate,
  validateUpdate: (obj, old) => immutable(objAt(obj.spec)?.controller ?? "", objAt(old.spec)?.controller ?? "", "spec.controller"),
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
};
