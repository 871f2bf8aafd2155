import { GrpcServer, listenClientPort, type ClientPort } from "./grpc/index.js";
import type { Member } from "../server/member.js";
import { grpcUnary, grpcUnaryCall, unaryMethods } from "./services.js";
import { grpcOverheadBytes, watchStream } from "./watch.js";
import { leaseKeepAlive, snapshotStream } from "./streams.js";
import { gatewayStreams, httpHandler } from "./http.js";
import type { StoreMetrics } from "../server/metrics.js";

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
    const call = grpcUnaryCall(u);
    if (call) grpc.unaryCall(u.path, call);
    else grpc.unary(u.path, grpcUnary(u));
  }
  opts.metrics?.countUnaryCalls(() => grpc.unaryCounts());
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
