import type { IncomingMessage, ServerResponse } from "node:http";
import type { KObject } from "../api/types.js";
import { errors, successStatus } from "../api/status.js";
import { queryBool, type RequestInfo } from "../filters/requestInfo.js";
import type { Registry } from "../registry/index.js";
import { timestamp, type ResourceStore } from "../registry/store.js";
import { labelSelectorFromMeta, labelSelectorFromSet, labelSelectorString } from "../selectors/index.js";
import { decodeBody, encodeValue, isObject, mediaType, readBody, send, sendStatus, toApiError } from "./encode.js";
import { mergePatch } from "../patch/index.js";
import { scaleManagedFieldsToParent, scaleManagedFieldsToSubresource, updateManagedFields, type ReplicasPaths } from "../fieldmanager/index.js";
import { managerOf } from "./handlers.js";
import { negotiate } from "./negotiate.js";
import type { ServiceAccountTokens } from "../authn/serviceaccount.js";
import { bindPod, validateBinding } from "../registry/core/index.js";
import { formatFieldErrors } from "../validation/field.js";

/**
 * Subresources that are not the object itself: scale (autoscaling/v1 Scale over
 * spec.replicas), pods/binding, pods/eviction, namespaces/finalize, and the streaming ones
 * (log, exec, attach, portforward) that a simulated node cannot serve.
 */
export async function subresourceHandler(
  registry: Registry,
  store: ResourceStore,
  req: IncomingMessage,
  res: ServerResponse,
  info: RequestInfo,
  query: URLSearchParams,
  clock: () => Date,
  saTokens?: ServiceAccountTokens,
): Promise<boolean> {
  const sub = info.subresource;
  const declared = store.info.subresources?.some((s) => s.name === sub);
  if (!declared) return false;
  const ns = store.info.namespaced ? info.namespace : "";
  const dryRun = query.getAll("dryRun").length > 0;
  const pretty = queryBool(query.get("pretty"));
  try {
    if (sub === "scale") {
      await scale(store, req, res, ns, info, dryRun, pretty, query, clock());
      return true;
    }
    if (sub === "binding" && store.info.resource === "pods" && info.verb === "create") {
      const body = decodeBody(await readBody(req), req.headers["content-type"]);
      await bind(store, ns, info.name ?? "", body, dryRun, clock());
      send(res, 201, encodeValue(successStatus(), { encoding: "json", pretty }), "application/json");
      return true;
    }
    if (sub === "eviction" && store.info.resource === "pods" && info.verb === "create") {
      const body = decodeBody(await readBody(req), req.headers["content-type"]);
      const deleteOptions = isObject(body) && isObject(body.deleteOptions) ? body.deleteOptions : {};
      await store.delete(ns, info.name, deleteOptions, dryRun);
      send(res, 201, encodeValue(successStatus(), { encoding: "json", pretty }), "application/json");
      return true;
    }
    if (sub === "finalize" && store.info.resource === "namespaces" && info.verb === "update") {
      const body = decodeBody(await readBody(req), req.headers["content-type"]);
      if (!isObject(body)) throw errors.badRequest("Object 'Kind' is missing in body");
      const finalizers = (isObject(body.spec) ? (body.spec.finalizers as string[] | undefined) : undefined) ?? [];
      const result = await store.applyUpdate("", info.name, (cur) => {
        if (!cur) throw errors.notFound(store.gr, info.name);
        const spec = { ...((cur.spec as Record<string, unknown>) ?? {}) };
        if (finalizers.length) spec.finalizers = finalizers;
        else delete spec.finalizers;
        cur.spec = spec;
        return cur;
      }, { dryRun, subresource: "finalize", internal: true });
      let obj = result.obj;
      if (obj.metadata.deletionTimestamp && !((obj.spec as { finalizers?: string[] })?.finalizers?.length) && !obj.metadata.finalizers?.length) {
        const r = await store.delete("", info.name, {}, dryRun);
        if (r.body.kind !== "Status") obj = r.body as KObject;
      }
      send(res, 200, encodeValue(obj, { encoding: "json", pretty }), "application/json");
      return true;
    }
    if (sub === "token" && store.info.resource === "serviceaccounts" && info.verb === "create") {
      const body = decodeBody(await readBody(req), req.headers["content-type"], { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest" });
      const out = await tokenRequest(store, ns, info.name, body, clock(), saTokens);
      send(res, 201, encodeValue(out, { encoding: "json", pretty }), "application/json");
      return true;
    }
    if (["log", "exec", "attach", "portforward", "proxy"].includes(sub)) {
      throw errors.badRequest(`${store.info.resource}/${sub} is not available: kplane's nodes are simulated and run no containers`);
    }
    return false;
  } catch (err) {
    sendStatus(res, toApiError(err));
    return true;
  }
}

function replicasSelector(obj: KObject): string {
  const spec = (obj.spec ?? {}) as Record<string, unknown>;
  const sel = spec.selector;
  if (!isObject(sel)) return "";
  // ReplicationControllers keep a plain label map; the apps kinds a LabelSelector.
  if (obj.kind === "ReplicationController") return labelSelectorString(labelSelectorFromSet(sel as Record<string, string>));
  return labelSelectorString(labelSelectorFromMeta(sel as Parameters<typeof labelSelectorFromMeta>[0]));
}

function toScale(obj: KObject): KObject {
  const spec = (obj.spec ?? {}) as { replicas?: number };
  const status = (obj.status ?? {}) as { replicas?: number };
  const m = obj.metadata;
  return {
    kind: "Scale",
    apiVersion: "autoscaling/v1",
    metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp ?? null },
    spec: { replicas: spec.replicas ?? 0 },
    status: { replicas: status.replicas ?? 0, selector: replicasSelector(obj) },
  };
}

const SCALE_GVK = { group: "autoscaling", version: "v1", kind: "Scale" };

/**
 * kube's ScaleHandler: the write is tracked on the Scale (an Update entry for `manager` with
 * subresource "scale"), then replicas ownership moves back onto the parent's managedFields.
 * Parents whose managedFields cannot be read keep them as they are.
 */
function trackScale(cur: KObject, current: KObject, replicas: number, manager: string, now: Date, version: string): void {
  const paths: ReplicasPaths = { [version]: ["spec", "replicas"] };
  const parentFields = cur.metadata.managedFields;
  const scaleFields = scaleManagedFieldsToSubresource(parentFields, paths);
  if (!scaleFields) return;
  const oldScale: KObject = { ...current, metadata: { ...current.metadata, managedFields: scaleFields } };
  const newScale: KObject = { ...current, metadata: { ...current.metadata, managedFields: scaleFields }, spec: { replicas } };
  const tracked = updateManagedFields(oldScale, newScale, manager, { gvk: SCALE_GVK, subresource: "scale", now });
  const parent = scaleManagedFieldsToParent(parentFields, tracked.metadata.managedFields, version, paths);
  if (parent === undefined) return;
  if (parent.length) cur.metadata.managedFields = parent;
  else delete cur.metadata.managedFields;
}

async function scale(store: ResourceStore, req: IncomingMessage, res: ServerResponse, ns: string, info: RequestInfo, dryRun: boolean, pretty: boolean, query: URLSearchParams, now: Date): Promise<void> {
  const neg = negotiate(req.headers.accept, [], pretty);
  if (info.verb === "get") {
    const obj = await store.get(ns, info.name);
    send(res, 200, encodeValue(toScale(obj), neg), neg.contentType);
    return;
  }
  if (info.verb !== "update" && info.verb !== "patch") throw errors.methodNotSupported(store.gr, info.verb);
  const body = decodeBody(await readBody(req), info.verb === "patch" ? "application/json" : req.headers["content-type"]);
  if (!isObject(body)) throw errors.badRequest("Object 'Kind' is missing in body");
  const mt = mediaType(req.headers["content-type"]);
  if (info.verb === "patch" && mt === "application/json-patch+json") throw errors.unsupportedMediaType(["application/merge-patch+json", "application/strategic-merge-patch+json"]);
  const manager = managerOf(req, query, info.verb === "patch" ? "PatchOptions" : "UpdateOptions");
  const version = store.info.group ? `${store.info.group}/${store.info.version}` : store.info.version;
  const result = await store.applyUpdate(ns, info.name, (cur) => {
    if (!cur) throw errors.notFound(store.gr, info.name);
    const current = toScale(cur);
    const next = (info.verb === "patch" ? mergePatch(current, body) : body) as KObject;
    const replicas = isObject(next.spec) ? next.spec.replicas : undefined;
    if (typeof replicas !== "number" || !Number.isInteger(replicas) || replicas < 0) {
      throw errors.invalid("autoscaling", "Scale", info.name, `Scale.autoscaling "${info.name}" is invalid: spec.replicas: Invalid value: ${JSON.stringify(replicas ?? 0)}: must be greater than or equal to 0`, [
        { reason: "FieldValueInvalid", message: `Invalid value: ${JSON.stringify(replicas ?? 0)}: must be greater than or equal to 0`, field: "spec.replicas" },
      ]);
    }
    const rv = next.metadata?.resourceVersion;
    if (info.verb === "update" && rv && rv !== cur.metadata.resourceVersion) throw errors.modified(store.gr, info.name);
    trackScale(cur, current, replicas, manager, now, version);
    cur.spec = { ...((cur.spec as Record<string, unknown>) ?? {}), replicas };
    return cur;
  }, { dryRun, subresource: "scale" });
  send(res, 200, encodeValue(toScale(result.obj), neg), neg.contentType);
}

/**
 * pods/binding and the legacy bindings resource (kube's BindingREST and LegacyBindingREST): the
 * Binding names its pod (which must be the URL's for pods/binding), its uid and resourceVersion,
 * when set, are preconditions on the pod, and the pod is written through bindPod.
 */
async function bind(store: ResourceStore, ns: string, urlName: string | undefined, body: unknown, dryRun: boolean, now: Date): Promise<void> {
  if (!isObject(body)) throw errors.badRequest("Binding target is required");
  const binding = { ...body, metadata: isObject(body.metadata) ? body.metadata : {}, target: isObject(body.target) ? body.target : {} } as KObject;
  const name = typeof binding.metadata.name === "string" ? binding.metadata.name : "";
  if (urlName !== undefined && name !== urlName) throw errors.badRequest("name in URL does not match name in Binding object");
  if (name === "") throw errors.badRequest("Name parameter required.");
  const errs = validateBinding(binding);
  // kube hands ValidatePodBinding's errors back as a plain error: a 500 with their text.
  if (errs.length > 0) throw errors.plain(500, formatFieldErrors(errs));
  const { uid, resourceVersion } = binding.metadata;
  const preconditions = uid || resourceVersion ? { ...(uid ? { uid } : {}), ...(resourceVersion ? { resourceVersion } : {}) } : undefined;
  await store.applyUpdate(ns, name, (cur) => {
    if (!cur) throw errors.notFound(store.gr, name);
    const bound = bindPod(cur, binding, now);
    if (typeof bound === "string") throw errors.conflict({ group: "", resource: "pods/binding" }, name, bound);
    return bound;
  }, { dryRun, subresource: "binding", internal: true, sharedCurrent: true, preconditions });
}

/** POST .../namespaces/NS/bindings: a Binding naming its pod in metadata.name. */
export async function createBinding(registry: Registry, req: IncomingMessage, res: ServerResponse, ns: string, query: URLSearchParams, clock: () => Date): Promise<void> {
  const pods = registry.lookup("", "v1", "pods");
  if (!pods) throw errors.pathNotFound();
  const body = decodeBody(await readBody(req), req.headers["content-type"]);
  await bind(pods, ns, undefined, body, query.getAll("dryRun").length > 0, clock());
  send(res, 201, encodeValue(successStatus(), { encoding: "json", pretty: queryBool(query.get("pretty")) }), "application/json");
}

/** serviceaccounts/token: a TokenRequest answered with a signed ServiceAccount JWT. */
async function tokenRequest(store: ResourceStore, ns: string, name: string, body: unknown, now: Date, sa: ServiceAccountTokens | undefined): Promise<KObject> {
  if (!sa) throw errors.serviceUnavailable("the API server has no service-account signing key");
  const account = await store.get(ns, name);
  const spec = (isObject(body) && isObject(body.spec) ? body.spec : {}) as { audiences?: string[] | null; expirationSeconds?: number | null; boundObjectRef?: unknown };
  const expirationSeconds = spec.expirationSeconds ?? 3600;
  if (expirationSeconds < 600) {
    throw errors.invalid("authentication.k8s.io", "TokenRequest", name, `TokenRequest.authentication.k8s.io "${name}" is invalid: spec.expirationSeconds: Invalid value: ${expirationSeconds}: may not specify a duration less than 10 minutes`, [
      { reason: "FieldValueInvalid", message: `Invalid value: ${expirationSeconds}: may not specify a duration less than 10 minutes`, field: "spec.expirationSeconds" },
    ]);
  }
  const audiences = spec.audiences?.length ? spec.audiences : [sa.issuer];
  const token = sa.issue({ namespace: ns, name, uid: account.metadata.uid ?? "", audiences, expirationSeconds, now });
  const exp = timestamp(new Date(now.getTime() + expirationSeconds * 1000));
  return {
    kind: "TokenRequest", apiVersion: "authentication.k8s.io/v1",
    metadata: { name, namespace: ns, creationTimestamp: null },
    spec: { audiences, expirationSeconds, boundObjectRef: spec.boundObjectRef ?? null },
    status: { token, expirationTimestamp: exp },
  };
}
