import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { FieldError, KObject } from "../api/types.js";
import { apply as applyConfig, APPLY_PATCH_TYPE, conflictMessage, managerOrUserAgent, validatePatchOptions } from "../fieldmanager/index.js";
import { dropTypedNulls, pruneEmptyMaps } from "../openapi/index.js";
import { applyPatchWithDetails, CUSTOM_RESOURCE_PATCH_TYPES, invalidPatch, PatchError, patchFailureStatus, supportsStrategicMerge, type PatchType } from "../patch/index.js";
import { invalidCauses, invalidMessage, validateFieldManager } from "../validation/index.js";
import { ApiError, errors } from "../api/status.js";
import { queryBool, type RequestInfo } from "../filters/requestInfo.js";
import type { Printer } from "../printers/types.js";
import { clone, selectableFields, type DeleteOptionsBody, type ResourceStore } from "../registry/store.js";
import {
  fieldLabelNotSupported, fieldSelectorEmpty, fieldSelectorRequirements, labelSelectorEmpty, matchesFields, matchesLabels,
  parseFieldSelector, parseLabelSelector, SelectorError, unknownFieldSelector,
} from "../selectors/index.js";
import type { Predicate, Storage, WatchEvent } from "../storage/interface.js";
import { isCachedWatchEvent, type Cacher, type CachedWatchEvent, type EncodedListStream, type ItemEncoding } from "../storage/cacher.js";
import { metadataSpan } from "../storage/item.js";
import { ENVELOPE_TAIL, encodeItem, encodeWatchEvent, hasProtobufType, listHead, listOfItems, objectHead, PROTOBUF_MEDIA_TYPE, watchFrame } from "../protobuf/index.js";
import { decodeBody, encodeBody, isObject, mediaType, partialMetadata, partialMetadataHead, readBody, send, sendStatus, toApiError, toTable, type IncludeObject } from "./encode.js";
import { negotiate, negotiateStatus, type Conversion, type Negotiated, type NegotiateOptions } from "./negotiate.js";

/**
 * The generic REST handlers (kube's endpoints/handlers): one set for every resource. Each
 * negotiates the response format, decodes the body, calls the resource's ResourceStore and
 * encodes the result (object, list, Table, PartialObjectMetadata, or a watch stream).
 */

export interface HandlerDeps {
  printerFor(group: string, resource: string): Printer;
  /** Unknown-field paths for strict decoding (fieldValidation). */
  unknownFields?(gvk: { group: string; version: string; kind: string }, obj: unknown): string[];
  /** Removes fields the schema does not know (what kube's typed decoding drops). */
  pruneUnknownFields?(gvk: { group: string; version: string; kind: string }, obj: unknown): void;
  clock(): Date;
  /** Extra subresource handlers (scale, binding, eviction, ...): return true when handled. */
  subresource?(store: ResourceStore, req: IncomingMessage, res: ServerResponse, info: RequestInfo, query: URLSearchParams): Promise<boolean>;
  /** Called with every watch so the server can end them on shutdown. */
  trackWatch?(stop: () => void): () => void;
}

const objectConversions: Conversion[] = ["Table", "PartialObjectMetadata"];
const listConversions: Conversion[] = ["Table", "PartialObjectMetadataList"];

/** What a resource needs for protobuf responses, worked out once per ResourceStore. */
interface StoreProtobuf {
  /** Negotiation options of its endpoints (protobuf when the kind has a protobuf form). */
  negotiate: NegotiateOptions;
  watch: NegotiateOptions;
  /** Its objects as protobuf list items (see protobuf/response.ts), kept by the watch cache. */
  items: ItemEncoding;
  /** `k8s\0` + the envelope's TypeMeta of its kind. */
  head: Uint8Array;
  /** Lists of it can be made of items. */
  listOfItems: boolean;
}

const protobufs = new WeakMap<ResourceStore, StoreProtobuf>();
function protobufOf(store: ResourceStore): StoreProtobuf {
  let p = protobufs.get(store);
  if (p) return p;
  const { apiVersion } = store;
  const kind = store.info.kind;
  const has = hasProtobufType(apiVersion, kind);
  p = {
    negotiate: { protobuf: has },
    watch: { protobuf: has, watch: true },
    items: {
      id: `protobuf ${apiVersion}, Kind=${kind}`,
      encode: (obj) => {
        // A view of memory the next call reuses: the cache packs or copies it at once.
        const b = encodeItem(apiVersion, kind, obj, true);
        if (!b) throw new Error(`no protobuf form for ${apiVersion}, Kind=${kind}`);
        return b;
      },
    },
    head: objectHead(apiVersion, kind),
    listOfItems: has && listOfItems(apiVersion, listKind(store)),
  };
  protobufs.set(store, p);
  return p;
}

/** The watch cache's list in another encoding, when the storage is one (and serves objects as stored). */
function encodedAsStorage(s: Storage): Pick<Cacher, "getListEncodedAs"> | undefined {
  const c = s as Partial<Cacher>;
  return typeof c.getListEncodedAs === "function" ? (c as Pick<Cacher, "getListEncodedAs">) : undefined;
}

function dryRunOf(query: URLSearchParams): boolean {
  const values = query.getAll("dryRun");
  for (const v of values) {
    if (v !== "All") throw errors.badRequest(`Invalid dryRun value: "${v}": supported values: "All"`);
  }
  return values.length > 0;
}

function fieldValidationOf(query: URLSearchParams): "Strict" | "Warn" | "Ignore" {
  const v = query.get("fieldValidation");
  if (v === null || v === "") return "Warn";
  if (v === "Strict" || v === "Warn" || v === "Ignore") return v;
  throw errors.badRequest(`fieldValidation parameter unsupported: ${v}`);
}

/**
 * The manager a write is recorded under: ?fieldManager=, else the user agent's prefix; a bad
 * fieldManager is refused as kube's options validation words it.
 */
export function managerOf(req: IncomingMessage, query: URLSearchParams, optionsKind: string): string {
  const fm = query.get("fieldManager") ?? undefined;
  const errs = validateFieldManager(fm, "fieldManager");
  if (fm !== undefined && errs.length) throw optionsInvalid(optionsKind, errs);
  return managerOrUserAgent(fm, req.headers["user-agent"]);
}

function optionsInvalid(optionsKind: string, errs: FieldError[]): ApiError {
  return errors.invalid("meta.k8s.io", optionsKind, "", invalidMessage({ group: "meta.k8s.io", kind: optionsKind }, "", errs), invalidCauses(errs));
}

function parseRV(rv: string | null): string | undefined {
  if (rv === null) return undefined;
  if (rv === "") return "";
  if (!/^\d+$/.test(rv)) throw errors.badRequest(`resourceVersion: Invalid value: "${rv}": strconv.ParseUint: parsing "${rv}": invalid syntax`);
  return rv;
}

function intParam(query: URLSearchParams, name: string): number | undefined {
  const v = query.get(name);
  if (v === null || v === "") return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw errors.badRequest(`${name}: Invalid value: "${v}": strconv.ParseInt: parsing "${v}": invalid syntax`);
  return n;
}

/** Compiles labelSelector and fieldSelector into a storage predicate (400 on bad input). */
export function predicateFor(store: ResourceStore, query: URLSearchParams, extraField?: [string, string]): Predicate {
  let label, field;
  try {
    label = parseLabelSelector(query.get("labelSelector") ?? "");
    field = parseFieldSelector(query.get("fieldSelector") ?? "");
  } catch (e) {
    if (e instanceof SelectorError) throw errors.badRequest(e.message);
    throw e;
  }
  const supported = new Set(["metadata.name", "metadata.namespace", ...Object.keys(store.strategy.selectableFields?.({ metadata: {} }) ?? {})]);
  for (const r of fieldSelectorRequirements(field)) {
    if (!supported.has(r.field)) {
      // Kinds with their own field-label conversion word it differently from the default one.
      throw errors.badRequest(store.strategy.selectableFields ? fieldLabelNotSupported(r.field) : unknownFieldSelector(r.field));
    }
  }
  const extra = extraField;
  const emptyLabel = labelSelectorEmpty(label);
  const emptyField = fieldSelectorEmpty(field) && !extra;
  if (emptyLabel && emptyField) return { matches: () => true, empty: true };
  const matchesAttrs = (labels: Readonly<Record<string, string>> | undefined, fields: () => Readonly<Record<string, string>>): boolean => {
    if (!emptyLabel && !matchesLabels(label, labels)) return false;
    if (emptyField) return true;
    const f = fields();
    if (extra && f[extra[0]] !== extra[1]) return false;
    return matchesFields(field, f);
  };
  return {
    matches: (o) => matchesAttrs(o.metadata.labels, () => selectableFields(store.info, store.strategy, o)),
    matchesAttrs: (a) => matchesAttrs(a.labels, () => a.fields),
  };
}

const newline = Buffer.from("\n");
const comma = Buffer.from(",");
const listEnd = Buffer.from("]}\n");
const eventHeads: Record<string, Buffer> = Object.fromEntries(["ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR"].map((t) => [t, Buffer.from(`{"type":"${t}","object":`)]));
const eventEnd = Buffer.from("}\n");

/**
 * A watch event's JSON line from the watch cache's item bytes: made once per event and shared by
 * every watcher it goes to (the item's Buffer is the event's identity).
 */
const framed = new WeakMap<Buffer, { type: string; header: Buffer; line: Buffer; chunk?: Buffer }>();
function eventFrame(type: string, header: Buffer, item: Buffer): { line: Buffer; chunk?: Buffer } {
  const hit = framed.get(item);
  if (hit && hit.type === type && hit.header === header) return hit;
  const line = Buffer.concat([eventHeads[type]!, header, item.subarray(1), eventEnd]);
  const f = { type, header, line };
  framed.set(item, f);
  return f;
}

const crlf = Buffer.from("\r\n");
/**
 * The event's line as one HTTP/1.1 chunk (size line, bytes, CRLF), made once for every watcher:
 * written straight to each watcher's socket it costs one buffer where res.write framed three.
 */
function eventChunk(type: string, header: Buffer, item: Buffer): Buffer {
  const f = eventFrame(type, header, item);
  f.chunk ??= Buffer.concat([Buffer.from(`${f.line.length.toString(16)}\r\n`), f.line, crlf]);
  return f.chunk;
}

/**
 * The socket a chunked response may be written to directly: its headers are out, nothing of
 * its own is queued in the response, and it is the socket's current response (not one waiting
 * behind a pipelined request).
 */
function rawChunkSocket(res: ServerResponse): Socket | undefined {
  const r = res as ServerResponse & { chunkedEncoding?: boolean; outputData?: unknown[] };
  const s = res.socket as (Socket & { _httpMessage?: unknown }) | null;
  if (!s || !res.headersSent || r.chunkedEncoding !== true || (r.outputData?.length ?? 0) > 0 || s._httpMessage !== res) return undefined;
  return s;
}

/**
 * Resolves once `res` has taken what was written (or is closed: then res.destroyed). Writing a
 * large body as the socket takes it, rather than all at once into the stream's queue, halves the
 * CPU a 10,000-pod list costs (TLS encrypts slabs while they are warm; the queue stays short).
 */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}

/**
 * A list body from its encoded items, written in slabs of about 1 MiB rather than joined into
 * one Buffer first (a 50 MiB concat costs tens of milliseconds and doubles the memory), each
 * once the socket has taken the last. Exported for its test.
 */
export async function sendJoined(res: ServerResponse, contentType: string, head: Buffer, items: readonly Buffer[]): Promise<void> {
  let length = head.length + listEnd.length + Math.max(0, items.length - 1);
  for (const it of items) length += it.length;
  res.writeHead(200, { "Content-Type": contentType, "Content-Length": String(length), "Cache-Control": "no-cache, private" });
  // The watch cache lays recent items out side by side with a comma between neighbours: such a
  // run goes out as one view of its memory, uncopied. Anything else is copied into ~1 MiB slabs.
  res.write(head);
  let slab: Buffer[] = [];
  let slabBytes = 0;
  let full = false;
  const flush = () => {
    if (slab.length && !res.write(slab.length === 1 ? slab[0]! : Buffer.concat(slab, slabBytes))) full = true;
    slab = [];
    slabBytes = 0;
  };
  let i = 0;
  while (i < items.length) {
    const first = items[i]!;
    let j = i + 1;
    let endOffset = first.byteOffset + first.length;
    const memory = new Uint8Array(first.buffer);
    while (j < items.length) {
      const next = items[j]!;
      if (next.buffer !== first.buffer || next.byteOffset !== endOffset + 1 || memory[endOffset] !== 0x2c) break;
      endOffset = next.byteOffset + next.length;
      j++;
    }
    if (i > 0) {
      slab.push(comma);
      slabBytes += 1;
    }
    if (j - i > 1) {
      flush();
      if (!res.write(Buffer.from(first.buffer, first.byteOffset, endOffset - first.byteOffset))) full = true;
    } else {
      slab.push(first);
      slabBytes += first.length;
      if (slabBytes >= 1 << 20) flush();
    }
    i = j;
    if (full) {
      full = false;
      await drained(res);
      if (res.destroyed) return;
    }
  }
  flush();
  res.end(listEnd);
}

/**
 * A protobuf list (see protobuf/response.ts): `head` (listHead), the items' `size` bytes as
 * `pieces` makes them, the envelope's tail. Pieces are made as the socket takes them (a list
 * of 100,000 pods is ~330 MB), so memory holds a few of them at a time. Exported for its test.
 */
export async function sendProtobufList(res: ServerResponse, head: Uint8Array, size: number, pieces: Iterable<Buffer>): Promise<void> {
  res.writeHead(200, { "Content-Type": PROTOBUF_MEDIA_TYPE, "Content-Length": String(head.length + size + ENVELOPE_TAIL.length), "Cache-Control": "no-cache, private" });
  res.write(head);
  for (const piece of pieces) {
    if (res.write(piece)) continue;
    await drained(res);
    if (res.destroyed) return;
  }
  res.end(ENVELOPE_TAIL);
}

/** Compact JSON of the object itself: what the storage's encoded fast paths can answer. */
function plainJSON(neg: Negotiated): boolean {
  return neg.encoding === "json" && !neg.pretty && !neg.conversion;
}

function listKind(store: ResourceStore): string {
  return `${store.info.kind}List`;
}

/** An object's item JSON (the storage's encoded form, see typeHeader) sent as the object. */
function sendItem(res: ServerResponse, code: number, store: ResourceStore, item: Buffer, contentType: string, headers?: Record<string, string>): void {
  send(res, code, Buffer.concat([store.typeHeader, item.subarray(1), newline]), contentType, headers);
}

/**
 * Writes a write's answer (the object storage returned): from the bytes it was stored as, when
 * plain JSON (or its PartialObjectMetadata) is asked for and the storage knows them; else as
 * writeObject.
 */
function writeWritten(res: ServerResponse, code: number, obj: KObject, neg: Negotiated, store: ResourceStore, deps: HandlerDeps, query: URLSearchParams, headers?: Record<string, string>): void {
  const metadataOnly = neg.conversion === "PartialObjectMetadata";
  if (neg.encoding === "json" && !neg.pretty && (!neg.conversion || metadataOnly)) {
    const item = store.writtenEncoded(obj);
    if (item && !metadataOnly) {
      sendItem(res, code, store, item, neg.contentType, headers);
      return;
    }
    // What kube's metadata client asks of writes (the loop's nodes and controllers do too).
    const span = item && metadataSpan(item);
    if (span) {
      send(res, code, Buffer.concat([partialMetadataHead(neg.convVersion), item.subarray(span[0], span[1]), closeLine]), neg.contentType, headers);
      return;
    }
  }
  writeObject(res, code, obj, neg, store, deps, query, headers);
}

const closeLine = Buffer.from("}\n");

/** Writes one object in the negotiated form (object, Table, PartialObjectMetadata). */
function writeObject(res: ServerResponse, code: number, obj: unknown, neg: Negotiated, store: ResourceStore, deps: HandlerDeps, query: URLSearchParams, headers?: Record<string, string>): void {
  let out: unknown = obj;
  if (neg.conversion && isObject(obj) && obj.kind !== "Status") {
    const o = obj as KObject;
    if (neg.conversion === "Table") {
      out = toTable([o], deps.printerFor(store.info.group, store.info.resource), {
        version: neg.convVersion, includeObject: includeObjectOf(query), noHeaders: false, now: deps.clock(),
        listMeta: { resourceVersion: o.metadata.resourceVersion ?? "" },
      });
    } else if (neg.conversion === "PartialObjectMetadata") {
      out = partialMetadata(o, neg.convVersion);
    }
  }
  send(res, code, encodeBody(out, neg), neg.contentType, headers);
}

function includeObjectOf(query: URLSearchParams): IncludeObject {
  const v = query.get("includeObject");
  if (v === null || v === "") return "Metadata";
  if (v === "None" || v === "Metadata" || v === "Object") return v;
  throw errors.badRequest(`includeObject: Unsupported value: "${v}": supported values: "Metadata", "None", "Object"`);
}

function warningHeader(warnings: string[]): Record<string, string> | undefined {
  if (!warnings.length) return undefined;
  // Several warnings go in one header field, comma-separated warn-values.
  return { Warning: warnings.map((w) => `299 - ${JSON.stringify(w)}`).join(", ") };
}

/** Decodes and checks a request body: the kind and apiVersion must match; unknown fields per fieldValidation. */
async function readObject(req: IncomingMessage, store: ResourceStore, query: URLSearchParams, deps: HandlerDeps, warnings: string[], expect?: { group: string; version: string; kind: string }): Promise<KObject> {
  const gvk = expect ?? { group: store.info.group, version: store.info.version, kind: store.info.kind };
  const apiVersion = gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version;
  const raw = decodeBody(await readBody(req), req.headers["content-type"], { apiVersion, kind: gvk.kind });
  if (!isObject(raw)) throw errors.badRequest("Object 'Kind' is missing in body");
  const kind = raw.kind;
  const av = raw.apiVersion;
  if (kind !== undefined && kind !== "" && kind !== gvk.kind) {
    throw errors.badRequest(`${String(kind)} in version "${String(av ?? "")}" cannot be handled as a ${gvk.kind}: no kind "${String(kind)}" is registered for version "${String(av ?? "")}"`);
  }
  if (av !== undefined && av !== "" && av !== apiVersion) {
    throw errors.badRequest(`the API version in the data (${String(av)}) does not match the expected API version (${apiVersion})`);
  }
  if (raw.metadata !== undefined && !isObject(raw.metadata)) throw errors.badRequest(`metadata: expected object`);
  const obj = raw as KObject;
  obj.metadata ??= {};
  const mode = fieldValidationOf(query);
  if (deps.unknownFields && mode !== "Ignore") {
    const unknown = deps.unknownFields(gvk, obj);
    if (unknown.length) {
      if (mode === "Strict") {
        throw errors.badRequest(`${gvk.kind} in version "${gvk.version}" cannot be handled as a ${gvk.kind}: strict decoding error: ${unknown.map((f) => `unknown field "${f}"`).join(", ")}`);
      }
      for (const f of unknown) warnings.push(`unknown field "${f}"`);
      deps.pruneUnknownFields?.(gvk, obj);
    }
  } else deps.pruneUnknownFields?.(gvk, obj);
  return obj;
}

export async function handleResource(
  store: ResourceStore,
  req: IncomingMessage,
  res: ServerResponse,
  info: RequestInfo,
  query: URLSearchParams,
  deps: HandlerDeps,
): Promise<void> {
  const pretty = queryBool(query.get("pretty"));
  try {
    const ns = store.info.namespaced ? info.namespace : "";
    if (store.info.namespaced && !ns && info.name) throw errors.pathNotFound();
    if (info.subresource) {
      if (deps.subresource && (await deps.subresource(store, req, res, info, query))) return;
      if (info.subresource !== "status" || !store.info.subresources?.some((s) => s.name === "status")) throw errors.pathNotFound();
    }
    const sub = info.subresource || undefined;
    switch (info.verb) {
      case "get": {
        const neg = negotiate(req.headers.accept, objectConversions, pretty, protobufOf(store).negotiate);
        const rv = parseRV(query.get("resourceVersion"));
        if (plainJSON(neg)) {
          // The storage's encoded form, sent without decoding and encoding it again.
          const item = await store.getEncoded(ns, info.name, rv);
          if (item) {
            sendItem(res, 200, store, item, neg.contentType);
            return;
          }
        }
        const obj = await store.get(ns, info.name, rv);
        writeObject(res, 200, obj, neg, store, deps, query);
        return;
      }
      case "list": {
        const neg = negotiate(req.headers.accept, listConversions, pretty, protobufOf(store).negotiate);
        await list(store, ns, req, res, query, neg, deps);
        return;
      }
      case "watch": {
        const neg = negotiate(req.headers.accept, objectConversions, pretty, protobufOf(store).watch);
        await watch(store, ns, info.name, req, res, query, neg, deps);
        return;
      }
      case "create": {
        if (sub) throw errors.methodNotSupported(store.gr, "create");
        if (!store.info.verbs.includes("create")) throw errors.methodNotSupported(store.gr, "create");
        const neg = negotiate(req.headers.accept, objectConversions, pretty, protobufOf(store).negotiate);
        const warnings: string[] = [];
        const dryRun = dryRunOf(query);
        const obj = await readObject(req, store, query, deps, warnings);
        const created = await store.create(ns, obj, { dryRun, fieldManager: managerOf(req, query, "CreateOptions") });
        warnings.push(...(store.strategy.warningsOnCreate?.(created) ?? []));
        writeWritten(res, 201, created, neg, store, deps, query, warningHeader(warnings));
        return;
      }
      case "update": {
        if (!store.info.verbs.includes("update")) throw errors.methodNotSupported(store.gr, "update");
        const neg = negotiate(req.headers.accept, objectConversions, pretty, protobufOf(store).negotiate);
        const warnings: string[] = [];
        const dryRun = dryRunOf(query);
        const obj = await readObject(req, store, query, deps, warnings);
        const fieldManager = managerOf(req, query, "UpdateOptions");
        const opts = sub ? { dryRun, subresource: sub, fieldManager } : { dryRun, fieldManager };
        const result = await store.update(ns, info.name, obj, opts);
        writeWritten(res, result.created ? 201 : 200, result.obj, neg, store, deps, query, warningHeader(warnings));
        return;
      }
      case "patch": {
        if (!store.info.verbs.includes("patch")) throw errors.methodNotSupported(store.gr, "patch");
        const neg = negotiate(req.headers.accept, objectConversions, pretty, protobufOf(store).negotiate);
        const dryRun = dryRunOf(query);
        const warnings: string[] = [];
        const result = await patch(store, ns, info.name, req, query, dryRun, deps, warnings, sub);
        writeWritten(res, result.created ? 201 : 200, result.obj, neg, store, deps, query, warningHeader(warnings));
        return;
      }
      case "delete": {
        if (sub) throw errors.methodNotSupported(store.gr, "delete");
        if (!store.info.verbs.includes("delete")) throw errors.methodNotSupported(store.gr, "delete");
        const neg = negotiate(req.headers.accept, objectConversions, pretty, protobufOf(store).negotiate);
        const opts = await deleteOptions(req, query);
        const dryRun = dryRunOf(query) || (opts.dryRun?.length ?? 0) > 0;
        const { body, deleted } = await store.delete(ns, info.name, opts, dryRun);
        // kube answers 202 only for a cascading delete (orphanDependents=false) still in progress.
        writeObject(res, !deleted && opts.orphanDependents === false ? 202 : 200, body, neg, store, deps, query);
        return;
      }
      case "deletecollection": {
        if (!store.info.verbs.includes("deletecollection")) throw errors.methodNotSupported(store.gr, "deletecollection");
        const neg = negotiate(req.headers.accept, listConversions, pretty, protobufOf(store).negotiate);
        const opts = await deleteOptions(req, query);
        const dryRun = dryRunOf(query) || (opts.dryRun?.length ?? 0) > 0;
        const predicate = predicateFor(store, query);
        const listed = await store.list(ns, { predicate });
        const items: KObject[] = [];
        for (const o of listed.items) {
          try {
            const r = await store.delete(o.metadata.namespace ?? "", o.metadata.name ?? "", opts, dryRun);
            if (r.body.kind !== "Status") items.push(r.body as KObject);
            else items.push(o);
          } catch (e) {
            if (e instanceof ApiError && e.code === 404) continue;
            throw e;
          }
        }
        const body = { kind: listKind(store), apiVersion: store.apiVersion, metadata: { resourceVersion: listed.resourceVersion }, items: items.map(stripType) };
        send(res, 200, encodeBody(body, neg), neg.contentType);
        return;
      }
      default:
        throw errors.methodNotSupported(store.gr, info.verb);
    }
  } catch (err) {
    const e = toApiError(err);
    // kube words errors in whatever the client accepts (not what the endpoint negotiated).
    sendStatus(res, e, negotiateStatus(req.headers.accept));
  }
}

function stripType(o: KObject): KObject {
  const { apiVersion: _a, kind: _k, ...rest } = o;
  return rest as KObject;
}

async function list(store: ResourceStore, ns: string, req: IncomingMessage, res: ServerResponse, query: URLSearchParams, neg: Negotiated, deps: HandlerDeps): Promise<void> {
  const predicate = predicateFor(store, query);
  const rvMatch = query.get("resourceVersionMatch") ?? "";
  if (rvMatch !== "" && rvMatch !== "NotOlderThan" && rvMatch !== "Exact") {
    throw errors.badRequest(`resourceVersionMatch: Unsupported value: "${rvMatch}": supported values: "Exact", "NotOlderThan"`);
  }
  const rv = parseRV(query.get("resourceVersion"));
  if (rvMatch && !rv && rv !== "0") {
    // kube: resourceVersionMatch requires a resourceVersion.
    throw errors.invalid("meta.k8s.io", "ListOptions", "", `ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided`, [
      { reason: "FieldValueForbidden", message: "Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided", field: "resourceVersionMatch" },
    ]);
  }
  const limit = intParam(query, "limit");
  const cont = query.get("continue") ?? undefined;
  if (cont && rv) throw errors.badRequest("specifying resource version is not allowed when using continue");
  const listReq = {
    ...(rv !== undefined ? { resourceVersion: rv } : {}),
    ...(rvMatch ? { resourceVersionMatch: rvMatch as "NotOlderThan" | "Exact" } : {}),
    ...(limit && limit > 0 ? { limit } : {}),
    ...(cont ? { continue: cont } : {}),
    predicate,
  };
  if (plainJSON(neg)) {
    // Items as the watch cache keeps them encoded: joined, not decoded and encoded again.
    const enc = await store.listEncoded(ns, listReq);
    if (enc) {
      const head = Buffer.from(`{"kind":${JSON.stringify(listKind(store))},"apiVersion":${JSON.stringify(store.apiVersion)},"metadata":${JSON.stringify(listMetaOf(enc))},"items":[`);
      await sendJoined(res, neg.contentType, head, enc.items);
      return;
    }
  }
  if (neg.encoding === "protobuf" && !neg.conversion) {
    // Items as the watch cache keeps them in protobuf (encoded on first use): joined likewise.
    const pb = protobufOf(store);
    const s = store.servedAsStored && pb.listOfItems ? encodedAsStorage(store.storage) : undefined;
    if (s) {
      let enc: EncodedListStream;
      try {
        enc = await s.getListEncodedAs(store.keyRoot(ns), listReq, pb.items);
      } catch (err) {
        throw store.mapError(err, "");
      }
      await sendProtobufList(res, listHead(store.apiVersion, listKind(store), listMetaOf(enc), enc.size)!, enc.size, enc.pieces());
      return;
    }
  }
  const result = await store.list(ns, listReq);
  const listMeta: Record<string, unknown> = { resourceVersion: result.resourceVersion };
  if (result.continue) listMeta.continue = result.continue;
  if (result.remainingItemCount !== undefined) listMeta.remainingItemCount = result.remainingItemCount;
  let body: unknown;
  if (neg.conversion === "Table") {
    body = toTable(result.items, deps.printerFor(store.info.group, store.info.resource), {
      version: neg.convVersion, includeObject: includeObjectOf(query), noHeaders: false, now: deps.clock(), listMeta,
    });
  } else if (neg.conversion === "PartialObjectMetadataList") {
    body = { kind: "PartialObjectMetadataList", apiVersion: `meta.k8s.io/${neg.convVersion}`, metadata: listMeta, items: result.items.map((o) => partialMetadata(o, neg.convVersion)) };
  } else {
    body = { kind: listKind(store), apiVersion: store.apiVersion, metadata: listMeta, items: result.items.map(stripType) };
  }
  send(res, 200, encodeBody(body, neg), neg.contentType);
}

function listMetaOf(l: { resourceVersion: string; continue?: string; remainingItemCount?: number }): Record<string, unknown> {
  const meta: Record<string, unknown> = { resourceVersion: l.resourceVersion };
  if (l.continue) meta.continue = l.continue;
  if (l.remainingItemCount !== undefined) meta.remainingItemCount = l.remainingItemCount;
  return meta;
}

/**
 * A watch event's protobuf frame from the watch cache's protobuf item: made once per event and
 * shared by every protobuf watcher it goes to (the event object is shared by them).
 */
const protobufFrames = new WeakMap<WatchEvent, { apiVersion: string; frame: Buffer }>();
function protobufFrame(ev: CachedWatchEvent, apiVersion: string, pb: StoreProtobuf): Buffer {
  const hit = protobufFrames.get(ev);
  if (hit && hit.apiVersion === apiVersion) return hit.frame;
  const f = watchFrame(apiVersion, ev.type, pb.head, ev.encodedAs(pb.items));
  const frame = Buffer.from(f.buffer, f.byteOffset, f.length);
  protobufFrames.set(ev, { apiVersion, frame });
  return frame;
}

async function watch(store: ResourceStore, ns: string, name: string, req: IncomingMessage, res: ServerResponse, query: URLSearchParams, neg: Negotiated, deps: HandlerDeps): Promise<void> {
  const extra: [string, string] | undefined = name ? ["metadata.name", name] : undefined;
  const predicate = predicateFor(store, query, extra);
  const rv = parseRV(query.get("resourceVersion"));
  const timeoutSeconds = intParam(query, "timeoutSeconds") ?? 1800 + Math.floor(Math.random() * 1800);
  const sendInitialEvents = query.get("sendInitialEvents");
  const allowBookmarks = queryBool(query.get("allowWatchBookmarks"));
  if (sendInitialEvents !== null) {
    const rvMatch = query.get("resourceVersionMatch");
    if (rvMatch !== "NotOlderThan") {
      throw errors.invalid("meta.k8s.io", "ListOptions", "", `ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan`, [
        { reason: "FieldValueForbidden", message: "Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan", field: "resourceVersionMatch" },
      ]);
    }
  }
  const initial = queryBool(sendInitialEvents);
  const includeObject = includeObjectOf(query);
  const w = store.watch(ns, {
    ...(rv !== undefined ? { resourceVersion: initial && rv === "" ? "" : rv } : {}),
    predicate,
    allowBookmarks: allowBookmarks || initial,
    sendInitialEvents: initial,
  });
  res.writeHead(200, { "Content-Type": neg.contentType, "Transfer-Encoding": "chunked", "Cache-Control": "no-cache, private" });
  res.flushHeaders();
  const printer = neg.conversion === "Table" ? deps.printerFor(store.info.group, store.info.resource) : undefined;
  let first = true;
  let ended = false;
  let corked = false;
  const finish = () => {
    if (ended) return;
    ended = true;
    clearTimeout(timer);
    untrack?.();
    w.stop();
    if (corked) {
      corked = false;
      res.uncork();
    }
    res.end();
  };
  const timer = setTimeout(finish, timeoutSeconds * 1000);
  const untrack = deps.trackWatch?.(finish);
  req.on("close", finish);
  res.on("close", finish);
  w.onEnd(finish);
  const plain = neg.encoding === "json" && !neg.conversion && store.servedAsStored;
  const pb = neg.encoding === "protobuf" ? protobufOf(store) : undefined;
  // Objects as the watch cache keeps them in protobuf, framed once per event.
  const pbItems = pb !== undefined && !neg.conversion && store.servedAsStored;
  const uncork = () => {
    corked = false;
    if (!ended) res.uncork();
  };
  w.onEvent((ev: WatchEvent) => {
    if (ended) return;
    // Events that arrive together leave in one write (one TLS record, one syscall): the socket
    // is corked for the rest of this tick.
    if (!corked) {
      corked = true;
      res.cork();
      process.nextTick(uncork);
    }
    if (plain && ev.encoded) {
      // Encoded once by the watch cache for every watcher, and framed once as a chunk.
      const sock = rawChunkSocket(res);
      if (sock) sock.write(eventChunk(ev.type, store.typeHeader, ev.encoded));
      else res.write(eventFrame(ev.type, store.typeHeader, ev.encoded).line);
      return;
    }
    if (pbItems && ev.type !== "BOOKMARK" && ev.type !== "ERROR" && isCachedWatchEvent(ev)) {
      res.write(protobufFrame(ev, store.apiVersion, pb));
      return;
    }
    let object: unknown = ev.object;
    if (ev.type !== "ERROR" && ev.type !== "BOOKMARK") {
      if (printer) {
        object = toTable([ev.object], printer, { version: neg.convVersion, includeObject, noHeaders: !first, now: deps.clock() });
        first = false;
      } else if (neg.conversion === "PartialObjectMetadata") {
        object = partialMetadata(ev.object, neg.convVersion);
      }
    } else if (ev.type === "BOOKMARK") {
      const o = ev.object;
      object = { kind: store.info.kind, apiVersion: store.apiVersion, ...o };
    }
    if (pb) {
      // Length-prefixed frames of WatchEvent (BOOKMARK: the kind with only its metadata; ERROR: a Status).
      const frame = encodeWatchEvent(ev.type, object as Record<string, unknown>, store.apiVersion);
      if (frame) res.write(frame);
      else finish();
      return;
    }
    // (YAML has no stream form: negotiation answers 406, as kube.)
    res.write(JSON.stringify({ type: ev.type, object }) + "\n");
  });
}

async function deleteOptions(req: IncomingMessage, query: URLSearchParams): Promise<DeleteOptionsBody> {
  const body = await readBody(req);
  let opts: DeleteOptionsBody = {};
  if (body.length > 0) {
    const v = decodeBody(body, req.headers["content-type"]);
    if (isObject(v)) opts = v as DeleteOptionsBody;
  }
  const grace = intParam(query, "gracePeriodSeconds");
  if (grace !== undefined) opts.gracePeriodSeconds = grace;
  const pp = query.get("propagationPolicy");
  if (pp) opts.propagationPolicy = pp as DeleteOptionsBody["propagationPolicy"];
  const od = query.get("orphanDependents");
  if (od !== null) opts.orphanDependents = queryBool(od);
  if (opts.propagationPolicy && !["Orphan", "Background", "Foreground"].includes(opts.propagationPolicy)) {
    throw errors.invalid("meta.k8s.io", "DeleteOptions", "", `DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "${opts.propagationPolicy}": supported values: "Foreground", "Background", "Orphan", "nil"`, [
      { reason: "FieldValueNotSupported", message: `Unsupported value: "${opts.propagationPolicy}": supported values: "Foreground", "Background", "Orphan", "nil"`, field: "propagationPolicy" },
    ]);
  }
  if (opts.gracePeriodSeconds !== undefined && opts.gracePeriodSeconds < 0) opts.gracePeriodSeconds = 1;
  return opts;
}

const patchTypes = ["application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json", "application/apply-patch+yaml"];
const patchTypeOf: Record<string, PatchType> = {
  "application/json-patch+json": "json",
  "application/merge-patch+json": "merge",
  "application/strategic-merge-patch+json": "strategic",
};

function patchFailure(e: unknown): unknown {
  return e instanceof PatchError ? new ApiError(patchFailureStatus(e.failure)) : e;
}

/**
 * PATCH: JSON patch, merge patch, strategic merge patch, or server-side apply, applied to the
 * current object inside the store's read-modify-write loop (so a conflict retries against the
 * new state), then recorded in managedFields as kube's field manager does.
 */
async function patch(store: ResourceStore, ns: string, name: string, req: IncomingMessage, query: URLSearchParams, dryRun: boolean, deps: HandlerDeps, warnings: string[], subresource?: string) {
  const mt = mediaType(req.headers["content-type"]);
  const gvk = { group: store.info.group, version: store.info.version, kind: store.info.kind };
  const accepted = supportsStrategicMerge(gvk) ? patchTypes : CUSTOM_RESOURCE_PATCH_TYPES;
  if (!accepted.includes(mt)) throw errors.unsupportedMediaType(accepted);
  const fieldManager = query.get("fieldManager") ?? undefined;
  const forceParam = query.get("force");
  const force = forceParam === null ? undefined : queryBool(forceParam);
  const optErrs = validatePatchOptions(mt, fieldManager, force);
  if (optErrs.length) throw optionsInvalid("PatchOptions", optErrs);
  const mode = fieldValidationOf(query);
  const body = await readBody(req);
  const base = { dryRun, ...(subresource ? { subresource } : {}) };

  if (mt === APPLY_PATCH_TYPE) {
    const applied = decodeBody(body, mt);
    if (!isObject(applied)) throw errors.badRequest("error decoding YAML: the apply configuration is not an object");
    const fmOpts = store.fieldManagerOptions(subresource);
    return store.applyUpdate(ns, name, (current) => {
      const r = applyConfig(current, applied as KObject, fieldManager!, force === true, fmOpts);
      if ("conflicts" in r) {
        const c = conflictMessage(r.conflicts);
        throw errors.applyConflict(c.message, c.causes);
      }
      if ("error" in r) {
        if (r.error.code === 400) throw errors.badRequest(r.error.message);
        throw errors.plain(r.error.code, r.error.message);
      }
      const obj = clone(r.object);
      pruneEmptyMaps(gvk, obj);
      if (obj.metadata?.name !== undefined && obj.metadata.name !== name) {
        throw errors.badRequest(`the name of the object (${String(obj.metadata.name)}) does not match the name on the URL (${name})`);
      }
      return obj;
    }, { ...base, forceAllowCreate: !subresource, applied: true, fieldManager: fieldManager!, leavesCurrent: true });
  }

  const type = patchTypeOf[mt]!;
  const manager = managerOrUserAgent(fieldManager, req.headers["user-agent"]);
  let reported = false;
  return store.applyUpdate(ns, name, (current) => {
    if (!current) throw errors.notFound(store.gr, name);
    let result;
    try {
      result = applyPatchWithDetails(type, current as Record<string, unknown>, body, gvk, { fieldValidation: mode });
    } catch (e) {
      throw patchFailure(e);
    }
    const obj = result.object as KObject;
    if (!isObject(obj.metadata)) obj.metadata = {};
    // Unknown fields: the patch's own strict findings, then the patched object's.
    const unknown = [...result.strictErrors];
    // The prune walk below has nothing to do when the walk for unknown fields found none.
    let prune = true;
    if (deps.unknownFields && mode !== "Ignore") {
      const found = deps.unknownFields(gvk, obj);
      prune = found.length > 0;
      unknown.push(...found.map((f) => `unknown field "${f}"`));
    }
    if (unknown.length && mode === "Strict") {
      throw new ApiError(patchFailureStatus(invalidPatch(result.invalidValue(), `strict decoding error: ${unknown.join(", ")}`)));
    }
    if (unknown.length && !reported) {
      reported = true;
      warnings.push(...unknown);
    }
    if (prune) deps.pruneUnknownFields?.(gvk, obj);
    // Members set to null are absent once kube decodes the patched JSON into its typed object.
    dropTypedNulls(gvk, obj);
    // A resourceVersion the patch set (or replaced) is a precondition; none means the current one.
    if (obj.metadata.resourceVersion === undefined) obj.metadata.resourceVersion = current.metadata.resourceVersion;
    if (obj.metadata.name !== name) throw errors.badRequest(`the name of the object (${String(obj.metadata.name)}) does not match the name on the URL (${name})`);
    return obj;
  }, { ...base, fieldManager: manager, leavesCurrent: true });
}

