import type { GroupVersionKind } from "../api/types.js";
import type { ResourceInfo, SubresourceInfo } from "../registry/types.js";
import { parameters as parameterDocs } from "./definitions.js";
import { API_GROUP, API_GROUP_LIST, API_RESOURCE_LIST, API_VERSIONS, DELETE_OPTIONS, PATCH, STATUS, VERSION_INFO, WATCH_EVENT } from "./schemas.js";

/**
 * The paths and operations kube-apiserver publishes for a resource, in a neutral form that
 * index.ts renders as OpenAPI v2 or v3. Naming follows kube's installer: operation
 * "<verb><Group><Version><Namespaced><Kind><Subresource>", tag "<group>_<version>",
 * x-kubernetes-action, and the kind's group/version/kind on every operation.
 */

export type Method = "get" | "put" | "post" | "delete" | "patch" | "head" | "options";
export type Action = "list" | "post" | "deletecollection" | "get" | "put" | "patch" | "delete" | "watch" | "watchlist" | "connect";

export interface Param {
  name: string;
  in: "path" | "query";
  type: "string" | "boolean" | "integer";
  description: string;
  required?: boolean;
}

export interface Operation {
  method: Method;
  operationId: string;
  description: string;
  tag: string;
  action?: Action;
  gvk?: GroupVersionKind;
  params: Param[];
  /** The request body: a definition name and the media types accepted for it. */
  body?: { schema: string; required: boolean; contentTypes: string[] };
  /** Response media types. */
  produces: string[];
  /** Responses by status code: a definition name, "string" for plain text, or nothing. */
  responses: { code: string; description: string; schema?: string }[];
}

export interface PathItem {
  path: string;
  /** Parameters every operation of the path shares (kube hoists them to the path). */
  params: Param[];
  operations: Operation[];
}

/** What kplane serves: JSON and YAML (no protobuf or CBOR). */
export const PRODUCES = ["application/json", "application/yaml"];
export const WATCH_PRODUCES = [...PRODUCES, "application/json;stream=watch"];
/** The patch media types kplane accepts for built-in kinds (kube 1.32 also lists apply-patch+cbor). */
export const PATCH_TYPES = [
  "application/json-patch+json",
  "application/merge-patch+json",
  "application/strategic-merge-patch+json",
  "application/apply-patch+yaml",
];
/** Custom resources have no Go struct tags to drive a strategic merge. */
export const CUSTOM_PATCH_TYPES = PATCH_TYPES.filter((t) => t !== "application/strategic-merge-patch+json");

/**
 * Resources whose DELETE answers with the deleted object rather than a Status (their stores
 * return the object: graceful deletion or finalizers). A fact of kube 1.32's registry.
 */
const DELETE_RETURNS_OBJECT = new Set([
  "/persistentvolumeclaims",
  "/persistentvolumes",
  "/pods",
  "/podtemplates",
  "/resourcequotas",
  "/serviceaccounts",
  "/services",
  "storage.k8s.io/csidrivers",
  "storage.k8s.io/csinodes",
  "storage.k8s.io/storageclasses",
  "storage.k8s.io/volumeattachments",
]);

const CONNECT_METHODS: Record<string, Method[]> = {
  proxy: ["delete", "get", "head", "options", "patch", "post", "put"],
};

/** kube's operation-ID casing: letters kept, a capital after every dropped character. */
function validId(s: string, capitalizeFirst: boolean): string {
  let out = "";
  let up = capitalizeFirst;
  for (const [i, c] of [...s].entries()) {
    if (/\p{L}|_/u.test(c) || (i > 0 && /\d/.test(c))) {
      out += up ? c.toUpperCase() : c;
      up = false;
    } else up = true;
  }
  return out;
}

/** "" -> "core", "rbac.authorization.k8s.io" -> "rbac.authorization". */
function trimmedGroup(group: string): string {
  return group === "" ? "core" : group.replace(/\.k8s\.io$/, "");
}

/** "CoreV1", "RbacAuthorizationV1": the middle of every operation ID of a group/version. */
export function gvName(group: string, version: string): string {
  return validId(trimmedGroup(group), true) + validId(version, true);
}

/** "core_v1", "rbacAuthorization_v1". */
export function gvTag(group: string, version: string): string {
  return `${validId(trimmedGroup(group), false)}_${validId(version, false)}`;
}

/** "api/v1" or "apis/apps/v1": the group/version's path prefix (without the slash). */
export function gvPath(group: string, version: string): string {
  return group === "" ? `api/${version}` : `apis/${group}/${version}`;
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** kube's article: none for plural-looking kinds ("Endpoints", not "Ingress"), "an" before a vowel. */
function article(kind: string): string {
  if (kind.endsWith("s") && !kind.endsWith("ss")) return "";
  return /^[AEIOUaeiou]/.test(kind) ? "an " : "a ";
}

function doc(name: string, variant?: string): string {
  return (variant && parameterDocs[`${variant}.${name}`]) || parameterDocs[name] || "";
}

function query(name: string, type: Param["type"], variant?: string): Param {
  return { name, in: "query", type, description: doc(name, variant) };
}

const pretty = () => query("pretty", "string");
const dryRun = () => query("dryRun", "string");
const fieldValidation = () => query("fieldValidation", "string");
const listParams = (): Param[] => [
  query("allowWatchBookmarks", "boolean"),
  query("continue", "string"),
  query("fieldSelector", "string"),
  query("labelSelector", "string"),
  query("limit", "integer"),
  query("resourceVersion", "string"),
  query("resourceVersionMatch", "string"),
  query("sendInitialEvents", "boolean"),
  query("timeoutSeconds", "integer"),
  query("watch", "boolean"),
];
const deleteParams = (): Param[] => [
  dryRun(),
  query("gracePeriodSeconds", "integer"),
  query("ignoreStoreReadErrorWithClusterBreakingPotential", "boolean"),
  query("orphanDependents", "boolean"),
  query("propagationPolicy", "string"),
];
const namespaceParam = (): Param => ({ name: "namespace", in: "path", type: "string", description: doc("namespace"), required: true });
const nameParam = (what: string): Param => ({ name: "name", in: "path", type: "string", description: `name of the ${what}`, required: true });

const unauthorized = { code: "401", description: "Unauthorized" };

/** How a resource's kinds are named in the documents: built-in definitions or custom ones. */
export interface KindNames {
  /** The definition of the resource's kind, and of its list (needed when it has "list"). */
  object: string;
  list: string | undefined;
  /** The definition a subresource takes and returns. */
  subresource(s: SubresourceInfo): string;
  /** Custom resources accept no strategic merge patch. */
  patchTypes: string[];
}

/** Every path of `r`, with its operations. */
export function resourcePaths(r: ResourceInfo, names: KindNames): PathItem[] {
  const gv = gvName(r.group, r.version);
  const tag = gvTag(r.group, r.version);
  const prefix = `/${gvPath(r.group, r.version)}`;
  const gvk = { group: r.group, version: r.version, kind: r.kind };
  const ns = r.namespaced ? "Namespaced" : "";
  const scope = r.namespaced ? `${prefix}/namespaces/{namespace}` : prefix;
  const scopeParams = r.namespaced ? [namespaceParam()] : [];
  const has = (v: string) => (r.verbs as string[]).includes(v);
  const watchable = has("watch");
  const items: PathItem[] = [];
  const op = (o: Omit<Operation, "tag" | "gvk" | "produces"> & Partial<Pick<Operation, "gvk" | "produces">>): Operation => ({
    tag,
    gvk,
    produces: PRODUCES,
    ...o,
  });
  const write = (): Param[] => [dryRun(), query("fieldManager", "string"), fieldValidation()];
  const objectResponses = (schema: string, codes: string[]) => [
    ...codes.map((code) => ({ code, description: { "200": "OK", "201": "Created", "202": "Accepted" }[code]!, schema })),
    unauthorized,
  ];

  if (has("list") && !names.list) throw new Error(`openapi: no list definition for ${r.kind}`);
  const list = names.list!;

  // The collection.
  const collection: Operation[] = [];
  if (has("list")) {
    collection.push(
      op({
        method: "get",
        operationId: `list${gv}${ns}${r.kind}`,
        description: watchable ? `list or watch objects of kind ${r.kind}` : `list objects of kind ${r.kind}`,
        action: "list",
        params: listParams(),
        produces: watchable ? WATCH_PRODUCES : PRODUCES,
        responses: objectResponses(list, ["200"]),
      }),
    );
  }
  if (has("create")) {
    collection.push(
      op({
        method: "post",
        operationId: `create${gv}${ns}${r.kind}`,
        description: `create ${article(r.kind)}${r.kind}`,
        action: "post",
        params: write(),
        body: { schema: names.object, required: true, contentTypes: ["*/*"] },
        responses: objectResponses(names.object, ["200", "201", "202"]),
      }),
    );
  }
  if (has("deletecollection")) {
    collection.push(
      op({
        method: "delete",
        operationId: `delete${gv}Collection${ns}${r.kind}`,
        description: `delete collection of ${r.kind}`,
        action: "deletecollection",
        params: [...deleteParams(), ...listParams().filter((p) => p.name !== "watch" && p.name !== "allowWatchBookmarks")],
        body: { schema: DELETE_OPTIONS, required: false, contentTypes: ["*/*"] },
        responses: objectResponses(STATUS, ["200"]),
      }),
    );
  }
  if (collection.length) items.push(pathItem(`${scope}/${r.resource}`, [...scopeParams, pretty()], collection));

  // One object.
  const item: Operation[] = [];
  const itemPath = `${scope}/${r.resource}/{name}`;
  const itemParams = [nameParam(r.kind), ...scopeParams, pretty()];
  if (has("get")) {
    item.push(op({ method: "get", operationId: `read${gv}${ns}${r.kind}`, description: `read the specified ${r.kind}`, action: "get", params: [], responses: objectResponses(names.object, ["200"]) }));
  }
  if (has("update")) {
    item.push(
      op({
        method: "put",
        operationId: `replace${gv}${ns}${r.kind}`,
        description: `replace the specified ${r.kind}`,
        action: "put",
        params: write(),
        body: { schema: names.object, required: true, contentTypes: ["*/*"] },
        responses: objectResponses(names.object, ["200", "201"]),
      }),
    );
  }
  if (has("patch")) item.push(patchOp(op, `patch${gv}${ns}${r.kind}`, `partially update the specified ${r.kind}`, names.object, names.patchTypes));
  if (has("delete")) {
    const returnsObject = DELETE_RETURNS_OBJECT.has(`${r.group}/${r.resource}`);
    item.push(
      op({
        method: "delete",
        operationId: `delete${gv}${ns}${r.kind}`,
        description: `delete ${article(r.kind)}${r.kind}`,
        action: "delete",
        params: deleteParams(),
        body: { schema: DELETE_OPTIONS, required: false, contentTypes: ["*/*"] },
        responses: objectResponses(returnsObject ? names.object : STATUS, ["200", "202"]),
      }),
    );
  }
  if (item.length) items.push(pathItem(itemPath, itemParams, item));

  // Across namespaces, and the deprecated watch paths.
  if (r.namespaced && has("list")) {
    items.push(
      pathItem(`${prefix}/${r.resource}`, [...listParams(), pretty()], [
        op({
          method: "get",
          operationId: `list${gv}${r.kind}ForAllNamespaces`,
          description: watchable ? `list or watch objects of kind ${r.kind}` : `list objects of kind ${r.kind}`,
          action: "list",
          params: [],
          produces: watchable ? WATCH_PRODUCES : PRODUCES,
          responses: objectResponses(list, ["200"]),
        }),
      ]),
    );
  }
  if (watchable) {
    const watchOp = (operationId: string, action: Action, description: string): Operation =>
      op({ method: "get", operationId, description, action, params: [], produces: WATCH_PRODUCES, responses: objectResponses(WATCH_EVENT, ["200"]) });
    const listDesc = `watch individual changes to a list of ${r.kind}. deprecated: use the 'watch' parameter with a list operation instead.`;
    const oneDesc = `watch changes to an object of kind ${r.kind}. deprecated: use the 'watch' parameter with a list operation instead, filtered to a single item with the 'fieldSelector' parameter.`;
    const watchScope = r.namespaced ? `${prefix}/watch/namespaces/{namespace}` : `${prefix}/watch`;
    items.push(pathItem(`${watchScope}/${r.resource}`, [...listParams(), ...scopeParams, pretty()], [watchOp(`watch${gv}${ns}${r.kind}List`, "watchlist", listDesc)]));
    items.push(pathItem(`${watchScope}/${r.resource}/{name}`, [...listParams(), nameParam(r.kind), ...scopeParams, pretty()], [watchOp(`watch${gv}${ns}${r.kind}`, "watch", oneDesc)]));
    if (r.namespaced) {
      items.push(pathItem(`${prefix}/watch/${r.resource}`, [...listParams(), pretty()], [watchOp(`watch${gv}${r.kind}ListForAllNamespaces`, "watchlist", listDesc)]));
    }
  }

  for (const s of r.subresources ?? []) items.push(...subresourcePaths(r, s, names, { gv, ns, itemPath, scopeParams, op, write, objectResponses }));
  return items;
}

interface Context {
  gv: string;
  ns: string;
  itemPath: string;
  scopeParams: Param[];
  op: (o: Omit<Operation, "tag" | "gvk" | "produces"> & Partial<Pick<Operation, "gvk" | "produces">>) => Operation;
  write: () => Param[];
  objectResponses: (schema: string, codes: string[]) => Operation["responses"];
}

function subresourcePaths(r: ResourceInfo, s: SubresourceInfo, names: KindNames, c: Context): PathItem[] {
  const { gv, ns, op } = c;
  const Sub = capitalize(s.name);
  const gvk = { group: s.group, version: s.version, kind: s.kind };
  const path = `${c.itemPath}/${s.name}`;
  const variant = `${r.resource}/${s.name}`;
  const has = (v: string) => (s.verbs as string[]).includes(v);
  const base = [nameParam(s.kind), ...c.scopeParams];

  if (s.kind.endsWith("Options")) {
    // connect: exec, attach, portforward, proxy (the options kind names the query).
    const methods = CONNECT_METHODS[s.name] ?? (["get", "post"] as Method[]);
    const connect = (suffix: string): Operation[] =>
      methods.map((m) =>
        op({
          method: m,
          operationId: `connect${gv}${capitalize(m)}${ns}${r.kind}${Sub}${suffix}`,
          description: `connect ${m.toUpperCase()} requests to ${s.name} of ${r.kind}`,
          action: "connect",
          gvk,
          params: [],
          produces: ["*/*"],
          responses: [{ code: "200", description: "OK", schema: "string" }, unauthorized],
        }),
      );
    const params = connectParams(s.name, variant);
    const items = [pathItem(path, [...base, ...params], connect(""))];
    if (s.name === "proxy") {
      const pathParam: Param = { name: "path", in: "path", type: "string", description: "path to the resource", required: true };
      items.push(pathItem(`${path}/{path}`, [...base, pathParam, ...params], connect("WithPath")));
    }
    return items;
  }

  if (s.name === "log") {
    const params = ["container", "follow", "insecureSkipTLSVerifyBackend", "limitBytes", "previous", "sinceSeconds", "stream", "tailLines", "timestamps"].map((n) =>
      query(n, /^(follow|insecureSkipTLSVerifyBackend|previous|timestamps)$/.test(n) ? "boolean" : /^(limitBytes|sinceSeconds|tailLines)$/.test(n) ? "integer" : "string", variant),
    );
    return [
      pathItem(path, [...base, ...params, pretty()], [
        op({
          method: "get",
          operationId: `read${gv}${ns}${r.kind}${Sub}`,
          description: `read ${s.name} of the specified ${r.kind}`,
          action: "get",
          gvk,
          params: [],
          produces: ["text/plain", ...PRODUCES],
          responses: [{ code: "200", description: "OK", schema: "string" }, unauthorized],
        }),
      ]),
    ];
  }

  const schema = names.subresource(s);
  const ops: Operation[] = [];
  if (has("get")) {
    ops.push(op({ method: "get", operationId: `read${gv}${ns}${r.kind}${Sub}`, description: `read ${s.name} of the specified ${r.kind}`, action: "get", gvk, params: [], responses: c.objectResponses(schema, ["200"]) }));
  }
  if (has("update")) {
    ops.push(
      op({
        method: "put",
        operationId: `replace${gv}${ns}${r.kind}${Sub}`,
        description: `replace ${s.name} of the specified ${r.kind}`,
        action: "put",
        gvk,
        params: c.write(),
        body: { schema, required: true, contentTypes: ["*/*"] },
        responses: c.objectResponses(schema, ["200", "201"]),
      }),
    );
  }
  if (has("patch")) {
    const p = patchOp(op, `patch${gv}${ns}${r.kind}${Sub}`, `partially update ${s.name} of the specified ${r.kind}`, schema, names.patchTypes);
    ops.push({ ...p, gvk });
  }
  if (has("create")) {
    ops.push(
      op({
        method: "post",
        operationId: `create${gv}${ns}${r.kind}${Sub}`,
        description: `create ${s.name} of ${article(r.kind)}${r.kind}`,
        action: "post",
        gvk,
        params: c.write(),
        body: { schema, required: true, contentTypes: ["*/*"] },
        responses: c.objectResponses(schema, ["200", "201", "202"]),
      }),
    );
  }
  return ops.length ? [pathItem(path, [...base, pretty()], ops)] : [];
}

function connectParams(name: string, variant: string): Param[] {
  const bool = (n: string) => query(n, "boolean", variant);
  switch (name) {
    case "attach":
      return [query("container", "string", variant), bool("stderr"), bool("stdin"), bool("stdout"), bool("tty")];
    case "exec":
      return [query("command", "string", variant), query("container", "string", variant), bool("stderr"), bool("stdin"), bool("stdout"), bool("tty")];
    case "portforward":
      return [query("ports", "integer", variant)];
    case "proxy":
      return [query("path", "string", variant)];
    default:
      return [];
  }
}

function patchOp(op: Context["op"], operationId: string, description: string, schema: string, patchTypes: string[]): Operation {
  return op({
    method: "patch",
    operationId,
    description,
    action: "patch",
    params: [dryRun(), query("fieldManager", "string", "patch"), fieldValidation(), query("force", "boolean")],
    body: { schema: PATCH, required: true, contentTypes: patchTypes },
    responses: [
      { code: "200", description: "OK", schema },
      { code: "201", description: "Created", schema },
      unauthorized,
    ],
  });
}

/**
 * A path item: the parameters every operation shares move up to the path, as kube publishes
 * them; both lists sorted by name, operations by method.
 */
function pathItem(path: string, shared: Param[], operations: Operation[]): PathItem {
  const byName = (a: Param, b: Param) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.in < b.in ? -1 : 1);
  const key = (p: Param) => `${p.in}:${p.name}:${p.description}`;
  const all = operations.map((o) => [...shared, ...o.params]);
  const common = all[0]!.filter((p) => all.every((ps) => ps.some((q) => key(q) === key(p))));
  const commonKeys = new Set(common.map(key));
  return {
    path,
    params: common.sort(byName),
    operations: operations
      .map((o, i) => ({ ...o, params: all[i]!.filter((p) => !commonKeys.has(key(p))).sort(byName) }))
      .sort((a, b) => (a.method < b.method ? -1 : 1)),
  };
}

/** GET /api/v1/ or /apis/<group>/<version>/: the group/version's APIResourceList. */
export function discoveryPath(group: string, version: string): PathItem {
  return pathItem(`/${gvPath(group, version)}/`, [], [
    {
      method: "get",
      operationId: `get${gvName(group, version)}APIResources`,
      description: "get available resources",
      tag: gvTag(group, version),
      params: [],
      produces: PRODUCES,
      responses: [{ code: "200", description: "OK", schema: API_RESOURCE_LIST }, unauthorized],
    },
  ]);
}

/** GET /api/, /apis/, /apis/<group>/ and /version/. */
export function rootPaths(groups: string[]): PathItem[] {
  const get = (path: string, operationId: string, description: string, tag: string, schema: string): PathItem =>
    pathItem(path, [], [{ method: "get", operationId, description, tag, params: [], produces: PRODUCES, responses: [{ code: "200", description: "OK", schema }, unauthorized] }]);
  return [
    get("/api/", "getCoreAPIVersions", "get available API versions", "core", API_VERSIONS),
    get("/apis/", "getAPIVersions", "get available API versions", "apis", API_GROUP_LIST),
    ...groups.map((g) => get(`/apis/${g}/`, `get${validId(trimmedGroup(g), true)}APIGroup`, "get information of a group", validId(trimmedGroup(g), false), API_GROUP)),
    get("/version/", "getCodeVersion", "get the code version", "version", VERSION_INFO),
  ];
}
