// gRPC over HTTP/2 on a raw socket: the server transport of kplane's etcd-compatible store.
// See README.md for the design.

export { GrpcServer, type GrpcServerOptions, type ServedConnection } from './server.js';
export { listenClientPort, type ClientPort, type ClientPortOptions } from './listen.js';
export { GrpcError, Status, type StatusCode, type CallStatus } from './status.js';
export type { CallContext, CallCounts, UnaryCall, UnaryCallHandler, UnaryHandler, ServerCall, StreamHandler } from './types.js';
