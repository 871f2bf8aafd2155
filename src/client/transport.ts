/**
 * The HTTP exchange behind RestClient, kept to two functions so an in-process transport (no
 * sockets) or a recording one in tests can stand in for node:https.
 */
import http from "node:http";
import https from "node:https";
import { isIP } from "node:net";
import tls from "node:tls";
import { ApiError } from "./types.js";

export interface TransportRequest {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Path and query: /api/v1/namespaces/default/pods?limit=500 */
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** Aborting ends the request (and a stream's body). */
  signal?: AbortSignal;
}

export interface TransportResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface StreamResponse {
  status: number;
  headers: Record<string, string>;
  /** The body as it arrives; ends when the server ends it, the connection drops, or the request's signal aborts. */
  body: AsyncIterable<Uint8Array>;
}

/** Both calls reject with ApiError code 0 when no answer came (refused, reset, TLS failure). */
export interface Transport {
  request(req: TransportRequest): Promise<TransportResponse>;
  stream(req: TransportRequest): Promise<StreamResponse>;
}

export interface HttpTransportConfig {
  server: string;
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
  insecureSkipTLSVerify?: boolean;
  /** Connections kept for requests (watches have their own); more requests wait for one. Default 64. */
  maxConnections?: number;
}

const DEFAULT_MAX_CONNECTIONS = 64;

/**
 * node:http(s) over keep-alive Agents (HTTP/1.1): one for requests, with a bounded pool of
 * connections, and one for watches, which hold a socket each for as long as they run. Both
 * share one TLS context, built once: without it every new connection parsed the key and
 * certificates again, and a burst of requests (a replica set creating 500 pods) opened
 * hundreds of connections, each a full handshake for client and server, most of them closed
 * again as soon as the burst was over.
 */
export function httpTransport(config: HttpTransportConfig): Transport & { close(): void } {
  const base = new URL(config.server);
  const secure = base.protocol === "https:";
  if (!secure && base.protocol !== "http:") throw new Error(`unsupported server URL ${config.server}`);
  const prefix = base.pathname.replace(/\/+$/, "");
  const max = Math.max(1, config.maxConnections ?? DEFAULT_MAX_CONNECTIONS);
  const tlsOptions: https.AgentOptions = secure
    ? {
        secureContext: tls.createSecureContext({ ca: config.ca, cert: config.cert, key: config.key }),
        rejectUnauthorized: !config.insecureSkipTLSVerify,
        // The server's certificate names what the kubeconfig names (an IP or a host).
        // (SNI takes host names only; for an IP, Node checks the certificate against the IP.)
        servername: isIP(base.hostname.replace(/^\[|\]$/g, "")) ? undefined : base.hostname || undefined,
      }
    : {};
  const newAgent = (o: http.AgentOptions): http.Agent => (secure ? new https.Agent({ ...o, ...tlsOptions }) : new http.Agent(o));
  const agent = newAgent({ keepAlive: true, maxSockets: max, maxFreeSockets: max, scheduling: "lifo" });
  const watchAgent = newAgent({ keepAlive: true });
  const mod = secure ? https : http;

  const open = (req: TransportRequest, agent: http.Agent): Promise<http.IncomingMessage> =>
    new Promise((resolve, reject) => {
      if (req.signal?.aborted) return reject(connectionError(new Error("request aborted")));
      const headers: Record<string, string> = { ...req.headers };
      if (req.body !== undefined) headers["Content-Length"] = String(Buffer.byteLength(req.body));
      const r = mod.request({
        protocol: base.protocol,
        hostname: base.hostname.replace(/^\[|\]$/g, ""),
        port: base.port || (secure ? 443 : 80),
        path: prefix + req.path,
        method: req.method,
        headers,
        agent,
      });
      // Not `signal:` on the request: Node then destroys the socket with an AbortError that,
      // once the response is being read, no listener is left to take (an uncaught 'error').
      const onAbort = () => r.destroy();
      req.signal?.addEventListener("abort", onAbort, { once: true });
      r.on("close", () => req.signal?.removeEventListener("abort", onAbort));
      r.on("socket", (sock) => {
        if (!sock.listenerCount("error")) sock.on("error", () => undefined);
      });
      r.on("response", (res) => {
        // Errors after the answer (reset, abort) surface through reading the body; without a
        // listener here they would be uncaught.
        res.on("error", () => {});
        resolve(res);
      });
      r.on("error", (e) => reject(connectionError(req.signal?.aborted ? new Error("request aborted") : e)));
      r.end(req.body);
    });

  return {
    async request(req) {
      const res = await open(req, agent);
      const chunks: Buffer[] = [];
      try {
        for await (const c of res) chunks.push(c as Buffer);
      } catch (e) {
        throw connectionError(e);
      }
      return { status: res.statusCode ?? 0, headers: flatHeaders(res.headers), body: Buffer.concat(chunks).toString("utf8") };
    },
    async stream(req) {
      const res = await open(req, watchAgent);
      return { status: res.statusCode ?? 0, headers: flatHeaders(res.headers), body: quietly(res) };
    },
    close() {
      agent.destroy();
      watchAgent.destroy();
    },
  };
}

/** A stream whose end by abort or reset is just its end: a watch that ends is re-established by its caller. */
async function* quietly(res: http.IncomingMessage): AsyncIterable<Uint8Array> {
  try {
    for await (const c of res) yield c as Buffer;
  } catch {
    // aborted or reset: the stream is over
  } finally {
    res.destroy();
  }
}

function flatHeaders(h: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(", ") : v;
  return out;
}

function connectionError(e: unknown): ApiError {
  const err = e as NodeJS.ErrnoException;
  const msg = err?.name === "AbortError" ? "request aborted" : (err?.message ?? String(e));
  return new ApiError(0, "", msg);
}
