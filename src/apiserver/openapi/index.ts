import { createHash } from "node:crypto";
import type { ResourceInfo, SubresourceInfo } from "../registry/types.js";
import { discoveryPath, gvPath, resourcePaths, rootPaths, CUSTOM_PATCH_TYPES, PATCH_TYPES, type KindNames, type Operation, type Param, type PathItem } from "./paths.js";
import { encodeV2Document } from "./v2proto.js";
import { closure, definition, definitionOfKind, definitionToV3, toV2, DELETE_OPTIONS, META, WATCH_EVENT, type Schema } from "./schemas.js";

export { unknownFields, pruneUnknownFields, pruneEmptyMaps, dropTypedNulls } from "./fields.js";
/** The built-in schemas, for server-side strategic merge and apply (merge keys, list types). */
export { definition, definitionOfKind } from "./schemas.js";
export type { Schema } from "./schemas.js";
export { PATCH_TYPES, CUSTOM_PATCH_TYPES, PRODUCES } from "./paths.js";
export { negotiateV2, V2_PROTOBUF_CONTENT_TYPE } from "./v2proto.js";

/**
 * The OpenAPI documents kube-apiserver serves, for the resources this server serves:
 * /openapi/v2 (one document) and /openapi/v3 (an index, then one document per group/version,
 * plus the /api, /apis, /apis/<group> and /version roots). Built on first request and cached;
 * each document is serialized once.
 */
export interface OpenAPIDocuments {
  /** GET /openapi/v2 as JSON. */
  v2Json(): Buffer;
  /** GET /openapi/v2 as protobuf: the same document as gnostic's openapi.v2.Document. */
  v2Protobuf(): Buffer;
  /** GET /openapi/v3: {"paths": {"api/v1": {"serverRelativeURL": "/openapi/v3/api/v1?hash=H"}, ...}}. */
  v3Index(): V3Index;
  /** GET /openapi/v3/<path> ("api/v1", "apis/apps/v1", "apis/apps", "api", "apis", "version"). */
  v3(path: string): Buffer | undefined;
  /** The document's hash (upper-case hex SHA-512 of its bytes, as kube computes its ETag). */
  v3Hash(path: string): string | undefined;
}

export interface V3Index {
  paths: Record<string, { serverRelativeURL: string }>;
}

export interface BuildOptions {
  /** info.version of the documents (kube puts its git version there). */
  version?: string;
  /**
   * The schema of a kind with no built-in definition (a custom resource's openAPIV3Schema), in
   * the form the built-ins use: `$ref`s hold bare definition names. Without one, such kinds are
   * published as objects that keep unknown fields.
   */
  customSchema?(r: ResourceInfo): Schema | undefined;
}

const SECURITY = { BearerToken: { description: "Bearer Token authentication", in: "header", name: "authorization", type: "apiKey" } };

export function buildOpenAPI(resources: readonly ResourceInfo[], options: BuildOptions = {}): OpenAPIDocuments {
  const info = { title: "Kubernetes", version: options.version ?? "unversioned" };
  const custom = new Map<string, Schema>(); // definitions of custom kinds
  const byGV = new Map<string, ResourceInfo[]>();
  const groups: string[] = [];
  for (const r of resources) {
    const key = gvPath(r.group, r.version);
    if (!byGV.has(key)) byGV.set(key, []);
    byGV.get(key)!.push(r);
    if (r.group && !groups.includes(r.group)) groups.push(r.group);
  }
  const lookup = (name: string) => custom.get(name) ?? definition(name);

  // DeleteOptions and WatchEvent are registered in every group/version served.
  const servedGVKs = (kind: string) => {
    const gvs = new Map<string, { group: string; version: string }>([["/v1", { group: "", version: "v1" }]]);
    for (const r of resources) gvs.set(`${r.group}/${r.version}`, { group: r.group, version: r.version });
    return [...gvs.values()]
      .sort((a, b) => (a.group !== b.group ? (a.group < b.group ? -1 : 1) : a.version < b.version ? -1 : a.version > b.version ? 1 : 0))
      .map((gv) => ({ group: gv.group, kind, version: gv.version }));
  };
  const withServedGVKs = (name: string, s: Schema): Schema => {
    if (name !== DELETE_OPTIONS && name !== WATCH_EVENT) return s;
    return { ...s, "x-kubernetes-group-version-kind": servedGVKs(name === DELETE_OPTIONS ? "DeleteOptions" : "WatchEvent") };
  };

  const kindNames = (r: ResourceInfo): KindNames => {
    const object = definitionOfKind(r);
    if (object) {
      const list = definitionOfKind({ ...r, kind: `${r.kind}List` });
      return { object, list, subresource: (s) => subresourceDefinition(r, s, object), patchTypes: PATCH_TYPES };
    }
    const [objectName, listName] = addCustomKind(r, options.customSchema?.(r), custom);
    return { object: objectName, list: listName, subresource: (s) => subresourceDefinition(r, s, objectName), patchTypes: CUSTOM_PATCH_TYPES };
  };

  // Paths per document, computed once.
  let pathsByDoc: Map<string, PathItem[]> | undefined;
  const allPaths = () => {
    if (pathsByDoc) return pathsByDoc;
    pathsByDoc = new Map();
    for (const [key, rs] of byGV) {
      const items = [discoveryPath(rs[0]!.group, rs[0]!.version)];
      for (const r of rs) items.push(...resourcePaths(r, kindNames(r)));
      pathsByDoc.set(key, items);
    }
    const roots = rootPaths(groups);
    pathsByDoc.set("api", roots.filter((p) => p.path === "/api/"));
    pathsByDoc.set("apis", roots.filter((p) => p.path === "/apis/"));
    for (const g of groups) pathsByDoc.set(`apis/${g}`, roots.filter((p) => p.path === `/apis/${g}/`));
    pathsByDoc.set("version", roots.filter((p) => p.path === "/version/"));
    return pathsByDoc;
  };

  const v2Defs = new Map<string, string>();
  const v3Defs = new Map<string, string>();
  const defJson = (name: string, v3: boolean): string => {
    const cache = v3 ? v3Defs : v2Defs;
    let text = cache.get(name);
    if (text === undefined) {
      const s = withServedGVKs(name, lookup(name)!);
      text = JSON.stringify(v3 ? definitionToV3(name, s) : toV2(s));
      cache.set(name, text);
    }
    return text;
  };
  const schemasJson = (names: string[], v3: boolean) => `{${names.map((n) => `${JSON.stringify(n)}:${defJson(n, v3)}`).join(",")}}`;

  let v2: Buffer | undefined;
  let v2Proto: Buffer | undefined;
  const v3Docs = new Map<string, { body: Buffer; hash: string } | null>();
  const v3Doc = (path: string) => {
    let doc = v3Docs.get(path);
    if (doc === undefined) {
      const items = allPaths().get(path);
      if (!items) doc = null;
      else {
        const paths = Object.fromEntries(items.map((p) => [p.path, v3PathItem(p)]));
        const defs = closure(referencedDefinitions(items), lookup);
        const text = `{"components":{"schemas":${schemasJson(defs, true)},"securitySchemes":${JSON.stringify(SECURITY)}},"info":${JSON.stringify(info)},"openapi":"3.0.0","paths":${JSON.stringify(sortedPaths(paths))},"security":[{"BearerToken":[]}]}`;
        const body = Buffer.from(text);
        doc = { body, hash: createHash("sha512").update(body).digest("hex").toUpperCase() };
      }
      v3Docs.set(path, doc);
    }
    return doc ?? undefined;
  };

  return {
    v2Json() {
      if (!v2) {
        const items = [...allPaths().values()].flat();
        const paths = Object.fromEntries(items.map((p) => [p.path, v2PathItem(p)]));
        const defs = closure(referencedDefinitions(items), lookup);
        const text = `{"definitions":${schemasJson(defs, false)},"info":${JSON.stringify(info)},"paths":${JSON.stringify(sortedPaths(paths))},"security":[{"BearerToken":[]}],"securityDefinitions":${JSON.stringify(SECURITY)},"swagger":"2.0"}`;
        v2 = Buffer.from(text);
      }
      return v2;
    },
    v2Protobuf() {
      // Encoded from the JSON text, as kube encodes it, so the two cannot disagree.
      v2Proto ??= encodeV2Document(JSON.parse(this.v2Json().toString()) as Record<string, unknown>);
      return v2Proto;
    },
    v3Index() {
      const paths: V3Index["paths"] = {};
      for (const key of [...allPaths().keys()].sort()) {
        paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${v3Doc(key)!.hash}` };
      }
      return { paths };
    },
    v3(path) {
      return v3Doc(path)?.body;
    },
    v3Hash(path) {
      return v3Doc(path)?.hash;
    },
  };
}

/** The definition a subresource takes and returns: the parent's own kind, or another (Scale). */
function subresourceDefinition(r: ResourceInfo, s: SubresourceInfo, parent: string): string {
  if (s.group === r.group && s.version === r.version && s.kind === r.kind) return parent;
  const name = definitionOfKind(s);
  if (!name) throw new Error(`openapi: no definition for ${s.group}/${s.version} ${s.kind} (${r.resource}/${s.name})`);
  return name;
}

/** "stable.example.com" -> "com.example.stable": kube names custom definitions group-reversed. */
function customDefinitionName(r: ResourceInfo, kind: string): string {
  return `${r.group.split(".").reverse().join(".")}.${r.version}.${kind}`;
}

/** Registers a custom kind's object and list definitions; returns their names. */
function addCustomKind(r: ResourceInfo, schema: Schema | undefined, custom: Map<string, Schema>): [string, string] {
  const objectName = customDefinitionName(r, r.kind);
  const listName = customDefinitionName(r, `${r.kind}List`);
  const gvk = (kind: string) => [{ group: r.group, kind, version: r.version }];
  const base = schema ?? { type: "object", "x-kubernetes-preserve-unknown-fields": true };
  const props = { ...base.properties };
  props.apiVersion ??= { type: "string" };
  props.kind ??= { type: "string" };
  props.metadata = { $ref: `${META}.ObjectMeta` };
  custom.set(objectName, { ...base, type: "object", properties: props, "x-kubernetes-group-version-kind": gvk(r.kind) });
  custom.set(listName, {
    description: `${r.kind}List is a list of ${r.kind}`,
    type: "object",
    required: ["items"],
    properties: {
      apiVersion: { type: "string" },
      items: { type: "array", items: { $ref: objectName } },
      kind: { type: "string" },
      metadata: { $ref: `${META}.ListMeta` },
    },
    "x-kubernetes-group-version-kind": gvk(`${r.kind}List`),
  });
  return [objectName, listName];
}

/** Definitions the operations of `items` name. */
function referencedDefinitions(items: PathItem[]): Set<string> {
  const out = new Set<string>();
  for (const p of items) {
    for (const o of p.operations) {
      if (o.body) out.add(o.body.schema);
      for (const r of o.responses) if (r.schema && r.schema !== "string") out.add(r.schema);
    }
  }
  return out;
}

function sortedPaths<T>(paths: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(paths).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function sortedKeys<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) as T;
}

// ---------------------------------------------------------------------------------------------
// OpenAPI v2

function v2Param(p: Param): object {
  return sortedKeys({ description: p.description, in: p.in, name: p.name, ...(p.required ? { required: true } : {}), type: p.type, uniqueItems: true });
}

function v2Schema(schema: string): Schema {
  return schema === "string" ? { type: "string" } : { $ref: `#/definitions/${schema}` };
}

function v2Operation(o: Operation): object {
  const params: object[] = o.params.map(v2Param);
  if (o.body) {
    params.push({ in: "body", name: "body", ...(o.body.required ? { required: true } : {}), schema: v2Schema(o.body.schema) });
    params.sort((a, b) => ((a as Param).name < (b as Param).name ? -1 : 1));
  }
  const responses: Record<string, object> = {};
  for (const r of o.responses) responses[r.code] = r.schema ? { description: r.description, schema: v2Schema(r.schema) } : { description: r.description };
  return sortedKeys({
    consumes: o.body?.contentTypes ?? ["*/*"],
    description: o.description,
    operationId: o.operationId,
    ...(params.length ? { parameters: params } : {}),
    produces: o.produces,
    responses,
    schemes: ["https"],
    tags: [o.tag],
    ...(o.action ? { "x-kubernetes-action": o.action } : {}),
    ...(o.gvk ? { "x-kubernetes-group-version-kind": { group: o.gvk.group, kind: o.gvk.kind, version: o.gvk.version } } : {}),
  });
}

function v2PathItem(p: PathItem): object {
  const item: Record<string, object> = {};
  if (p.params.length) item.parameters = p.params.map(v2Param);
  for (const o of p.operations) item[o.method] = v2Operation(o);
  return sortedKeys(item);
}

// ---------------------------------------------------------------------------------------------
// OpenAPI v3

function v3Param(p: Param): object {
  return sortedKeys({ description: p.description, in: p.in, name: p.name, ...(p.required ? { required: true } : {}), schema: { type: p.type, uniqueItems: true } });
}

function v3Schema(schema: string): Schema {
  return schema === "string" ? { type: "string" } : { $ref: `#/components/schemas/${schema}` };
}

function v3Operation(o: Operation): object {
  const responses: Record<string, object> = {};
  for (const r of o.responses) {
    responses[r.code] = r.schema
      ? { content: Object.fromEntries(o.produces.map((t) => [t, { schema: v3Schema(r.schema!) }])), description: r.description }
      : { description: r.description };
  }
  return sortedKeys({
    description: o.description,
    operationId: o.operationId,
    ...(o.params.length ? { parameters: o.params.map(v3Param) } : {}),
    ...(o.body
      ? {
          requestBody: {
            content: Object.fromEntries(o.body.contentTypes.map((t) => [t, { schema: v3Schema(o.body!.schema) }])),
            ...(o.body.required ? { required: true } : {}),
          },
        }
      : {}),
    responses,
    tags: [o.tag],
    ...(o.action ? { "x-kubernetes-action": o.action } : {}),
    ...(o.gvk ? { "x-kubernetes-group-version-kind": { group: o.gvk.group, kind: o.gvk.kind, version: o.gvk.version } } : {}),
  });
}

function v3PathItem(p: PathItem): object {
  const item: Record<string, object> = {};
  if (p.params.length) item.parameters = p.params.map(v3Param);
  for (const o of p.operations) item[o.method] = v3Operation(o);
  return sortedKeys(item);
}
