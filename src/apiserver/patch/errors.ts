import type { Status, StatusCause } from "../api/status.js";
import { goQuote } from "./gojson.js";

/**
 * A failed patch as kube-apiserver 1.32 reports it. `patchFailureStatus` gives the exact Status
 * body; the kinds map to:
 * - BadRequest: 400, reason BadRequest (undecodable body, malformed directives).
 * - Invalid: 422, reason Invalid. Without causes it is kube's generic answer to a JSON patch that
 *   does not apply (failed `test`, missing path, unknown op) or to an SMP list of lists; with
 *   causes it is `NewInvalid` on the field "patch" (patched object undecodable, strict errors).
 * - UnsupportedMediaType: 415 (strategic merge patch on a kind without Go types: custom resources).
 * - RequestEntityTooLarge: 413 (more than 10000 JSON patch operations).
 * - InternalError: 500. kube passes strategicpatch's plain errors (missing merge key, unknown
 *   `$patch` value, field not in the type, ...) straight to the client: the Status has code 500,
 *   no reason and the error text as message. Not kplane's `errors.internal` (no prefix, no causes).
 * - Conflict: 409; patching itself never yields it (a failed JSON patch `test` is a 422).
 */
export interface PatchFailure {
  kind: "BadRequest" | "Invalid" | "UnsupportedMediaType" | "Conflict" | "RequestEntityTooLarge" | "InternalError";
  message: string;
  causes?: StatusCause[];
  /** Why it failed, for logs and tests, where kube's message hides it (generic 422s). Not sent. */
  detail?: string;
}

export class PatchError extends Error {
  constructor(readonly failure: PatchFailure) {
    super(failure.message);
    this.name = "PatchError";
  }
}

const GENERIC_INVALID = "the server rejected our request due to an error in our request";

export function badRequest(message: string): PatchError {
  return new PatchError({ kind: "BadRequest", message });
}

/** NewGenericServerResponse(422, ...): the detail is lost on the wire. */
export function genericInvalid(detail: string): PatchError {
  return new PatchError({ kind: "Invalid", message: GENERIC_INVALID, detail });
}

/** A plain Go error that kube answers as a bare 500. */
export function internalError(message: string): PatchError {
  return new PatchError({ kind: "InternalError", message });
}

export function unsupportedMediaType(accepted: string[]): PatchError {
  return new PatchError({ kind: "UnsupportedMediaType", message: `the body of the request was in an unknown format - accepted media types include: ${accepted.join(", ")}` });
}

export function tooManyOperations(count: number): PatchError {
  return new PatchError({ kind: "RequestEntityTooLarge", message: `Request entity too large: The allowed maximum operations in a JSON patch is 10000, got ${count}` });
}

/**
 * kube's `NewInvalid(schema.GroupKind{}, "", field.Invalid(field.NewPath("patch"), value, detail))`:
 * how it rejects a patched object it cannot decode, and strict-decoding errors (detail
 * "strict decoding error: unknown field \"spec.foo\", ..."). `value` is what kube quotes: the
 * patched JSON for json/merge patches, Go's %+v of the patch map for strategic ones.
 */
export function invalidPatch(value: string, detail: string): PatchFailure {
  const body = `Invalid value: ${goQuote(value)}: ${detail}`;
  return { kind: "Invalid", message: ` "" is invalid: patch: ${body}`, causes: [{ reason: "FieldValueInvalid", message: body, field: "patch" }] };
}

/** The Status body kube sends for a failure. */
export function patchFailureStatus(f: PatchFailure): Status {
  const status: Status = { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: f.message, code: 500 };
  switch (f.kind) {
    case "BadRequest":
      return { ...status, reason: "BadRequest", code: 400 };
    case "Invalid":
      // An Invalid without group, kind or name: details carry only the causes (or nothing).
      return { ...status, reason: "Invalid", code: 422, details: f.causes ? { causes: f.causes } : {} };
    case "UnsupportedMediaType":
      return { ...status, reason: "UnsupportedMediaType", code: 415 };
    case "RequestEntityTooLarge":
      return { ...status, reason: "RequestEntityTooLarge", code: 413 };
    case "Conflict":
      return { ...status, reason: "Conflict", code: 409 };
    case "InternalError":
      return status;
  }
}
