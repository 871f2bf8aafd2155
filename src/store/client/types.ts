import type {
  CompactionRequest, CompactionResponse, DeleteRangeRequest, DeleteRangeResponse, LeaseGrantRequest,
  LeaseGrantResponse, LeaseRevokeRequest, LeaseRevokeResponse, PutRequest, PutResponse, RangeRequest,
  RangeResponse, StatusResponse, TxnRequest, TxnResponse, WatchCreateRequest, WatchResponse,
} from "../api/gen/rpc_pb.js";

/**
 * The etcd v3 client the API server programs against (DESIGN: store/client). Messages are
 * etcd's own (generated protobuf types), so the two implementations — over gRPC to any etcd v3
 * endpoint, and in-process to a member in the same process — are interchangeable.
 * Errors are `EtcdError`s carrying etcd's gRPC code and message.
 */
export interface EtcdClient {
  range(req: RangeRequest): Promise<RangeResponse>;
  put(req: PutRequest): Promise<PutResponse>;
  deleteRange(req: DeleteRangeRequest): Promise<DeleteRangeResponse>;
  txn(req: TxnRequest): Promise<TxnResponse>;
  compact(req: CompactionRequest): Promise<CompactionResponse>;
  leaseGrant(req: LeaseGrantRequest): Promise<LeaseGrantResponse>;
  leaseRevoke(req: LeaseRevokeRequest): Promise<LeaseRevokeResponse>;
  status(): Promise<StatusResponse>;
  /** Opens a watch stream; create watchers on it. */
  watchStream(): WatchStream;
  close(): Promise<void>;
}

/** One Watch stream: many watchers, responses in order, as etcd multiplexes them. */
export interface WatchStream {
  /** Creates a watcher; its created response (and then its events) arrive through onResponse. */
  create(req: WatchCreateRequest): void;
  cancel(watchId: bigint): void;
  /** Asks for a progress notification (answered once every watcher on the stream is synced). */
  requestProgress(): void;
  onResponse(fn: (resp: WatchResponse) => void): void;
  /** The stream ended (server gone, or closed); `err` is undefined after close(). */
  onClose(fn: (err: EtcdError | undefined) => void): void;
  close(): void;
}

/** An etcd error: the gRPC status code and message the server sent. */
export class EtcdError extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
    this.name = "EtcdError";
  }
}
