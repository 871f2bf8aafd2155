import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { TLSSocket } from "node:tls";
import type { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";
import { errors, ApiError, type GroupResource } from "./api/status.js";
import type { KObject } from "./api/types.js";
import { buildDiscovery, type Discovery } from "./endpoints/discovery.js";
import { send, sendStatus, toApiError } from "./endpoints/encode.js";
import { handleResource, type HandlerDeps } from "./endpoints/handlers.js";
import { requestInfo, type RequestInfo } from "./filters/requestInfo.js";
import { clientIdentity } from "./pki/index.js";
import { printerFor } from "./printers/index.js";
import { catalog, groupOrder } from "./registry/catalog.js";
import { createRegistry, type Registry } from "./registry/index.js";
import type { ResourceInfo } from "./registry/types.js";
import { cacher } from "./storage/cacher.js";
import { etcd3Storage } from "./storage/etcd3.js";
import type { EtcdClient } from "../store/client/types.js";
import { buildOpenAPI } from "./openapi/index.js";
import { unknownFields, pruneUnknownFields, negotiateV2, V2_PROTOBUF_CONTENT_TYPE } from "./openapi/index.js";
import { ApiMetrics } from "./metrics.js";
import { bootstrap } from "./bootstrap.js";
import { createBinding, subresourceHandler } from "./endpoints/subresources.js";
import { startCompactor } from "./compactor.js";
import { handleReview } from "./endpoints/reviews.js";
import { serviceAccountTokens, type ServiceAccountTokens } from "./authn/serviceaccount.js";
import { allocateForService, releaseForService, serviceAllocators, type ServiceAllocators } from "./registry/alloc/services.js";
import type { RestHooks } from "./registry/store.js";
import { admit, type AdmissionDeps } from "./admission/index.js";

/**
 * The API server: node:https (or plain http for tests) with kube's filter chain —
 * request info -> authentication -> authorization -> the API mux (discovery, OpenAPI,
 * health, metrics, and the generic handlers over the registry).
 */

export interface User {
  name: string;
  groups: string[];
  uid?: string;
}

export interface ApiServerOptions {
  etcd: EtcdClient;
  host: string;
  port: number;
  /** PEMs; without them the server speaks plain HTTP (tests and local tools). */
  tls?: { cert: string; key: string; clientCA?: string };
  /** Service-account token signing key and verification keys (PEM). */
  serviceAccountKeys?: { privatePem: string; publicPems: string[] };
  /** Static bearer tokens (kube's --token-auth-file). */
  tokens?: Map<string, User>;
  /** Allow unauthenticated requests as system:anonymous (kube's --anonymous-auth). */
  anonymous?: boolean;
  /** The kubernetes Service's ClusterIP and the service CIDR it comes from. */
  serviceClusterIPRange?: string;
  /** etcd compaction interval (kube's --etcd-compaction-interval, 5 minutes); 0 = off. */
  compactionIntervalMs?: number;
  /** Address advertised in /api's serverAddressByClientCIDRs and the kubernetes Endpoints. */
  advertiseAddress?: string;
  resources?: readonly ResourceInfo[];
  clock?: () => Date;
  log?: (msg: string) => void;
}

export interface RunningApiServer {
  url: string;
  port: number;
  registry: Registry;
  close(): Promise<void>;
}

/** The reported minor version picks the kubectl a dispatcher runs; KPLANE_REPORT_MINOR changes
 * it for spot-checks with kubectl 1.27-1.33 (the API served stays 1.32's). */
const reportedMinor = /^\d+$/.test(process.env.KPLANE_REPORT_MINOR ?? "") ? process.env.KPLANE_REPORT_MINOR! : "32";

export const serverVersion = {
  major: "1",
  minor: reportedMinor,
  gitVersion: `v1.${reportedMinor}.4+kplane`,
  gitCommit: "0000000000000000000000000000000000000000",
  gitTreeState: "clean",
  buildDate: "2026-11-21T00:00:00Z",
  goVersion: `node${process.versions.node}`,
  compiler: "kplane",
  platform: `${process.platform}/${process.arch === "x64" ? "amd64" : process.arch}`,
};

export async function startApiServer(opts: ApiServerOptions): Promise<RunningApiServer> {
  const clock = opts.clock ?? (() => new Date());
  const resources = opts.resources ?? catalog;
  const etcd3 = etcd3Storage(opts.etcd);
  const saTokens = opts.serviceAccountKeys ? serviceAccountTokens(opts.serviceAccountKeys.privatePem, opts.serviceAccountKeys.publicPems) : undefined;
  const registry = createRegistry({
    resources,
    storageFor: (prefix, attrs) => cacher(etcd3, opts.etcd, prefix, { attrs }),
    admitNamespace: (ns, gr, name) => admitNamespace(registry, ns, gr, name),
    mutate: (obj, a) => admit(obj, a, admissionDeps(registry)),
    hooks: { "/services": serviceHooks(serviceAllocators(opts.etcd, opts.serviceClusterIPRange ?? "10.96.0.0/12")) },
    clock,
  });
  const discovery = buildDiscovery(resources, groupOrder);
  const openapi = buildOpenAPI([...resources]);
  const metrics = new ApiMetrics(registry);
  const watches = new Set<() => void>();
  const deps: HandlerDeps = {
    printerFor,
    unknownFields,
    pruneUnknownFields,
    clock,
    subresource: (store, req, res, info, query) => subresourceHandler(registry, store, req, res, info, query, clock, saTokens),
    trackWatch(stop) {
      watches.add(stop);
      return () => watches.delete(stop);
    },
  };
  const log = opts.log ?? (() => {});
  let ready = false;

  const handler = async (req: IncomingMessage, res: ServerResponse) => {
    const started = process.hrtime.bigint();
    const url = new URL(req.url ?? "/", "http://x");
    const info = requestInfo(req.method ?? "GET", url.pathname, url.searchParams);
    res.setHeader("Audit-Id", randomUUID());
    try {
      const user = authenticate(req, opts, saTokens, clock);
      if (!user) throw errors.unauthorized();
      await route(req, res, info, url, user);
    } catch (err) {
      const e = toApiError(err);
      if (!(err instanceof ApiError)) log(`internal error on ${req.method} ${req.url}: ${(err as Error)?.stack ?? String(err)}`);
      sendStatus(res, e);
    } finally {
      metrics.observe(info, res.statusCode, Number(process.hrtime.bigint() - started) / 1e9);
    }
  };

  const route = async (req: IncomingMessage, res: ServerResponse, info: RequestInfo, url: URL, user: User) => {
    const path = url.pathname;
    if (info.isResourceRequest) {
      const store = registry.lookup(info.apiGroup, info.apiVersion, info.resource);
      if (!store || (!store.info.namespaced && info.namespace && info.resource !== "namespaces")) throw errors.pathNotFound();
      if (store.info.resource === "bindings" && info.apiGroup === "" && info.verb === "create" && !info.subresource) {
        await createBinding(registry, req, res, info.namespace, url.searchParams, clock);
        return;
      }
      if (store.info.etcdPrefix === "" && store.info.resource !== "bindings" && store.info.resource !== "componentstatuses") {
        await handleReview(store, req, res, info, user, clock(), saTokens);
        return;
      }
      await handleResource(store, req, res, info, url.searchParams, deps);
      return;
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      if (path.startsWith("/api")) throw errors.methodNotSupported({ group: "", resource: "" }, req.method?.toLowerCase() ?? "");
      return notFound(res);
    }
    if (path === "/version" || path === "/version/") return send(res, 200, JSON.stringify(serverVersion, null, 2), "application/json");
    if (path === "/api" || path === "/api/") return serveDiscovery(req, res, "api", () => discovery.apiVersions(serverAddress()));
    if (path === "/apis" || path === "/apis/") return serveDiscovery(req, res, "apis", () => discovery.apiGroupList());
    if (info.apiPrefix === "api" && info.apiVersion) {
      const body = discovery.resourceList("", info.apiVersion);
      if (!body) throw errors.pathNotFound();
      return send(res, 200, body, "application/json");
    }
    if (info.apiPrefix === "apis" && info.apiGroup) {
      const body = info.apiVersion ? discovery.resourceList(info.apiGroup, info.apiVersion) : discovery.apiGroup(info.apiGroup);
      if (!body) throw errors.pathNotFound();
      return send(res, 200, body, "application/json");
    }
    if (path === "/openapi/v2") {
      // As kube-openapi's handler: JSON or gnostic protobuf by Accept, else a bare 406.
      const form = negotiateV2(req.headers.accept);
      if (!form) return send(res, 406, "", "text/plain; charset=utf-8", { Vary: "Accept" });
      if (form === "protobuf") return send(res, 200, openapi.v2Protobuf(), V2_PROTOBUF_CONTENT_TYPE, { Vary: "Accept" });
      return send(res, 200, openapi.v2Json(), "application/json", { Vary: "Accept" });
    }
    if (path === "/openapi/v3" || path === "/openapi/v3/") return send(res, 200, JSON.stringify(openapi.v3Index()), "application/json");
    if (path.startsWith("/openapi/v3/")) {
      const gvPath = path.slice("/openapi/v3/".length);
      const doc = openapi.v3(gvPath);
      if (!doc) return notFound(res);
      const hash = url.searchParams.get("hash");
      const headers: Record<string, string> = { Etag: `"${openapi.v3Hash(gvPath)}"` };
      if (hash && hash === openapi.v3Hash(gvPath)) headers["Cache-Control"] = "public, immutable";
      return send(res, 200, doc, "application/json", headers);
    }
    if (path === "/metrics") {
      const { body, contentType } = await metrics.render();
      return send(res, 200, body, contentType);
    }
    for (const probe of ["/healthz", "/livez", "/readyz"]) {
      if (path === probe || path.startsWith(probe + "/")) return health(res, probe, path, url.searchParams);
    }
    return notFound(res);
  };

  const checks = ["ping", "log", "etcd", "poststarthook/start-apiserver-admission-initializer", "poststarthook/bootstrap-controller"];
  const health = (res: ServerResponse, probe: string, path: string, query: URLSearchParams) => {
    const sub = path.slice(probe.length + 1);
    const okAll = ready || probe === "/livez";
    if (sub) {
      if (!checks.includes(sub)) return notFound(res);
      return send(res, 200, "ok", "text/plain; charset=utf-8", { "X-Content-Type-Options": "nosniff" });
    }
    const verbose = query.has("verbose");
    if (!okAll) {
      const body = checks.map((c) => (c === "poststarthook/bootstrap-controller" ? `[-]${c} failed: not finished` : `[+]${c} ok`)).join("\n") + `\n${probe.slice(1)} check failed\n`;
      return send(res, 500, body, "text/plain; charset=utf-8", { "X-Content-Type-Options": "nosniff" });
    }
    if (!verbose) return send(res, 200, "ok", "text/plain; charset=utf-8", { "X-Content-Type-Options": "nosniff" });
    const body = checks.map((c) => `[+]${c} ok`).join("\n") + `\n${probe.slice(1)} check passed\n`;
    return send(res, 200, body, "text/plain; charset=utf-8", { "X-Content-Type-Options": "nosniff" });
  };

  const serveDiscovery = (req: IncomingMessage, res: ServerResponse, which: "api" | "apis", legacy: () => Buffer) => {
    const accept = req.headers.accept ?? "";
    for (const part of accept.split(",")) {
      const p = part.replace(/\s+/g, "");
      if (!p.includes("as=APIGroupDiscoveryList") || !p.includes("g=apidiscovery.k8s.io")) continue;
      const version = p.includes("v=v2beta1") ? "v2beta1" : p.includes("v=v2;") || p.endsWith("v=v2") ? "v2" : undefined;
      if (!version) continue;
      const { body, etag } = discovery.aggregated(which, version);
      const headers = { Etag: etag, Vary: "Accept", "Cache-Control": "public" };
      if (req.headers["if-none-match"] === etag) {
        res.writeHead(304, headers);
        res.end();
        return;
      }
      res.writeHead(200, { ...headers, "Content-Type": `application/json;g=apidiscovery.k8s.io;v=${version};as=APIGroupDiscoveryList`, "Content-Length": String(body.length) });
      res.end(body);
      return;
    }
    send(res, 200, legacy(), "application/json");
  };

  let boundPort = opts.port;
  const serverAddress = () => `${opts.advertiseAddress ?? opts.host}:${boundPort}`;

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    handler(req, res).catch((err) => {
      log(`unhandled: ${String(err)}`);
      if (!res.headersSent) sendStatus(res, errors.internal(err));
      else res.destroy();
    });
  };
  let server: Server;
  if (opts.tls) {
    server = createHttpsServer({ cert: opts.tls.cert, key: opts.tls.key, ...(opts.tls.clientCA ? { ca: opts.tls.clientCA } : {}), requestCert: true, rejectUnauthorized: false }, listener);
  } else {
    server = createHttpServer(listener);
  }
  // Watches are long-running: no request or idle timeouts on the server side.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  server.keepAliveTimeout = 120_000;
  server.setTimeout(0);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  boundPort = (server.address() as AddressInfo).port;
  await bootstrap(registry, { serviceClusterIPRange: opts.serviceClusterIPRange ?? "10.96.0.0/12", advertiseAddress: opts.advertiseAddress ?? opts.host, port: boundPort, clock });
  ready = true;
  const stopCompactor = (opts.compactionIntervalMs ?? 5 * 60_000) > 0 ? startCompactor(opts.etcd, opts.compactionIntervalMs ?? 5 * 60_000, log) : () => {};
  // kubectl's first create/apply/explain fetches the OpenAPI v3 index, which builds every
  // document (~0.1 s): build it now, off the request path.
  const warm = setTimeout(() => openapi.v3Index(), 50);
  warm.unref();
  const scheme = opts.tls ? "https" : "http";
  const hostForUrl = opts.host.includes(":") ? `[${opts.host}]` : opts.host;
  return {
    url: `${scheme}://${hostForUrl}:${boundPort}`,
    port: boundPort,
    registry,
    async close() {
      stopCompactor();
      for (const stop of [...watches]) stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await registry.close();
      await etcd3.close();
    },
  };
}

function notFound(res: ServerResponse): void {
  send(res, 404, "404 page not found\n", "text/plain; charset=utf-8", { "X-Content-Type-Options": "nosniff" });
}

const certUsers = new WeakMap<TLSSocket, User>();

/** x509 client certificates, then bearer tokens, then anonymous. */
function authenticate(req: IncomingMessage, opts: ApiServerOptions, sa: ServiceAccountTokens | undefined, clock: () => Date): User | undefined {
  const sock = req.socket as TLSSocket;
  if (opts.tls && sock.authorized) {
    // The certificate cannot change on a connection: parse it once per socket.
    const cached = certUsers.get(sock);
    if (cached) return cached;
    const peer = sock.getPeerX509Certificate?.();
    if (peer) {
      const id = clientIdentity(peer);
      const user = { name: id.user, groups: [...id.groups, "system:authenticated"] };
      certUsers.set(sock, user);
      return user;
    }
  }
  const auth = req.headers.authorization;
  if (auth && /^bearer /i.test(auth)) {
    const token = auth.slice(7).trim();
    const u = opts.tokens?.get(token);
    if (u) return { ...u, groups: [...u.groups, "system:authenticated"] };
    const su = sa?.verify(token, clock());
    if (su) return { ...su, groups: [...su.groups, "system:authenticated"] };
    return undefined;
  }
  if (!opts.tls || opts.anonymous !== false) return { name: "system:anonymous", groups: ["system:unauthenticated"] };
  return undefined;
}

/** NamespaceLifecycle admission: no new content in missing or terminating namespaces. */
function admissionDeps(registry: Registry): AdmissionDeps {
  const pcs = () => registry.byResource("scheduling.k8s.io", "priorityclasses");
  return {
    priorityClass: async (name) => pcs()?.find("", name),
    serviceAccount: async (ns, name) => registry.byResource("", "serviceaccounts")?.find(ns, name),
    async priorityClasses() {
      return (await pcs()?.list("", { resourceVersion: "0" }))?.items ?? [];
    },
  };
}

function serviceHooks(a: ServiceAllocators): RestHooks {
  return {
    beforeWrite: (obj, old) => allocateForService(a, obj, old),
    afterDelete: (obj) => releaseForService(a, obj),
  };
}

async function admitNamespace(registry: Registry, ns: string, gr: GroupResource, name: string): Promise<void> {
  const store = registry.byResource("", "namespaces");
  if (!store) return;
  const obj = await store.find("", ns);
  if (!obj) throw errors.notFound(store.gr, ns);
  const phase = (obj.status as { phase?: string } | undefined)?.phase;
  if (phase === "Terminating" || obj.metadata.deletionTimestamp) {
    const e = errors.forbidden(gr, name, `unable to create new content in namespace ${ns} because it is being terminated`);
    e.status.details!.causes = [{ reason: "NamespaceTerminating", message: `namespace ${ns} is being terminated`, field: "metadata.namespace" }];
    throw e;
  }
}
