/**
 * JSON -> protobuf bytes, as Go's generated marshallers write the value that JSON decodes to:
 * fields in number order, non-pointer scalars and structs always (zero or not), pointers, []byte
 * and named slices only when non-nil, repeated fields unpacked, map entries sorted by key.
 */

import { kindKey, messageDesc, type MessageDesc, type Scalar } from "./descriptors.js";
import { MAGIC, type JsonObject } from "./decode.js";
import { parseDuration, parseTime } from "./values.js";
import { ProtobufError, WIRE_BYTES, WIRE_FIXED64, WIRE_VARINT, Writer } from "./wire.js";

const isObject = (v: unknown): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v);

function num(v: unknown): number {
  return typeof v === "number" ? v : typeof v === "string" && v !== "" && !Number.isNaN(Number(v)) ? Number(v) : 0;
}

function fromBase64(v: unknown): Uint8Array {
  return typeof v === "string" ? Buffer.from(v, "base64") : new Uint8Array(0);
}

/** One scalar value with its tag. */
function writeScalar(w: Writer, fieldNum: number, scalar: Scalar | undefined, v: unknown): void {
  switch (scalar) {
    case "string":
      w.tag(fieldNum, WIRE_BYTES);
      w.string(typeof v === "string" ? v : v == null ? "" : String(v));
      return;
    case "bytes":
      w.tag(fieldNum, WIRE_BYTES);
      w.bytes(fromBase64(v));
      return;
    case "bool":
      w.tag(fieldNum, WIRE_VARINT);
      w.byte(v === true ? 1 : 0);
      return;
    case "double":
      w.tag(fieldNum, WIRE_FIXED64);
      w.double(num(v));
      return;
    case "int32":
      w.tag(fieldNum, WIRE_VARINT);
      w.int(num(v) | 0);
      return;
    case "int64":
      w.tag(fieldNum, WIRE_VARINT);
      w.int(Math.trunc(num(v)));
      return;
  }
}

function writeNested(w: Writer, fieldNum: number, desc: MessageDesc, v: unknown): void {
  w.tag(fieldNum, WIRE_BYTES);
  const mark = w.beginDelimited();
  encodeMessage(w, desc, v);
  w.endDelimited(mark);
}

/** Writes a message's fields (no tag or length) from its JSON value. */
export function encodeMessage(w: Writer, desc: MessageDesc, v: unknown): void {
  if (desc.special) {
    encodeSpecial(w, desc, v);
    return;
  }
  const obj = isObject(v) ? v : {};
  for (const f of desc.encodeOrder) {
    const value = f.inline ? obj : obj[f.name];
    if (f.card === "repeated") {
      if (!Array.isArray(value)) continue;
      for (const item of value) {
        if (f.message) writeNested(w, f.num, f.message, item);
        else writeScalar(w, f.num, f.scalar, item);
      }
    } else if (f.card === "map") {
      if (!isObject(value)) continue;
      // Go sorts keys bytewise; JS's UTF-16 order differs only past U+FFFF.
      for (const key of Object.keys(value).sort()) {
        const item = value[key];
        w.tag(f.num, WIRE_BYTES);
        const mark = w.beginDelimited();
        w.tag(1, WIRE_BYTES);
        w.string(key);
        if (f.message) writeNested(w, 2, f.message, item);
        else if (f.scalar !== "bytes" || item != null) writeScalar(w, 2, f.scalar, item);
        w.endDelimited(mark);
      }
    } else if (f.message) {
      // Structs are always written; pointers and named slices only when non-nil.
      if (value == null && (f.pointer || f.message.special === "slice")) continue;
      writeNested(w, f.num, f.message, value);
    } else {
      if (value == null && (f.pointer || f.scalar === "bytes")) continue;
      writeScalar(w, f.num, f.scalar, value);
    }
  }
}

function writeRaw(w: Writer, v: unknown): void {
  if (v === undefined || v === null) return; // a nil Raw is not written
  w.tag(1, WIRE_BYTES);
  w.bytes(Buffer.from(JSON.stringify(v)));
}

const JSON_SCHEMA_PROPS = "apiextensions/v1.JSONSchemaProps";

function encodeSpecial(w: Writer, desc: MessageDesc, v: unknown): void {
  switch (desc.special) {
    case "quantity":
      w.tag(1, WIRE_BYTES);
      w.string(typeof v === "string" ? v : typeof v === "number" ? String(v) : "0");
      return;
    case "intorstring":
      w.tag(1, WIRE_VARINT);
      w.byte(typeof v === "string" ? 1 : 0);
      w.tag(2, WIRE_VARINT);
      w.int(typeof v === "number" ? v | 0 : 0);
      w.tag(3, WIRE_BYTES);
      w.string(typeof v === "string" ? v : "");
      return;
    case "time":
    case "microtime": {
      if (typeof v !== "string") return; // the zero time is written as no bytes
      const t = parseTime(v);
      if (!t) throw new ProtobufError(`parsing time ${JSON.stringify(v)} as RFC3339 failed`);
      w.tag(1, WIRE_VARINT);
      w.int(t.seconds);
      w.tag(2, WIRE_VARINT);
      w.int(desc.special === "time" ? 0 : t.nanos - (t.nanos % 1000));
      return;
    }
    case "duration":
      w.tag(1, WIRE_VARINT);
      w.bigint(typeof v === "string" ? parseDuration(v) : 0n);
      return;
    case "fieldsv1":
    case "json":
    case "rawextension":
      // JSON bytes, as kube keeps what JSON clients sent (ControllerRevision.data is read as JSON
      // by its consumers); only watch events embed protobuf, see encodeWatchEvent.
      writeRaw(w, v);
      return;
    case "propsorarray":
      if (Array.isArray(v)) for (const s of v) writeNested(w, 2, messageDesc(JSON_SCHEMA_PROPS), s);
      else if (isObject(v)) writeNested(w, 1, messageDesc(JSON_SCHEMA_PROPS), v);
      return;
    case "propsorbool":
      w.tag(1, WIRE_VARINT);
      w.byte(v === true || isObject(v) ? 1 : 0);
      if (isObject(v)) writeNested(w, 2, messageDesc(JSON_SCHEMA_PROPS), v);
      return;
    case "propsorstringarray":
      if (isObject(v)) writeNested(w, 1, messageDesc(JSON_SCHEMA_PROPS), v);
      else if (Array.isArray(v)) {
        for (const s of v) {
          w.tag(2, WIRE_BYTES);
          w.string(String(s));
        }
      }
      return;
    case "slice": {
      if (!Array.isArray(v)) return;
      const item = desc.item!;
      for (const x of v) {
        if (item.message) writeNested(w, 1, item.message, x);
        else writeScalar(w, 1, item.scalar, x);
      }
      return;
    }
    case "unknown":
      throw new ProtobufError("runtime.Unknown cannot be a field");
  }
}

/** runtime.Unknown's field 1: TypeMeta{apiVersion, kind}. */
export function writeTypeMeta(w: Writer, apiVersion: string, kind: string): void {
  w.tag(1, WIRE_BYTES);
  const mark = w.beginDelimited();
  w.tag(1, WIRE_BYTES);
  w.string(apiVersion);
  w.tag(2, WIRE_BYTES);
  w.string(kind);
  w.endDelimited(mark);
}

/** Writes `k8s\0` + runtime.Unknown{typeMeta, raw: body(), contentEncoding: "", contentType: ""}. */
function writeEnvelope(w: Writer, apiVersion: string, kind: string, body: () => void): void {
  w.raw(MAGIC);
  writeTypeMeta(w, apiVersion, kind);
  w.tag(2, WIRE_BYTES);
  const mark = w.beginDelimited();
  body();
  w.endDelimited(mark);
  w.tag(3, WIRE_BYTES);
  w.string("");
  w.tag(4, WIRE_BYTES);
  w.string("");
}

function typeOf(obj: Record<string, unknown>): { apiVersion: string; kind: string; key: string | undefined } {
  const apiVersion = typeof obj.apiVersion === "string" ? obj.apiVersion : "";
  const kind = typeof obj.kind === "string" ? obj.kind : "";
  return { apiVersion, kind, key: kindKey(apiVersion, kind) };
}

/** An object with apiVersion and kind as kube's protobuf serializer writes it. */
export function encodeObject(obj: Record<string, unknown>): Uint8Array | undefined {
  const { apiVersion, kind, key } = typeOf(obj);
  if (!key) return undefined;
  const w = new Writer(1024);
  writeEnvelope(w, apiVersion, kind, () => encodeMessage(w, messageDesc(key), obj));
  return w.finish();
}

/**
 * One frame of a `application/vnd.kubernetes.protobuf;stream=watch` response: a 4-byte
 * big-endian length, then `k8s\0` + Unknown{WatchEvent{type, object: RawExtension{the object
 * encoded as encodeObject does}}}. `apiVersion` is the watched resource's group/version (kube's
 * envelope carries it; it defaults to the object's). Undefined when the object's kind has no
 * protobuf type.
 */
export function encodeWatchEvent(type: string, object: Record<string, unknown>, apiVersion?: string): Uint8Array | undefined {
  const inner = encodeObject(object);
  if (!inner) return undefined;
  const w = new Writer(inner.length + 64);
  w.raw(new Uint8Array(4)); // the frame length, filled in below
  writeEnvelope(w, apiVersion ?? typeOf(object).apiVersion, "WatchEvent", () => {
    w.tag(1, WIRE_BYTES);
    w.string(type);
    w.tag(2, WIRE_BYTES);
    const mark = w.beginDelimited();
    w.tag(1, WIRE_BYTES);
    w.bytes(inner);
    w.endDelimited(mark);
  });
  const frame = w.finish();
  new DataView(frame.buffer, frame.byteOffset, 4).setUint32(0, frame.length - 4, false);
  return frame;
}

