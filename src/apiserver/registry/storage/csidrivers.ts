/** storage.k8s.io/v1 CSIDriver (kube's csidriver strategy, defaults, validation; 1.32). */
import type { FieldError, KObject } from "../../api/types.js";
import { duplicate, invalid, notSupported, required } from "../../validation/index.js";
import type { Strategy } from "../types.js";
import { arr, isObj, len, s, setDefault, specOf } from "../groupsupport/json.js";
import { immutable } from "../groupsupport/validate.js";
import { validateCSIDriverName } from "./csi.js";

const fsGroupPolicies = ["File", "None", "ReadWriteOnceWithFSType"];
const lifecycleModes = ["Ephemeral", "Persistent"];

function defaults(obj: KObject): void {
  const spec = specOf(obj);
  setDefault(spec, "attachRequired", true);
  setDefault(spec, "podInfoOnMount", false);
  setDefault(spec, "storageCapacity", false);
  setDefault(spec, "fsGroupPolicy", "ReadWriteOnceWithFSType");
  if (len(spec.volumeLifecycleModes) === 0) spec.volumeLifecycleModes = ["Persistent"];
  setDefault(spec, "requiresRepublish", false);
  // SELinuxMountReadWriteOncePod is beta (on) in 1.32.
  setDefault(spec, "seLinuxMount", false);
}

function validateTokenRequests(requests: unknown[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  const audiences = new Set<string>();
  requests.forEach((r, i) => {
    const req = isObj(r) ? r : {};
    const p = `${path}[${i}]`;
    const aud = s(req.audience);
    if (audiences.has(aud)) errs.push(duplicate(`${p}.audience`, aud));
    audiences.add(aud);
    const exp = req.expirationSeconds;
    if (typeof exp === "number") {
      if (exp < 600) errs.push(invalid(`${p}.expirationSeconds`, exp, "may not specify a duration less than 10 minutes"));
      if (exp > 2 ** 32) errs.push(invalid(`${p}.expirationSeconds`, exp, "may not specify a duration larger than 2^32 seconds"));
    }
  });
  return errs;
}

function validate(obj: KObject): FieldError[] {
  const spec = isObj(obj.spec) ? obj.spec : {};
  const errs = validateCSIDriverName(obj.metadata.name ?? "", "name");
  const p = "spec";
  for (const [k, path] of [["attachRequired", "attachedRequired"], ["podInfoOnMount", "podInfoOnMount"], ["storageCapacity", "storageCapacity"]] as const) {
    if (spec[k] === undefined || spec[k] === null) errs.push(required(`${p}.${path}`));
  }
  if (typeof spec.fsGroupPolicy === "string" && !fsGroupPolicies.includes(spec.fsGroupPolicy)) {
    errs.push(notSupported(`${p}.fsGroupPolicy`, spec.fsGroupPolicy, fsGroupPolicies));
  }
  errs.push(...validateTokenRequests(arr(spec.tokenRequests), `${p}.tokenRequests`));
  for (const m of arr(spec.volumeLifecycleModes)) {
    if (!lifecycleModes.includes(s(m))) errs.push(notSupported(`${p}.volumeLifecycleModes`, s(m), lifecycleModes));
  }
  if (spec.seLinuxMount === undefined || spec.seLinuxMount === null) errs.push(required(`${p}.seLinuxMount`));
  return errs;
}

export const csiDriverStrategy: Strategy = {
  defaults,
  validate,
  validateUpdate(obj, old) {
    const spec = isObj(obj.spec) ? obj.spec : {};
    const oldSpec = isObj(old.spec) ? old.spec : {};
    return [
      ...immutable(spec.attachRequired, oldSpec.attachRequired, "spec.attachedRequired"),
      ...immutable(spec.volumeLifecycleModes, oldSpec.volumeLifecycleModes, "spec.volumeLifecycleModes"),
    ];
  },
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
};
