import { GrpcServer, listenClientPort, type ClientPort } from "./grpc/index.js";
import type { Member } from "../server/member.js";
import { grpcUnary, unaryMethods } from "./services.js";
import { grpcOverheadBytes, watchStream } from "./watch.js";
import { leaseKeepAlive, snapshotStream } from "./streams.js";
import { gatewayStreams, httpHandler } from "./http.js";
import type { StoreMetrics } from "../server/metrics.js";
import { Status } from "./grpc/index.js";

export interface ApiOptions {
  listenClientUrls: string[];
  advertiseClientUrls: string[];
  peerUrls: string[];
  maxTxnOps: number;
  maxRequestBytes: number;
  progressNotifyIntervalMs: number;
  scratchDir: string;
  metrics?: StoreMetrics;
}


/** Serves the member's v3 API (gRPC and HTTP on each client URL). */
export async function serveClientApi(m: Member, opts: ApiOptions): Promise<ClientPort[]> {
  const grpc = new GrpcServer({ maxReceiveMessageLength: opts.maxRequestBytes + grpcOverheadBytes });
  const unary = unaryMethods(m, { maxTxnOps: opts.maxTxnOps, clientUrls: opts.advertiseClientUrls, peerUrls: opts.peerUrls });
  for (const u of unary) {
    const h = grpcUnary(u);
    const [, service = "", method = ""] = u.path.split("/");
    if (opts.metrics) {
      const labels = { grpc_type: "unary", grpc_service: service, grpc_method: method };
      // Labelled children are looked up once, not per call.
      const started = opts.metrics.grpcStarted.labels(labels);
      const handledOk = opts.metrics.grpcHandled.labels({ ...labels, grpc_code: "OK" });
      const handled = opts.metrics.grpcHandled;
      grpc.unary(u.path, async (req, ctx) => {
        started.inc();
        try {
          const out = await h(req, ctx);
          handledOk.inc();
          return out;
        } catch (e) {
          const code = (e as { code?: number }).code ?? Status.UNKNOWN;
          handled.inc({ ...labels, grpc_code: codeName(code) });
          throw e;
        }
      });
    } else {
      grpc.unary(u.path, h);
    }
  }
  const watch = watchStream(m, { maxRequestBytes: opts.maxRequestBytes, progressNotifyIntervalMs: opts.progressNotifyIntervalMs });
  const keepAlive = leaseKeepAlive(m);
  const snapshot = snapshotStream(m, opts.scratchDir);
  grpc.stream("/etcdserverpb.Watch/Watch", watch);
  grpc.stream("/etcdserverpb.Lease/LeaseKeepAlive", keepAlive);
  grpc.stream("/etcdserverpb.Maintenance/Snapshot", snapshot);
  const http = httpHandler(m, unary, gatewayStreams({ watch, keepAlive, snapshot }), opts.metrics);
  const ports: ClientPort[] = [];
  for (const u of opts.listenClientUrls) {
    const url = new URL(u);
    if (url.protocol !== "http:") throw new Error(`kplane: ${u}: only http:// client URLs are supported so far`);
    ports.push(await listenClientPort({ grpc, http, host: url.hostname.replace(/^\[|\]$/g, ""), port: Number(url.port || 2379) }));
  }
  return ports;
}

/** grpc-go's names for status codes (the grpc_code label). */
const codeNames: Record<number, string> = {
  0: "OK", 1: "Canceled", 2: "Unknown", 3: "InvalidArgument", 4: "DeadlineExceeded", 5: "NotFound",
  6: "AlreadyExists", 7: "PermissionDenied", 8: "ResourceExhausted", 9: "FailedPrecondition", 10: "Aborted",
  11: "OutOfRange", 12: "Unimplemented", 13: "Internal", 14: "Unavailable", 15: "DataLoss", 16: "Unauthenticated",
};
function codeName(code: number): string {
  return codeNames[code] ?? String(code);
}
