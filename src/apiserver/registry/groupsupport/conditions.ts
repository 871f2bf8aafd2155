/** metav1.Condition lists in status (apimachinery's meta/v1/validation.ValidateConditions, 1.32). */
import type { FieldError } from "../../api/types.js";
import { duplicate, invalid, notSupported, regexError, required, tooLong, validateLabelName } from "../../validation/index.js";
import { arr, isObj, s } from "./json.js";

const reasonFmt = "[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?";
const reasonRe = new RegExp(`^${reasonFmt}$`);
const reasonErrMsg =
  "a condition reason must start with alphabetic character, optionally followed by a string of alphanumeric characters or '_,:', and must end with an alphanumeric character or '_'";
const maxReasonLen = 1024;
const maxMessageLen = 32 * 1024;

export function validateConditions(conditions: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  arr(conditions).forEach((c, i) => {
    const cond = isObj(c) ? c : {};
    const p = `${path}[${i}]`;
    const type = s(cond.type);
    if (seen.has(type)) errs.push(duplicate(`${p}.type`, type));
    else seen.add(type);
    errs.push(...validateLabelName(type, `${p}.type`));
    const status = s(cond.status);
    if (!["False", "True", "Unknown"].includes(status)) errs.push(notSupported(`${p}.status`, status, ["False", "True", "Unknown"]));
    if (typeof cond.observedGeneration === "number" && cond.observedGeneration < 0) {
      errs.push(invalid(`${p}.observedGeneration`, cond.observedGeneration, "must be greater than or equal to zero"));
    }
    if (!cond.lastTransitionTime) errs.push(required(`${p}.lastTransitionTime`, "must be set"));
    const reason = s(cond.reason);
    if (reason === "") errs.push(required(`${p}.reason`, "must be set"));
    else {
      if (!reasonRe.test(reason)) {
        errs.push(invalid(`${p}.reason`, reason, regexError(reasonErrMsg, reasonFmt, "my_name", "MY_NAME", "MyName", "ReasonA,ReasonB", "ReasonA:ReasonB")));
      }
      if (Buffer.byteLength(reason) > maxReasonLen) errs.push(tooLong(`${p}.reason`, "", maxReasonLen));
    }
    if (Buffer.byteLength(s(cond.message)) > maxMessageLen) errs.push(tooLong(`${p}.message`, "", maxMessageLen));
  });
  return errs;
}
