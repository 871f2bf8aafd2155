import { fromBinary, fromJson, toBinary, toJson, type DescMessage, type JsonValue } from "@bufbuild/protobuf";
import http from "node:http";
import {
  LeaseKeepAliveRequestSchema, LeaseKeepAliveResponseSchema, RangeRequestSchema, SnapshotRequestSchema,
  SnapshotResponseSchema, WatchRequestSchema, WatchResponseSchema, AlarmType,
} from "./gen/rpc_pb.js";
import type { Member } from "../server/member.js";
import { clusterVersion, storeVersion } from "../server/member.js";
import type { StoreMetrics } from "../server/metrics.js";
import { httpStatusOf, toGrpcError } from "./errors.js";
import { Status, type CallStatus, type ServerCall } from "./grpc/index.js";
import type { UnaryMethod } from "./services.js";
import { create } from "@bufbuild/protobuf";

interface StreamRoute {
  input: DescMessage;
  output: DescMessage;
  handler: (call: ServerCall) => void;
}

/** The HTTP/1.1 side of the client port: /health, /version, /metrics and the /v3 JSON gateway. */
export function httpHandler(m: Member, unary: UnaryMethod[], streams: Record<string, StreamRoute>, metrics: StoreMetrics | undefined): http.Server {
  const routes = new Map<string, UnaryMethod>();
  for (const u of unary) for (const p of [u.gateway ?? []].flat()) if (!routes.has(p)) routes.set(p, u);
  const json = { useProtoFieldName: true } as const;

  const server = http.createServer((req, res) => {
    let url: URL;
    try {
      url = new URL(req.url ?? "/", "http://x");
    } catch {
      // "GET // HTTP/1.1" and the like: a throw here would take the whole process down.
      res.writeHead(400, { "content-type": "text/plain; charset=utf-8", connection: "close" });
      res.end("400 Bad Request");
      return;
    }
    const path = url.pathname.replace(/^\/v3beta\//, "/v3/");
    const reply = (code: number, body: unknown) => {
      const text = typeof body === "string" ? body : JSON.stringify(body);
      res.writeHead(code, { "content-type": "application/json" });
      res.end(text);
    };
    if (path === "/health") {
      if (req.method !== "GET") {
        res.writeHead(405, { allow: "GET", "content-type": "text/plain; charset=utf-8" });
        res.end("Method Not Allowed\n");
        return;
      }
      void health(m, url.searchParams).then((h) => reply(h.health === "true" ? 200 : 503, h));
      return;
    }
    if (path === "/version") {
      reply(200, { etcdserver: storeVersion, etcdcluster: clusterVersion });
      return;
    }
    if (path === "/metrics" && metrics) {
      void metrics.registry.metrics().then((text) => {
        res.writeHead(200, { "content-type": metrics.registry.contentType });
        res.end(text);
      });
      return;
    }
    const unaryRoute = routes.get(path);
    const streamRoute = streams[path];
    if (!unaryRoute && !streamRoute) {
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
      res.end("404 page not found\n");
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > 64 * 1024 * 1024) req.destroy();
      else chunks.push(c);
    });
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const fail = (s: CallStatus) => reply(httpStatusOf(s.code), { error: s.message, code: s.code, message: s.message });
      if (unaryRoute) {
        let msg;
        try {
          msg = fromJson(unaryRoute.input, (body.trim() === "" ? {} : JSON.parse(body)) as JsonValue, { ignoreUnknownFields: true });
        } catch (e) {
          fail({ code: Status.INVALID_ARGUMENT, message: e instanceof Error ? e.message : String(e) });
          return;
        }
        Promise.resolve()
          .then(() => unaryRoute.handle(msg, undefined, undefined))
          .then(
            (resp) => reply(200, toJson(unaryRoute.output, resp, json)),
            (e) => fail(toGrpcError(e)),
          );
        return;
      }
      const sr = streamRoute!;
      res.writeHead(200, { "content-type": "application/json" });
      const messages: Uint8Array[] = [];
      try {
        for (const line of body.split("\n").filter((l) => l.trim() !== "")) {
          messages.push(toBinary(sr.input, fromJson(sr.input, JSON.parse(line) as JsonValue, { ignoreUnknownFields: true })));
        }
      } catch (e) {
        res.end(JSON.stringify({ error: { grpc_code: Status.INVALID_ARGUMENT, http_code: 400, message: String(e), http_status: "Bad Request" } }) + "\n");
        return;
      }
      sr.handler(gatewayCall(req, res, sr.output, messages));
    });
  });
  return server;
}

/** Adapts an HTTP request/response pair to a ServerCall: one JSON object per line each way. */
function gatewayCall(req: http.IncomingMessage, res: http.ServerResponse, output: DescMessage, messages: Uint8Array[]): ServerCall {
  let onMsg: ((m: Uint8Array) => void) | undefined;
  let onHalf: (() => void) | undefined;
  const cancels: Array<() => void> = [];
  const drains: Array<() => void> = [];
  let cancelled = false;
  res.on("close", () => {
    cancelled = true;
    cancels.forEach((f) => f());
  });
  res.on("drain", () => drains.splice(0).forEach((f) => f()));
  setImmediate(() => {
    for (const m of messages) onMsg?.(m);
    // The gateway keeps a watch open after its one request; unary-like streams end themselves.
    if (output !== WatchResponseSchema) onHalf?.();
  });
  return {
    metadata: new Map(Object.entries(req.headers).map(([k, v]) => [k, String(v)])),
    peer: `${req.socket.remoteAddress}:${req.socket.remotePort}`,
    path: req.url ?? "",
    get cancelled() {
      return cancelled;
    },
    onCancel: (cb) => void cancels.push(cb),
    onMessage: (cb) => void (onMsg = cb),
    onHalfClose: (cb) => void (onHalf = cb),
    send(bytes) {
      if (cancelled) return false;
      const msg = fromBinary(output, bytes);
      return res.write(JSON.stringify({ result: toJson(output, msg, { useProtoFieldName: true }) }) + "\n");
    },
    get bufferedBytes() {
      return res.writableLength;
    },
    onDrain: (cb) => void drains.push(cb),
    end(status) {
      if (status && status.code !== 0) {
        res.end(JSON.stringify({ error: { grpc_code: status.code, http_code: httpStatusOf(status.code), message: status.message } }) + "\n");
      } else res.end();
    },
  };
}

export function gatewayStreams(handlers: { watch: (c: ServerCall) => void; keepAlive: (c: ServerCall) => void; snapshot: (c: ServerCall) => void }): Record<string, StreamRoute> {
  return {
    "/v3/watch": { input: WatchRequestSchema, output: WatchResponseSchema, handler: handlers.watch },
    "/v3/lease/keepalive": { input: LeaseKeepAliveRequestSchema, output: LeaseKeepAliveResponseSchema, handler: handlers.keepAlive },
    "/v3/maintenance/snapshot": { input: SnapshotRequestSchema, output: SnapshotResponseSchema, handler: handlers.snapshot },
  };
}

/** etcd's /health: alarms (unless excluded), a leader, and a read that goes through. */
async function health(m: Member, q: URLSearchParams): Promise<{ health: string; reason: string }> {
  const excluded = new Set(q.getAll("exclude"));
  for (const a of m.alarms.get(AlarmType.NONE)) {
    const name = AlarmType[a.alarm];
    if (!excluded.has(name)) return { health: "false", reason: `ALARM ${name}` };
  }
  if (m.leader === 0n) return { health: "false", reason: "RAFT NO LEADER" };
  try {
    const serializable = q.get("serializable") === "true";
    await Promise.race([
      m.range(create(RangeRequestSchema, { key: Buffer.from("health"), serializable })),
      new Promise((_, reject) => setTimeout(() => reject(new Error("timeout")), 1000)),
    ]);
  } catch (e) {
    return { health: "false", reason: `QGET ERROR:${e instanceof Error ? e.message : String(e)}` };
  }
  return { health: "true", reason: "" };
}
