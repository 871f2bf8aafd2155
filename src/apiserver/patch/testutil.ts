import { applyPatchWithDetails, patchFailureStatus, PatchError, type PatchOptions, type PatchType } from "./index.js";
import type { Status } from "../api/status.js";

/** Test helper: the patched object, or the Status kube would answer with. */
export type Outcome = { object: Record<string, unknown>; strictErrors: string[] } | { status: Status; detail?: string };

export const POD = { group: "", version: "v1", kind: "Pod" };
export const DEPLOYMENT = { group: "apps", version: "v1", kind: "Deployment" };
export const SERVICE = { group: "", version: "v1", kind: "Service" };

export function run(type: PatchType, original: Record<string, unknown>, body: unknown, gvk = POD, options: PatchOptions = {}): Outcome {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  try {
    const r = applyPatchWithDetails(type, original, text, gvk, options);
    return { object: r.object, strictErrors: r.strictErrors };
  } catch (e) {
    if (!(e instanceof PatchError)) throw e;
    const out: Outcome = { status: patchFailureStatus(e.failure) };
    if (e.failure.detail !== undefined) out.detail = e.failure.detail;
    return out;
  }
}

/** A Status as kube sends it, for expectations. */
export function status(code: number, reason: string | undefined, message: string, details?: Status["details"]): Status {
  const s: Status = { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, code };
  if (reason) s.reason = reason;
  if (details) s.details = details;
  return s;
}

export const GENERIC_422 = status(422, "Invalid", "the server rejected our request due to an error in our request", {});
