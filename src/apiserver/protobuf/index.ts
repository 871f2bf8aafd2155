/**
 * Kubernetes' protobuf encoding (`application/vnd.kubernetes.protobuf`) for the built-in kinds,
 * translated to and from the JSON the rest of the API server works on. See README.md.
 */

import { kindKey } from "./descriptors.js";
import { decodeObject } from "./decode.js";
import { encodeObject, encodeWatchEvent } from "./encode.js";
import { ProtobufError } from "./wire.js";

export { ProtobufError, encodeWatchEvent };
export { ENVELOPE_TAIL, encodeItem, listHead, listOfItems, objectHead, watchFrame } from "./response.js";

export const PROTOBUF_MEDIA_TYPE = "application/vnd.kubernetes.protobuf";

/**
 * Decodes a protobuf request body into the JSON object kube would see after decoding it (with
 * `kind` and `apiVersion` first). `defaults` is the endpoint's group/version/kind, which fills
 * in an envelope that leaves them empty. Throws ProtobufError; decodeErrorMessage words it.
 */
export function decodeProtobuf(
  body: Uint8Array,
  defaults?: { apiVersion?: string; kind?: string },
): { apiVersion: string; kind: string; object: Record<string, unknown> } {
  return decodeObject(body, defaults);
}

/** The protobuf encoding of a JSON object with apiVersion and kind; undefined for kinds without one. */
export function encodeProtobuf(obj: Record<string, unknown>): Uint8Array | undefined {
  return encodeObject(obj);
}

/** Whether kind in apiVersion has a protobuf form (built-in kinds and meta types; not custom resources). */
export function hasProtobufType(apiVersion: string, kind: string): boolean {
  return kindKey(apiVersion, kind) !== undefined;
}

/**
 * The BadRequest message kube-apiserver's create/update handlers give for a body that fails to
 * decode (transformDecodeError): `<Kind> in version "<v>" cannot be handled as a <Expected>: …`
 * once the envelope named a kind, else `the object provided is unrecognized (must be of type
 * <Expected>): … (<first 30 bytes in hex>)`.
 */
export function decodeErrorMessage(err: ProtobufError, expectedKind: string, body: Uint8Array): string {
  if (err.kind) {
    const slash = (err.apiVersion ?? "").indexOf("/");
    const version = slash < 0 ? (err.apiVersion ?? "") : err.apiVersion!.slice(slash + 1);
    return `${err.kind} in version ${JSON.stringify(version)} cannot be handled as a ${expectedKind}: ${err.message}`;
  }
  return `the object provided is unrecognized (must be of type ${expectedKind}): ${err.message} (${summarize(body)})`;
}

/** kube's summarizeData(body, 30). */
function summarize(body: Uint8Array): string {
  if (body.length === 0) return "<empty>";
  const head = body.subarray(0, 30);
  const more = body.length > 30 ? " ..." : "";
  if (body[0] === 0x7b) return Buffer.from(head).toString("utf8") + more;
  return Buffer.from(head).toString("hex") + more;
}
