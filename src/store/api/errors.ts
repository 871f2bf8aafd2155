import { StoreError, type StoreErrorKind } from "../errors.js";
import { ErrCompacted, ErrFutureRev } from "../mvcc/errors.js";
import { GrpcError, Status } from "./grpc/index.js";

/** etcd's gRPC code and exact message for each store error (clients match on both). */
const table: Record<StoreErrorKind, [number, string]> = {
  emptyKey: [Status.INVALID_ARGUMENT, "etcdserver: key is not provided"],
  keyNotFound: [Status.INVALID_ARGUMENT, "etcdserver: key not found"],
  valueProvided: [Status.INVALID_ARGUMENT, "etcdserver: value is provided"],
  leaseProvided: [Status.INVALID_ARGUMENT, "etcdserver: lease is provided"],
  tooManyOps: [Status.INVALID_ARGUMENT, "etcdserver: too many operations in txn request"],
  duplicateKey: [Status.INVALID_ARGUMENT, "etcdserver: duplicate key given in txn request"],
  invalidSortOption: [Status.INVALID_ARGUMENT, "etcdserver: invalid sort option"],
  requestTooLarge: [Status.INVALID_ARGUMENT, "etcdserver: request is too large"],
  compacted: [Status.OUT_OF_RANGE, "etcdserver: mvcc: required revision has been compacted"],
  futureRev: [Status.OUT_OF_RANGE, "etcdserver: mvcc: required revision is a future revision"],
  leaseNotFound: [Status.NOT_FOUND, "etcdserver: requested lease not found"],
  leaseExists: [Status.FAILED_PRECONDITION, "etcdserver: lease already exists"],
  leaseTTLTooLarge: [Status.OUT_OF_RANGE, "etcdserver: too large lease TTL"],
  noSpace: [Status.RESOURCE_EXHAUSTED, "etcdserver: mvcc: database space exceeded"],
  tooManyRequests: [Status.RESOURCE_EXHAUSTED, "etcdserver: too many requests"],
  noLeader: [Status.UNAVAILABLE, "etcdserver: no leader"],
  notLeader: [Status.FAILED_PRECONDITION, "etcdserver: not leader"],
  stopped: [Status.UNAVAILABLE, "etcdserver: server stopped"],
  timeout: [Status.UNAVAILABLE, "etcdserver: request timed out"],
  corrupt: [Status.DATA_LOSS, "etcdserver: corrupt cluster"],
  memberNotFound: [Status.NOT_FOUND, "etcdserver: member not found"],
  notCapable: [Status.FAILED_PRECONDITION, "etcdserver: not capable"],
  authNotEnabled: [Status.FAILED_PRECONDITION, "etcdserver: authentication is not enabled"],
  permissionDenied: [Status.PERMISSION_DENIED, "etcdserver: permission denied"],
  invalidAuthToken: [Status.UNAUTHENTICATED, "etcdserver: invalid auth token"],
  badLeaderTransferee: [Status.FAILED_PRECONDITION, "etcdserver: bad leader transferee"],
};

/** Translates anything the store threw into the gRPC status etcd would answer with. */
export function toGrpcError(e: unknown): GrpcError {
  if (e instanceof GrpcError) return e;
  let kind: StoreErrorKind | undefined;
  if (e instanceof StoreError) kind = e.kind;
  else if (e instanceof ErrCompacted) kind = "compacted";
  else if (e instanceof ErrFutureRev) kind = "futureRev";
  if (kind) {
    const [code, message] = table[kind];
    return new GrpcError(code, message);
  }
  return new GrpcError(Status.UNKNOWN, e instanceof Error ? e.message : String(e));
}

/** HTTP status for a gRPC code, as etcd's grpc-gateway (v1) maps them. */
export function httpStatusOf(code: number): number {
  switch (code) {
    case Status.OK: return 200;
    case Status.CANCELLED: return 408;
    case Status.INVALID_ARGUMENT: case Status.OUT_OF_RANGE: return 400;
    case Status.FAILED_PRECONDITION: return 412;
    case Status.DEADLINE_EXCEEDED: return 504;
    case Status.NOT_FOUND: return 404;
    case Status.ALREADY_EXISTS: case Status.ABORTED: return 409;
    case Status.PERMISSION_DENIED: return 403;
    case Status.UNAUTHENTICATED: return 401;
    case Status.RESOURCE_EXHAUSTED: return 429;
    case Status.UNIMPLEMENTED: return 501;
    case Status.UNAVAILABLE: return 503;
    default: return 500;
  }
}
