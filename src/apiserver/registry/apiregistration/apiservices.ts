/** apiregistration.k8s.io/v1 APIService (kube-aggregator's strategy, defaults, validation; 1.32). */
import type { FieldError, KObject } from "../../api/types.js";
import { goQuote, invalid, isDNS1035Label, isDNS1123Subdomain, isValidPortNum, notSupported, required } from "../../validation/index.js";
import type { Strategy } from "../types.js";
import { specStatusStrategy } from "../groupsupport/lifecycle.js";
import { arr, isObj, objAt, s, setDefault } from "../groupsupport/json.js";

function validate(obj: KObject): FieldError[] {
  const spec = isObj(obj.spec) ? obj.spec : {};
  const group = s(spec.group);
  const version = s(spec.version);
  const errs: FieldError[] = [];
  const want = `${version}.${group}`;
  const name = obj.metadata.name ?? "";
  if (name !== want) errs.push(invalid("metadata.name", name, `must be \`spec.version+"."+spec.group\`: ${goQuote(want)}`));
  if (group === "" && version !== "v1") errs.push(required("spec.group", "only v1 may have an empty group and it better be legacy kube"));
  if (group !== "") for (const m of isDNS1123Subdomain(group)) errs.push(invalid("spec.group", group, m));
  for (const m of isDNS1035Label(version)) errs.push(invalid("spec.version", version, m));
  const gpm = typeof spec.groupPriorityMinimum === "number" ? spec.groupPriorityMinimum : 0;
  if (gpm <= 0 || gpm > 20000) errs.push(invalid("spec.groupPriorityMinimum", gpm, "must be positive and less than 20000"));
  const vp = typeof spec.versionPriority === "number" ? spec.versionPriority : 0;
  if (vp <= 0 || vp > 1000) errs.push(invalid("spec.versionPriority", vp, "must be positive and less than 1000"));
  const insecure = spec.insecureSkipTLSVerify === true;
  const caBundle = typeof spec.caBundle === "string" ? Buffer.from(spec.caBundle, "base64") : Buffer.alloc(0);
  const svc = objAt(spec, "service");
  if (!svc) {
    if (caBundle.length !== 0) errs.push(invalid("spec.caBundle", `${caBundle.length} bytes`, "local APIServices may not have a caBundle"));
    if (insecure) errs.push(invalid("spec.insecureSkipTLSVerify", true, "local APIServices may not have insecureSkipTLSVerify"));
    return errs;
  }
  if (s(svc.namespace) === "") errs.push(required("spec.service.namespace"));
  if (s(svc.name) === "") errs.push(required("spec.service.name"));
  const port = typeof svc.port === "number" ? svc.port : 0;
  const portErrs = isValidPortNum(port);
  if (portErrs.length > 0) errs.push(invalid("spec.service.port", port, `port is not valid: ${portErrs.join(", ")}`));
  if (insecure && caBundle.length > 0) errs.push(invalid("spec.insecureSkipTLSVerify", true, "may not be true if caBundle is present"));
  return errs;
}

/** ValidateAPIServiceStatus: condition types and statuses. */
function validateStatus(obj: KObject): FieldError[] {
  const errs: FieldError[] = [];
  arr(isObj(obj.status) ? obj.status.conditions : undefined).forEach((c, i) => {
    const cond = isObj(c) ? c : {};
    const status = s(cond.status);
    if (!["True", "False", "Unknown"].includes(status)) errs.push(notSupported(`status.conditions[${i}].status`, status, ["True", "False", "Unknown"]));
    if (s(cond.type) === "") errs.push(required(`status.conditions[${i}].type`));
  });
  return errs;
}

export const apiServiceStrategy: Strategy = {
  defaults(obj) {
    const svc = objAt(obj.spec, "service");
    if (svc) setDefault(svc, "port", 443);
  },
  ...specStatusStrategy({ zeroStatus: () => ({}), generation: false, validateStatusUpdate: validateStatus }),
  validate,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: false,
};
