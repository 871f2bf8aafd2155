import { create, fromBinary, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import {
  StatusRequestSchema, WatchResponseSchema,
  type CompactionResponse, type DeleteRangeResponse, type LeaseGrantResponse, type LeaseRevokeResponse,
  type PutResponse, type RangeResponse, type StatusResponse, type TxnResponse,
} from "../api/gen/rpc_pb.js";
import type { Member } from "../server/member.js";
import { toGrpcError } from "../api/errors.js";
import { unaryMethods, type ServiceOptions, type UnaryMethod } from "../api/services.js";
import { watchStream, type WatchServiceOptions } from "../api/watch.js";
import type { CallStatus, ServerCall } from "../api/grpc/index.js";
import { EtcdError, type EtcdClient } from "./types.js";
import { WatchStreamBase } from "./watchStream.js";

/**
 * A client for a member in the same process: the same handlers the gRPC server runs, without
 * sockets or encoding for unary calls (the watch stream exchanges encoded messages through an
 * in-memory call, so it behaves exactly as on the wire).
 */
export function inProcessClient(m: Member, opts: ServiceOptions & WatchServiceOptions): EtcdClient {
  const methods = new Map(unaryMethods(m, opts).map((u) => [u.path, u]));
  const watchHandler = watchStream(m, opts);
  const streams = new Set<InProcessWatch>();

  /** Calls a method by path; the table pairs each path with its schemas, so T is the path's response type. */
  function call<T>(path: string, req: MessageShape<DescMessage>): Promise<T> {
    const mth = methods.get(path) as UnaryMethod | undefined;
    if (!mth) return Promise.reject(new EtcdError(12, `unknown method ${path}`));
    return Promise.resolve()
      .then(() => mth.handle(req, undefined, undefined) as Promise<T>)
      .catch((e: unknown) => {
        const g = toGrpcError(e);
        throw new EtcdError(g.code, g.message);
      });
  }

  return {
    range: (r) => call<RangeResponse>("/etcdserverpb.KV/Range", r),
    put: (r) => call<PutResponse>("/etcdserverpb.KV/Put", r),
    deleteRange: (r) => call<DeleteRangeResponse>("/etcdserverpb.KV/DeleteRange", r),
    txn: (r) => call<TxnResponse>("/etcdserverpb.KV/Txn", r),
    compact: (r) => call<CompactionResponse>("/etcdserverpb.KV/Compact", r),
    leaseGrant: (r) => call<LeaseGrantResponse>("/etcdserverpb.Lease/LeaseGrant", r),
    leaseRevoke: (r) => call<LeaseRevokeResponse>("/etcdserverpb.Lease/LeaseRevoke", r),
    status: () => call<StatusResponse>("/etcdserverpb.Maintenance/Status", create(StatusRequestSchema, {})),
    watchStream() {
      const w = new InProcessWatch(watchHandler, () => streams.delete(w));
      streams.add(w);
      return w;
    },
    async close() {
      for (const w of [...streams]) w.close();
    },
  };
}

/** A watch stream whose server side is the member's watch handler, joined by an in-memory call. */
class InProcessWatch extends WatchStreamBase {
  private closers: Array<(err: EtcdError | undefined) => void> = [];
  private serverMessage: ((b: Uint8Array) => void) | undefined;
  private serverHalfClose: (() => void) | undefined;
  private serverCancel: Array<() => void> = [];
  private closed = false;

  constructor(handler: (call: ServerCall) => void, private readonly done: () => void) {
    super();
    const self = this;
    const serverCall: ServerCall = {
      metadata: new Map(),
      peer: "in-process",
      path: "/etcdserverpb.Watch/Watch",
      get cancelled() {
        return self.closed;
      },
      onCancel: (cb) => void self.serverCancel.push(cb),
      onMessage: (cb) => void (self.serverMessage = cb),
      onHalfClose: (cb) => void (self.serverHalfClose = cb),
      send(bytes) {
        if (self.closed) return false;
        const resp = fromBinary(WatchResponseSchema, bytes);
        // Deliver on a later turn, as a socket would: handlers may call back into the stream.
        queueMicrotask(() => self.deliver(resp));
        return true;
      },
      // Responses as messages: no encoding on the server side and no decoding here.
      sendMessage(resp) {
        if (self.closed) return;
        queueMicrotask(() => self.deliver(resp));
      },
      bufferedBytes: 0,
      onDrain: () => {},
      end(status?: CallStatus) {
        self.finish(status && status.code !== 0 ? new EtcdError(status.code, status.message) : undefined);
      },
    };
    handler(serverCall);
  }

  protected sendRequest(bytes: Uint8Array): void {
    if (this.closed) return;
    this.serverMessage?.(bytes);
  }

  onClose(fn: (err: EtcdError | undefined) => void): void {
    this.closers.push(fn);
  }

  close(): void {
    if (this.closed) return;
    this.serverHalfClose?.();
    this.finish(undefined);
  }

  private finish(err: EtcdError | undefined): void {
    if (this.closed) return;
    this.closed = true;
    this.serverCancel.forEach((f) => f());
    this.done();
    queueMicrotask(() => this.closers.forEach((f) => f(err)));
  }
}
