// The seam between the transport and the gRPC services: bytes in, bytes out.

import type { CallStatus } from './status.js';
import type { WatchResponse } from "../gen/rpc_pb.js";

export interface CallContext {
  /** Request headers other than pseudo-headers, lower-case names ("token", "authorization"). */
  readonly metadata: ReadonlyMap<string, string>;
  /** "address:port" of the client. */
  readonly peer: string;
  /** The full method path, e.g. "/etcdserverpb.KV/Range". */
  readonly path: string;
  /** True once the client went away (RST_STREAM, connection loss, server shutdown). */
  readonly cancelled: boolean;
  /** Called once if the client goes away before the call ended (for long unary calls too). */
  onCancel(cb: () => void): void;
}

/** Unary: one request message in, one response out. Throw (or reject with) GrpcError for a status. */
export type UnaryHandler = (request: Uint8Array, ctx: CallContext) => Uint8Array | Promise<Uint8Array>;

/** A unary call answered through callbacks (no promise per call, for the hot write path). */
export interface UnaryCall extends CallContext {
  /** Answers with one message and OK. Only the first respond/reject counts. */
  respond(msg: Uint8Array): void;
  /** Ends the call with the error's status (GrpcError's code, else UNKNOWN). */
  reject(err: unknown): void;
}

/** Unary, callback form: answer through call.respond / call.reject (a throw rejects). */
export type UnaryCallHandler = (request: Uint8Array, call: UnaryCall) => void;

/** Per-method counts of unary calls (Prometheus' grpc_server_started/handled_total). */
export interface CallCounts {
  started: number;
  /** Calls answered OK. */
  ok: number;
  /** Calls ended with another status, by code. */
  failed: Map<number, number>;
}

/** Server-streaming and bidi calls. Register callbacks synchronously inside the handler. */
export interface ServerCall extends CallContext {
  /** Each client message, in order. */
  onMessage(cb: (msg: Uint8Array) => void): void;
  /** The client finished sending. */
  onHalfClose(cb: () => void): void;
  /**
   * Queues one message; it leaves as the peer's flow-control windows allow. Returns false once
   * `bufferedBytes` reached the high-water mark (then wait for onDrain, or drop the client).
   */
  send(msg: Uint8Array): boolean;
  /**
   * send() of the message that is these parts joined, without joining them: when nothing is
   * queued and the windows allow, they are copied straight into the outgoing frames (a watch
   * response's header, watch id and events, each shared by many watchers). Optional.
   */
  sendParts?(parts: readonly Buffer[], length: number): boolean;
  /**
   * In-process calls only: takes a watch response as a message, so that neither side encodes
   * nor decodes it. Streams that have it get every response through it instead of send().
   */
  sendMessage?(msg: WatchResponse): void;
  /** Bytes queued on this call and not yet handed to the socket. */
  readonly bufferedBytes: number;
  /** Called when bufferedBytes drops back to 0 after send() returned false. */
  onDrain(cb: () => void): void;
  /** Ends the call with trailers (OK by default). Later sends are ignored. */
  end(status?: CallStatus): void;
}

export type StreamHandler = (call: ServerCall) => void;

export type Route =
  | { readonly kind: 'unary'; readonly handler: UnaryHandler; readonly counts: CallCounts }
  | { readonly kind: 'unaryCall'; readonly handler: UnaryCallHandler; readonly counts: CallCounts }
  | { readonly kind: 'stream'; readonly handler: StreamHandler };
