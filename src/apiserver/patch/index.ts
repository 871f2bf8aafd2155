import type { GroupVersionKind } from "../api/types.js";
import { CUSTOM_PATCH_TYPES, definitionOfKind } from "../openapi/index.js";
import { badRequest, internalError, invalidPatch, PatchError, tooManyOperations, unsupportedMediaType } from "./errors.js";
import { cloneJSON, decodeJSONPatchOpsStrict, duplicateFields, GoSyntaxError, goMarshal, goSprint, isObject, mapTypeError, parseGoJSON, toValue, type JSONValue, type Node } from "./gojson.js";
import { applyJSONPatch, decodeOperations } from "./jsonpatch.js";
import { mergePatch } from "./mergepatch.js";
import { typeOfDefinition } from "./schema.js";
import { mergeMap } from "./strategic.js";

export { PatchError, invalidPatch, patchFailureStatus, type PatchFailure } from "./errors.js";
/** The PATCH media types of a kind without strategic merge (custom resources), in kube's order. */
export { CUSTOM_PATCH_TYPES as CUSTOM_RESOURCE_PATCH_TYPES } from "../openapi/index.js";
export { mergePatch } from "./mergepatch.js";

/**
 * The three patch types kube-apiserver 1.32 applies (application/json-patch+json,
 * merge-patch+json, strategic-merge-patch+json), as a pure library: body bytes and the current
 * object in, the patched object or a PatchError carrying kube's failure out. See README.md.
 */
export type PatchType = "json" | "merge" | "strategic";

export interface PatchOptions {
  /** The request's fieldValidation (kube's default, for an empty parameter, is Warn). */
  fieldValidation?: "Strict" | "Warn" | "Ignore";
}

export interface PatchResult {
  object: Record<string, unknown>;
  /**
   * Strict-decoding findings in the patch body itself, worded as kube words them
   * (`json patch unknown field "[0].foo"`, `duplicate field "metadata.labels.a"`); empty for
   * fieldValidation=Ignore. kube reports them before the patched object's unknown fields: as
   * warnings (Warn) or in one `invalidPatch(invalidValue(), "strict decoding error: ...")` (Strict).
   */
  strictErrors: string[];
  /** The parsed patch body. */
  patch: unknown;
  /**
   * What kube quotes as the bad value of "patch" in an Invalid about the patched object: the
   * patched JSON (json, merge) or Go's %+v of the consumed patch map (strategic). For json and
   * merge patches it prints `object`: call it before changing the object.
   */
  invalidValue(): string;
}

export function supportsStrategicMerge(gvk: GroupVersionKind): boolean {
  return definitionOfKind(gvk) !== undefined;
}

/** Applies a patch body to `original` (not modified); throws PatchError. */
export function applyPatch(type: PatchType, original: Record<string, unknown>, body: Buffer | string, gvk: GroupVersionKind, options: PatchOptions = {}): Record<string, unknown> {
  return applyPatchWithDetails(type, original, body, gvk, options).object;
}

export function applyPatchWithDetails(type: PatchType, original: Record<string, unknown>, body: Buffer | string, gvk: GroupVersionKind, options: PatchOptions = {}): PatchResult {
  // kube refuses the media type for kinds without Go types (custom resources) before it reads the body.
  if (type === "strategic" && !supportsStrategicMerge(gvk)) throw unsupportedMediaType(CUSTOM_PATCH_TYPES);
  const strict = (options.fieldValidation ?? "Warn") !== "Ignore";
  const bytes = typeof body === "string" ? Buffer.from(body, "utf8") : body;
  try {
    switch (type) {
      case "json":
        return jsonPatch(original, bytes, strict);
      case "merge":
        return jsonMergePatch(original, bytes, strict);
      case "strategic":
        return strategic(original, bytes, gvk, strict);
    }
  } catch (e) {
    // Nesting deeper than the JS stack allows (Go's limit is 10000 levels).
    if (e instanceof RangeError) throw internalError(`patch too deeply nested: ${e.message}`);
    throw e;
  }
}

/** Strategic merge patch of an already parsed patch for a built-in kind; neither input is modified. */
export function strategicMergePatch(original: Record<string, unknown>, patch: Record<string, unknown> | null, gvk: GroupVersionKind): Record<string, unknown> {
  const name = definitionOfKind(gvk);
  if (!name) throw unsupportedMediaType(CUSTOM_PATCH_TYPES);
  const doc = cloneJSON(original as JSONValue) as Record<string, JSONValue>;
  if (patch === null) return doc;
  return mergeMap(doc, cloneJSON(patch as JSONValue) as Record<string, JSONValue>, typeOfDefinition(name));
}

function parse(bytes: Uint8Array, onSyntaxError: (message: string) => PatchError): Node {
  try {
    return parseGoJSON(bytes);
  } catch (e) {
    if (e instanceof GoSyntaxError) throw onSyntaxError(e.message);
    throw e;
  }
}

function jsonPatch(original: Record<string, unknown>, bytes: Uint8Array, strict: boolean): PatchResult {
  // With strict decoding kube first decodes into its own op struct, prefixing the errors.
  const node = parse(bytes, (m) => badRequest(strict ? `error decoding patch: ${m}` : m));
  let strictErrors: string[] = [];
  if (strict) {
    const r = decodeJSONPatchOpsStrict(node);
    if (r.error) throw badRequest(`error decoding patch: ${r.error}`);
    strictErrors = r.strict.map((e) => `json patch ${e}`);
  }
  const ops = decodeOperations(node);
  if (typeof ops === "string") throw badRequest(ops);
  if (ops.length > 10000) throw tooManyOperations(ops.length);
  const result = applyJSONPatch(original as JSONValue, ops);
  return finish(result, strictErrors, toValue(node), () => goMarshal(result));
}

function jsonMergePatch(original: Record<string, unknown>, bytes: Uint8Array, strict: boolean): PatchResult {
  const node = parse(bytes, (m) => badRequest(strict ? `error decoding patch: ${m}` : "Invalid JSON Patch"));
  let strictErrors: string[] = [];
  if (strict) {
    const err = mapTypeError(node);
    if (err) throw badRequest(`error decoding patch: ${err}`);
    strictErrors = duplicateFields(node);
  }
  // evanphx's MergePatch takes an object or an array; null and scalars are not patches.
  if (node.t !== "object" && node.t !== "array") throw badRequest("Invalid JSON Patch");
  const patch = toValue(node);
  const result = mergePatch(original, patch) as JSONValue;
  return finish(result, strictErrors, patch, () => goMarshal(result));
}

function strategic(original: Record<string, unknown>, bytes: Uint8Array, gvk: GroupVersionKind, strict: boolean): PatchResult {
  const node = parse(bytes, (m) => badRequest(m));
  const err = mapTypeError(node);
  if (err) throw badRequest(err);
  const strictErrors = strict ? duplicateFields(node) : [];
  const patch = toValue(node) as Record<string, JSONValue> | null;
  // kube quotes the patch map as strategicpatch leaves it (directives consumed).
  const consumed = patch === null ? {} : (cloneJSON(patch) as Record<string, JSONValue>);
  const doc = cloneJSON(original as JSONValue) as Record<string, JSONValue>;
  const object = patch === null ? doc : mergeMap(doc, consumed, typeOfDefinition(definitionOfKind(gvk)!));
  // Printed now: the result shares maps with the consumed patch and may be changed by the caller.
  const printed = goSprint(consumed);
  return { object, strictErrors, patch, invalidValue: () => printed };
}

/**
 * The checks kube's decoder makes before anything else on a JSON or merge patch result: it must
 * be an object whose apiVersion and kind, if set, are strings, and apiVersion a group/version.
 */
function finish(result: JSONValue, strictErrors: string[], patch: unknown, invalidValue: () => string): PatchResult {
  const interpret = (why: string) => new PatchError(invalidPatch(goMarshal(result), `couldn't get version/kind; json parse error: ${why}`));
  if (!isObject(result)) {
    const kind = Array.isArray(result) ? "array" : result === null ? "null" : typeof result === "string" ? "string" : typeof result === "number" ? "number" : "bool";
    throw interpret(`json: cannot unmarshal ${kind} into Go value of type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }`);
  }
  for (const field of ["apiVersion", "kind"]) {
    const v = result[field];
    if (v !== undefined && v !== null && typeof v !== "string") {
      const kind = Array.isArray(v) ? "array" : typeof v === "object" ? "object" : typeof v === "number" ? "number" : "bool";
      throw interpret(`json: cannot unmarshal ${kind} into Go struct field .${field} of type string`);
    }
  }
  const apiVersion = result.apiVersion;
  if (typeof apiVersion === "string" && apiVersion !== "/" && apiVersion.split("/").length > 2) {
    throw new PatchError(invalidPatch(goMarshal(result), `unexpected GroupVersion string: ${apiVersion}`));
  }
  return { object: result, strictErrors, patch, invalidValue };
}
