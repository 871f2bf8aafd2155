/** ValidateCSIDriverName (core validation), shared by the storage kinds. */
import type { FieldError } from "../../api/types.js";
import { invalid, isDNS1123Subdomain, required, tooLong } from "../../validation/index.js";

export function validateCSIDriverName(name: string, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (name.length === 0) errs.push(required(path));
  if (name.length > 63) errs.push(tooLong(path, name, 63));
  for (const m of isDNS1123Subdomain(name.toLowerCase())) errs.push(invalid(path, name, m));
  return errs;
}
