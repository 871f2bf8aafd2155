/**
 * ApiClient over HTTP(S), JSON only, as client-go's REST client: one request per call, a watch
 * as one long GET whose newline-delimited JSON events are parsed as they arrive.
 */
import { apiVersionOf, pathOf } from "./resources.js";
import { httpTransport, type Transport, type TransportRequest, type TransportResponse } from "./transport.js";
import {
  ApiError,
  type ApiClient,
  type DeleteOptions,
  type DiscoveredResource,
  type GetOptions,
  type KList,
  type KObject,
  type ListOptions,
  type PatchType,
  type ResourceType,
  type WatchEvent,
  type WatchHandle,
  type WatchOptions,
  type WriteOptions,
} from "./types.js";

export interface RestConfig {
  /** https://127.0.0.1:6443 */
  server: string;
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
  token?: string;
  /** Defaults to defaultUserAgent("kplane"). */
  userAgent?: string;
  insecureSkipTLSVerify?: boolean;
  /** Connections kept for requests (the transport's pool; default 64). */
  maxConnections?: number;
}

/** kube's shape: `<binary>/<version> (<os>/<arch>) <component>`; the component is what audit logs and the field managers show. */
export function defaultUserAgent(component = "kplane"): string {
  const arch = process.arch === "x64" ? "amd64" : process.arch;
  return `kplane/v1.32.4 (${process.platform}/${arch}) ${component}`;
}

export const patchContentTypes: Record<PatchType, string> = {
  json: "application/json-patch+json",
  merge: "application/merge-patch+json",
  strategic: "application/strategic-merge-patch+json",
  apply: "application/apply-patch+yaml",
};

/** kube's metadata client's Accept: PartialObjectMetadata, or the object itself from a server without the conversion. */
export const METADATA_ACCEPT = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json";

type Query = Record<string, string | number | boolean | undefined>;

function queryString(q: Query): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined || v === "" || v === false) continue;
    parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
  }
  return parts.length ? `?${parts.join("&")}` : "";
}

export function listQuery(o: ListOptions = {}): Query {
  return {
    labelSelector: o.labelSelector,
    fieldSelector: o.fieldSelector,
    resourceVersion: o.resourceVersion,
    resourceVersionMatch: o.resourceVersionMatch,
    limit: o.limit,
    continue: o.continue,
  };
}

export function watchQuery(o: WatchOptions): Query {
  return {
    watch: true,
    labelSelector: o.labelSelector,
    fieldSelector: o.fieldSelector,
    resourceVersion: o.resourceVersion,
    timeoutSeconds: o.timeoutSeconds,
    allowWatchBookmarks: o.allowWatchBookmarks,
    sendInitialEvents: o.sendInitialEvents,
    // kube requires NotOlderThan with sendInitialEvents.
    resourceVersionMatch: o.sendInitialEvents ? "NotOlderThan" : undefined,
  };
}

export function writeQuery(o: WriteOptions = {}): Query {
  return { dryRun: o.dryRun ? "All" : undefined, fieldManager: o.fieldManager, force: o.force };
}

/** DeleteOptions travel as a JSON body, as kubectl and client-go send them. */
export function deleteBody(o: DeleteOptions): string | undefined {
  const body: Record<string, unknown> = {};
  if (o.propagationPolicy) body.propagationPolicy = o.propagationPolicy;
  if (o.gracePeriodSeconds !== undefined) body.gracePeriodSeconds = o.gracePeriodSeconds;
  if (o.preconditions) body.preconditions = o.preconditions;
  if (o.dryRun) body.dryRun = ["All"];
  if (Object.keys(body).length === 0) return undefined;
  return JSON.stringify({ kind: "DeleteOptions", apiVersion: "v1", ...body });
}

const reasonByCode: Record<number, string> = {
  400: "BadRequest",
  401: "Unauthorized",
  403: "Forbidden",
  404: "NotFound",
  405: "MethodNotAllowed",
  406: "NotAcceptable",
  409: "Conflict",
  410: "Gone",
  413: "RequestEntityTooLarge",
  415: "UnsupportedMediaType",
  422: "Invalid",
  429: "TooManyRequests",
  500: "InternalError",
  503: "ServiceUnavailable",
  504: "Timeout",
};

/** A non-2xx answer as ApiError: the Status body's reason and message when there is one. */
export function errorFromResponse(status: number, body: string): ApiError {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    parsed = undefined;
  }
  if (parsed && typeof parsed === "object" && (parsed as { kind?: unknown }).kind === "Status") {
    const s = parsed as { reason?: string; message?: string; code?: number };
    return new ApiError(status, s.reason || reasonByCode[status] || "Unknown", s.message ?? body, parsed as Record<string, unknown>);
  }
  const reason = reasonByCode[status] ?? "Unknown";
  const text = body.trim();
  return new ApiError(status, reason, text ? `the server responded with status ${status} (${reason}): ${text.slice(0, 200)}` : `the server responded with status ${status} (${reason})`);
}

/** A Status object from an ERROR watch event as ApiError. */
export function errorFromStatus(obj: KObject): ApiError {
  const s = obj as unknown as { code?: number; reason?: string; message?: string };
  return new ApiError(s.code ?? 500, s.reason ?? "Unknown", s.message ?? "watch error", obj as unknown as Record<string, unknown>);
}

/**
 * Splits a byte stream into JSON lines as they complete. Lines are cut on the newline byte and
 * each is decoded whole (a newline byte never occurs inside a multi-byte UTF-8 character), so an
 * event or a character split across chunks waits, as bytes, for the rest of its line; every
 * line is one flat string for JSON.parse (no decoder state, no string concatenation).
 */
export class JsonLineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  push(chunk: Uint8Array, emit: (value: unknown) => void): void {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let start = 0;
    let nl = buf.indexOf(10);
    if (nl >= 0 && this.pending.length > 0) {
      this.pending.push(buf.subarray(0, nl));
      const line = Buffer.concat(this.pending, this.pendingBytes + nl);
      this.pending = [];
      this.pendingBytes = 0;
      emitLine(line.toString("utf8"), emit);
      start = nl + 1;
      nl = buf.indexOf(10, start);
    }
    while (nl >= 0) {
      emitLine(buf.toString("utf8", start, nl), emit);
      start = nl + 1;
      nl = buf.indexOf(10, start);
    }
    if (start < buf.length) {
      // Keep a copy of the tail only: the chunk's memory may be reused by the stream.
      this.pending.push(start === 0 ? Buffer.from(buf) : Buffer.from(buf.subarray(start)));
      this.pendingBytes += buf.length - start;
    }
  }

  /** A last event without its newline. */
  end(emit: (value: unknown) => void): void {
    const line = Buffer.concat(this.pending, this.pendingBytes).toString("utf8");
    this.pending = [];
    this.pendingBytes = 0;
    emitLine(line, emit);
  }
}

function emitLine(line: string, emit: (value: unknown) => void): void {
  const text = line.trim();
  if (text) emit(JSON.parse(text));
}

export class RestClient implements ApiClient {
  readonly transport: Transport;
  private readonly baseHeaders: Record<string, string>;
  private readonly closeTransport?: () => void;

  /** With no transport given, one over node:https(http) from the config. */
  constructor(readonly config: RestConfig, transport?: Transport) {
    if (transport) this.transport = transport;
    else {
      const t = httpTransport(config);
      this.transport = t;
      this.closeTransport = () => t.close();
    }
    this.baseHeaders = { Accept: "application/json", "User-Agent": config.userAgent ?? defaultUserAgent() };
    if (config.token) this.baseHeaders.Authorization = `Bearer ${config.token}`;
  }

  /** The same server and credentials under another user agent (one per component). */
  withUserAgent(userAgent: string): RestClient {
    return new RestClient({ ...this.config, userAgent }, this.transport);
  }

  /** Closes idle keep-alive sockets (only of a transport this client made). */
  close(): void {
    this.closeTransport?.();
  }

  private async call(method: TransportRequest["method"], path: string, body?: string, contentType = "application/json", metadataOnly = false): Promise<TransportResponse> {
    const headers = { ...this.baseHeaders };
    if (body !== undefined) headers["Content-Type"] = contentType;
    if (metadataOnly) headers.Accept = METADATA_ACCEPT;
    const res = await this.transport.request({ method, path, headers, body });
    if (res.status < 200 || res.status > 299) throw errorFromResponse(res.status, res.body);
    return res;
  }

  private async json<T>(method: TransportRequest["method"], path: string, body?: string, contentType?: string, metadataOnly?: boolean): Promise<T> {
    const res = await this.call(method, path, body, contentType, metadataOnly);
    try {
      return JSON.parse(res.body) as T;
    } catch {
      throw new ApiError(res.status, "InternalError", `the server answered ${method} ${path} with a body that is not JSON`);
    }
  }

  get<T extends KObject = KObject>(type: ResourceType, namespace: string | undefined, name: string, options: GetOptions = {}): Promise<T> {
    return this.json<T>("GET", pathOf(type, namespace, name), undefined, undefined, options.metadataOnly);
  }

  async list<T extends KObject = KObject>(type: ResourceType, namespace: string | undefined, options?: ListOptions): Promise<KList<T>> {
    const list = await this.json<KList<T>>("GET", pathOf(type, namespace) + queryString(listQuery(options)));
    // A list's items come without apiVersion and kind; give them back so every object a client holds is self-describing.
    const apiVersion = apiVersionOf(type);
    list.items ??= [];
    for (const item of list.items) {
      item.apiVersion ??= apiVersion;
      item.kind ??= type.kind;
    }
    return list;
  }

  watch<T extends KObject = KObject>(type: ResourceType, namespace: string | undefined, options: WatchOptions, onEvent: (e: WatchEvent<T>) => void): WatchHandle {
    const ac = new AbortController();
    const path = pathOf(type, namespace) + queryString(watchQuery(options));
    const run = async (): Promise<void> => {
      const res = await this.transport.stream({ method: "GET", path, headers: { ...this.baseHeaders }, signal: ac.signal });
      if (res.status < 200 || res.status > 299) {
        let text = "";
        for await (const c of res.body) text += Buffer.from(c).toString("utf8");
        throw errorFromResponse(res.status, text);
      }
      const splitter = new JsonLineSplitter();
      const emit = (v: unknown): void => {
        if (ac.signal.aborted) return;
        onEvent(v as WatchEvent<T>);
      };
      try {
        for await (const chunk of res.body) {
          if (ac.signal.aborted) break;
          splitter.push(chunk, emit);
        }
        splitter.end(emit);
      } catch (e) {
        // A garbled stream ends the watch like a dropped connection; the caller re-watches.
        if (!(e instanceof SyntaxError)) throw e;
      }
    };
    const done = run().catch((e: unknown) => {
      if (ac.signal.aborted) return;
      throw e;
    });
    return { stop: () => ac.abort(), done };
  }

  create<T extends KObject = KObject>(type: ResourceType, namespace: string | undefined, obj: T, options?: WriteOptions): Promise<T> {
    return this.json<T>("POST", pathOf(type, namespace ?? obj.metadata.namespace) + queryString(writeQuery(options)), JSON.stringify(obj), undefined, options?.metadataOnly);
  }

  update<T extends KObject = KObject>(type: ResourceType, obj: T, options: WriteOptions & { subresource?: string } = {}): Promise<T> {
    const path = pathOf(type, obj.metadata.namespace, obj.metadata.name ?? "", options.subresource);
    return this.json<T>("PUT", path + queryString(writeQuery(options)), JSON.stringify(obj), undefined, options.metadataOnly);
  }

  patch<T extends KObject = KObject>(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    patchType: PatchType,
    body: unknown,
    options: WriteOptions & { subresource?: string } = {},
  ): Promise<T> {
    const text = typeof body === "string" ? body : JSON.stringify(body);
    // force is meaningful only for apply; kube refuses it on other patch types.
    const q = writeQuery(patchType === "apply" ? options : { ...options, force: undefined });
    return this.json<T>("PATCH", pathOf(type, namespace, name, options.subresource) + queryString(q), text, patchContentTypes[patchType], options.metadataOnly);
  }

  async delete<T extends KObject = KObject>(type: ResourceType, namespace: string | undefined, name: string, options: DeleteOptions = {}): Promise<T | undefined> {
    const out = await this.json<KObject>("DELETE", pathOf(type, namespace, name), deleteBody(options), undefined, options.metadataOnly);
    return out.kind === "Status" ? undefined : (out as T);
  }

  createSubresource(type: ResourceType, namespace: string | undefined, name: string, subresource: string, body: KObject, options?: WriteOptions): Promise<KObject> {
    return this.json<KObject>("POST", pathOf(type, namespace, name, subresource) + queryString(writeQuery(options)), JSON.stringify(body), undefined, options?.metadataOnly);
  }

  async discovery(): Promise<DiscoveredResource[]> {
    type ApiResourceList = { groupVersion: string; resources?: { name: string; kind: string; namespaced: boolean; verbs?: string[] }[] };
    type ApiGroupList = { groups?: { name: string; versions?: { groupVersion: string; version: string }[] }[] };
    const [core, groups] = await Promise.all([this.json<ApiResourceList>("GET", "/api/v1"), this.json<ApiGroupList>("GET", "/apis")]);
    const gvs: { group: string; version: string }[] = [];
    for (const g of groups.groups ?? []) for (const v of g.versions ?? []) gvs.push({ group: g.name, version: v.version });
    const lists = await Promise.all(
      gvs.map(({ group, version }) =>
        this.json<ApiResourceList>("GET", `/apis/${group}/${version}`).catch((e: unknown) => {
          // A group-version that vanished between the two reads (a CRD deleted) is skipped, as client-go's partial discovery.
          if (e instanceof ApiError && e.code === 404) return { groupVersion: `${group}/${version}`, resources: [] };
          throw e;
        }),
      ),
    );
    const out: DiscoveredResource[] = [];
    const add = (group: string, version: string, l: ApiResourceList): void => {
      for (const r of l.resources ?? []) {
        if (r.name.includes("/")) continue;
        out.push({ group, version, resource: r.name, kind: r.kind, namespaced: r.namespaced, verbs: [...(r.verbs ?? [])] });
      }
    };
    add("", "v1", core);
    gvs.forEach((gv, i) => add(gv.group, gv.version, lists[i]!));
    return out;
  }
}
