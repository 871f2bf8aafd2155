import type { IncomingMessage, ServerResponse } from "node:http";
import jsonpatch from "fast-json-patch";
import type { KObject } from "../api/types.js";
import { ApiError, errors } from "../api/status.js";
import { queryBool, type RequestInfo } from "../filters/requestInfo.js";
import type { Printer } from "../printers/types.js";
import { clone, type DeleteOptionsBody, type ResourceStore } from "../registry/store.js";
import {
  fieldLabelNotSupported, fieldSelectorEmpty, fieldSelectorRequirements, labelSelectorEmpty, matchesFields, matchesLabels,
  parseFieldSelector, parseLabelSelector, SelectorError, unknownFieldSelector,
} from "../selectors/index.js";
import type { Predicate, WatchEvent } from "../storage/interface.js";
import { decodeBody, encodeValue, isObject, mediaType, partialMetadata, readBody, send, sendStatus, toApiError, toTable, type IncludeObject } from "./encode.js";
import { negotiate, type Conversion, type Negotiated } from "./negotiate.js";

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
  const fieldsOf = (o: KObject): Record<string, string> => {
    const f: Record<string, string> = { "metadata.name": o.metadata.name ?? "" };
    if (store.info.namespaced) f["metadata.namespace"] = o.metadata.namespace ?? "";
    return { ...f, ...(store.strategy.selectableFields?.(o) ?? {}) };
  };
  return {
    matches(o) {
      if (!emptyLabel && !matchesLabels(label, o.metadata.labels)) return false;
      if (emptyField) return true;
      const f = fieldsOf(o);
      if (extra && f[extra[0]] !== extra[1]) return false;
      return matchesFields(field, f);
    },
  };
}

function listKind(store: ResourceStore): string {
  return `${store.info.kind}List`;
}

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
  send(res, code, encodeValue(out, neg), neg.contentType, headers);
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
    }
  }
  deps.pruneUnknownFields?.(gvk, obj);
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
  let neg: Negotiated | undefined;
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
        neg = negotiate(req.headers.accept, objectConversions, pretty);
        const obj = await store.get(ns, info.name, parseRV(query.get("resourceVersion")));
        writeObject(res, 200, obj, neg, store, deps, query);
        return;
      }
      case "list": {
        neg = negotiate(req.headers.accept, listConversions, pretty);
        await list(store, ns, req, res, query, neg, deps);
        return;
      }
      case "watch": {
        neg = negotiate(req.headers.accept, objectConversions.concat(["Table"]), pretty);
        await watch(store, ns, info.name, req, res, query, neg, deps);
        return;
      }
      case "create": {
        if (sub) throw errors.methodNotSupported(store.gr, "create");
        if (!store.info.verbs.includes("create")) throw errors.methodNotSupported(store.gr, "create");
        neg = negotiate(req.headers.accept, objectConversions, pretty);
        const warnings: string[] = [];
        const dryRun = dryRunOf(query);
        const obj = await readObject(req, store, query, deps, warnings);
        const created = await store.create(ns, obj, { dryRun, fieldManager: query.get("fieldManager") ?? undefined });
        warnings.push(...(store.strategy.warningsOnCreate?.(created) ?? []));
        writeObject(res, 201, created, neg, store, deps, query, warningHeader(warnings));
        return;
      }
      case "update": {
        if (!store.info.verbs.includes("update")) throw errors.methodNotSupported(store.gr, "update");
        neg = negotiate(req.headers.accept, objectConversions, pretty);
        const warnings: string[] = [];
        const dryRun = dryRunOf(query);
        const obj = await readObject(req, store, query, deps, warnings);
        const opts = sub ? { dryRun, subresource: sub } : { dryRun };
        const result = await store.update(ns, info.name, obj, opts);
        writeObject(res, result.created ? 201 : 200, result.obj, neg, store, deps, query, warningHeader(warnings));
        return;
      }
      case "patch": {
        if (!store.info.verbs.includes("patch")) throw errors.methodNotSupported(store.gr, "patch");
        neg = negotiate(req.headers.accept, objectConversions, pretty);
        const dryRun = dryRunOf(query);
        const result = await patch(store, ns, info.name, req, query, dryRun, sub);
        writeObject(res, result.created ? 201 : 200, result.obj, neg, store, deps, query);
        return;
      }
      case "delete": {
        if (sub) throw errors.methodNotSupported(store.gr, "delete");
        if (!store.info.verbs.includes("delete")) throw errors.methodNotSupported(store.gr, "delete");
        neg = negotiate(req.headers.accept, objectConversions, pretty);
        const opts = await deleteOptions(req, query);
        const dryRun = dryRunOf(query) || (opts.dryRun?.length ?? 0) > 0;
        const { body, deleted } = await store.delete(ns, info.name, opts, dryRun);
        // kube answers 202 only for a cascading delete (orphanDependents=false) still in progress.
        writeObject(res, !deleted && opts.orphanDependents === false ? 202 : 200, body, neg, store, deps, query);
        return;
      }
      case "deletecollection": {
        if (!store.info.verbs.includes("deletecollection")) throw errors.methodNotSupported(store.gr, "deletecollection");
        neg = negotiate(req.headers.accept, listConversions, pretty);
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
        send(res, 200, encodeValue(body, neg), neg.contentType);
        return;
      }
      default:
        throw errors.methodNotSupported(store.gr, info.verb);
    }
  } catch (err) {
    const e = toApiError(err);
    sendStatus(res, e, neg);
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
  const result = await store.list(ns, {
    ...(rv !== undefined ? { resourceVersion: rv } : {}),
    ...(rvMatch ? { resourceVersionMatch: rvMatch as "NotOlderThan" | "Exact" } : {}),
    ...(limit && limit > 0 ? { limit } : {}),
    ...(cont ? { continue: cont } : {}),
    predicate,
  });
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
  send(res, 200, encodeValue(body, neg), neg.contentType);
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
  const finish = () => {
    if (ended) return;
    ended = true;
    clearTimeout(timer);
    untrack?.();
    w.stop();
    res.end();
  };
  const timer = setTimeout(finish, timeoutSeconds * 1000);
  const untrack = deps.trackWatch?.(finish);
  req.on("close", finish);
  res.on("close", finish);
  w.onEnd(finish);
  w.onEvent((ev: WatchEvent) => {
    if (ended) return;
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
    const line = neg.encoding === "json" ? JSON.stringify({ type: ev.type, object }) + "\n" : encodeValue({ type: ev.type, object }, neg) + "---\n";
    res.write(line);
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

/** RFC 7386 merge patch. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return clone(patch);
  const out: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

async function patch(store: ResourceStore, ns: string, name: string, req: IncomingMessage, query: URLSearchParams, dryRun: boolean, subresource?: string) {
  const mt = mediaType(req.headers["content-type"]);
  if (!patchTypes.includes(mt)) throw errors.unsupportedMediaType(patchTypes);
  if (mt === "application/apply-patch+yaml") throw errors.unsupportedMediaType(patchTypes.slice(0, 3));
  const body = await readBody(req);
  let patchDoc: unknown;
  try {
    patchDoc = JSON.parse(body.toString("utf8"));
  } catch (e) {
    throw errors.badRequest(`error decoding patch: ${(e as Error).message}`);
  }
  if (mt === "application/json-patch+json" && !Array.isArray(patchDoc)) {
    throw errors.badRequest("json: cannot unmarshal object into Go value of type jsonpatch.Patch");
  }
  if (mt !== "application/json-patch+json" && !isObject(patchDoc)) throw errors.badRequest("json: cannot unmarshal into Go value of type map[string]interface {}");
  const opts = subresource ? { dryRun, subresource } : { dryRun };
  return store.applyUpdate(ns, name, (current) => {
    if (!current) throw errors.notFound(store.gr, name);
    let next: unknown;
    if (mt === "application/json-patch+json") {
      try {
        next = jsonpatch.applyPatch(clone(current), patchDoc as jsonpatch.Operation[], true, false).newDocument;
      } catch (e) {
        const msg = (e as Error).message.split("\n")[0] ?? "";
        throw errors.invalid(store.info.group, store.info.kind, name, `the server rejected our request due to an error in our request`, [{ message: msg }]);
      }
    } else {
      // Strategic merge patch needs per-field merge keys (issue 4); a merge patch is its
      // subset for maps and scalars, which is what label, annotate and scale send.
      next = mergePatch(current, stripDirectives(patchDoc));
    }
    if (!isObject(next)) throw errors.badRequest("patched object is not an object");
    const obj = next as KObject;
    obj.metadata ??= {};
    // A patch carries no resourceVersion precondition unless the patch sets one.
    const patchMeta = isObject(patchDoc) && isObject((patchDoc as Record<string, unknown>).metadata) ? (patchDoc as { metadata: Record<string, unknown> }).metadata : undefined;
    if (!patchMeta || patchMeta.resourceVersion === undefined) obj.metadata.resourceVersion = current.metadata.resourceVersion;
    if (obj.metadata.name !== name) throw errors.badRequest(`the name of the object (${String(obj.metadata.name)}) does not match the name on the URL (${name})`);
    return obj;
  }, opts);
}

function stripDirectives(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripDirectives);
  if (!isObject(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, val] of Object.entries(v)) {
    if (k.startsWith("$")) continue;
    out[k] = stripDirectives(val);
  }
  return out;
}
