/**
 * Responses assembled from pieces, so that the API server can answer from protobuf bytes it keeps
 * (the watch cache's items) instead of encoding objects again for every list and watcher.
 *
 * The piece kept per object is its *item*: the tag and length of field 2, then the kind's
 * message. Field 2 is `items` in every list kind and `raw` in runtime.Unknown, so the same bytes
 * are a list's item, and, between `objectHead` and `ENVELOPE_TAIL`, the object on its own (the
 * response to a GET, the object inside a watch event):
 *
 *   object = k8s\0 | 0a len TypeMeta{apiVersion, kind} | item | 1a 00 22 00
 *   list   = k8s\0 | 0a len TypeMeta{apiVersion, XList} | 12 len(XList) | 0a len ListMeta | item... | 1a 00 22 00
 *
 * (contentEncoding and contentType are empty strings, written as kube's Unknown marshaller writes
 * them.) `encodeObject(obj)` equals objectHead + encodeItem(obj) + ENVELOPE_TAIL byte for byte.
 */

import { varintSize } from "../../store/protowire.js";
import { kindKey, messageDesc, type MessageDesc } from "./descriptors.js";
import { MAGIC } from "./decode.js";
import { encodeMessage, writeTypeMeta } from "./encode.js";
import { WIRE_BYTES, Writer } from "./wire.js";

/** contentEncoding "" (field 3) and contentType "" (field 4) of runtime.Unknown. */
export const ENVELOPE_TAIL = Uint8Array.of(0x1a, 0x00, 0x22, 0x00);

/** The field number shared by a list's items and runtime.Unknown's raw. */
const ITEM_FIELD = 2;

const descOf = (apiVersion: string, kind: string): MessageDesc | undefined => {
  const key = kindKey(apiVersion, kind);
  return key === undefined ? undefined : messageDesc(key);
};

/** Where encodeItem writes when asked to reuse memory (it never runs inside itself). */
const scratch = new Writer(64 * 1024);

/**
 * An object's item (field-2 tag, length, message) from its JSON; undefined when its kind has no
 * protobuf form. `apiVersion`/`kind` name the kind (list items carry neither). With `reuse` the
 * bytes are a view of memory the next such call overwrites (for a caller that copies or packs
 * them at once: no garbage per item).
 */
export function encodeItem(apiVersion: string, kind: string, obj: Record<string, unknown>, reuse = false): Uint8Array | undefined {
  const desc = descOf(apiVersion, kind);
  if (!desc) return undefined;
  const w = reuse ? scratch : new Writer(4096);
  w.pos = 0;
  w.tag(ITEM_FIELD, WIRE_BYTES);
  const mark = w.beginDelimited();
  encodeMessage(w, desc, obj);
  w.endDelimited(mark);
  return reuse ? w.buf.subarray(0, w.pos) : w.finish();
}

/** `k8s\0` + the envelope's TypeMeta: what goes in front of an item to make the object. */
export function objectHead(apiVersion: string, kind: string): Uint8Array {
  const w = new Writer(64);
  w.raw(MAGIC);
  writeTypeMeta(w, apiVersion, kind);
  return w.finish();
}

/**
 * Whether lists of `listKind` can be made of items (the list message is `metadata` = 1 and
 * `items` = 2, as every built-in list is).
 */
export function listOfItems(apiVersion: string, listKind: string): boolean {
  const desc = descOf(apiVersion, listKind);
  if (!desc || desc.special) return false;
  const meta = desc.byNum[1];
  const items = desc.byNum[ITEM_FIELD];
  return desc.fields.length === 2 && meta?.name === "metadata" && items?.name === "items" && items.card === "repeated" && items.message !== undefined;
}

/**
 * Everything of a list response before its items: `k8s\0`, the envelope's TypeMeta (`listKind`),
 * the raw field's tag and length, and the list's metadata (ListMeta from its JSON). The items
 * (`itemBytes` in all) and ENVELOPE_TAIL follow. Undefined when listOfItems is false.
 */
export function listHead(apiVersion: string, listKind: string, listMeta: Record<string, unknown>, itemBytes: number): Uint8Array | undefined {
  if (!listOfItems(apiVersion, listKind)) return undefined;
  const metaField = descOf(apiVersion, listKind)!.byNum[1]!;
  const w = new Writer(128);
  w.raw(MAGIC);
  writeTypeMeta(w, apiVersion, listKind);
  // The ListMeta first, then the list message's length in front of it.
  const m = new Writer(64);
  m.tag(1, WIRE_BYTES);
  const mark = m.beginDelimited();
  encodeMessage(m, metaField.message!, listMeta);
  m.endDelimited(mark);
  w.tag(ITEM_FIELD, WIRE_BYTES);
  w.uint(m.pos + itemBytes);
  w.raw(m.buf.subarray(0, m.pos));
  return w.finish();
}

/**
 * One frame of a `;stream=watch` response for an object held as an item: the 4-byte big-endian
 * length, then `k8s\0` + Unknown{TypeMeta{apiVersion, "WatchEvent"}, WatchEvent{type,
 * RawExtension{objectHead + item + ENVELOPE_TAIL}}}. `head` is objectHead of the object's kind.
 * Equal to encodeWatchEvent(type, obj, apiVersion).
 */
export function watchFrame(apiVersion: string, type: string, head: Uint8Array, item: Uint8Array): Uint8Array {
  const objLen = head.length + item.length + ENVELOPE_TAIL.length;
  const rawExtLen = 1 + varintSize(objLen) + objLen;
  const w = new Writer(objLen + 96);
  w.raw(new Uint8Array(4));
  w.raw(MAGIC);
  writeTypeMeta(w, apiVersion, "WatchEvent");
  w.tag(2, WIRE_BYTES);
  const event = w.beginDelimited();
  w.tag(1, WIRE_BYTES);
  w.string(type);
  w.tag(2, WIRE_BYTES);
  w.uint(rawExtLen);
  w.tag(1, WIRE_BYTES);
  w.uint(objLen);
  w.raw(head);
  w.raw(item);
  w.raw(ENVELOPE_TAIL);
  w.endDelimited(event);
  w.raw(ENVELOPE_TAIL);
  const frame = w.finish();
  new DataView(frame.buffer, frame.byteOffset, 4).setUint32(0, frame.length - 4, false);
  return frame;
}
