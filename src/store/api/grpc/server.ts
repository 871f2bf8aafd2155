// The method registry and the set of live connections.

import type { Duplex } from 'node:stream';
import { type ConnectionHost, type ConnectionOptions, Http2Connection } from './connection.js';
import type { CallCounts, Route, StreamHandler, UnaryCallHandler, UnaryHandler } from './types.js';

const newCounts = (): CallCounts => ({ started: 0, ok: 0, failed: new Map() });

export interface GrpcServerOptions {
  /** Largest request message accepted (etcd: --max-request-bytes + 512 KiB). */
  readonly maxReceiveMessageLength: number;
  /** SETTINGS_MAX_CONCURRENT_STREAMS per connection. Default 2^31-1 (etcd sets it unlimited). */
  readonly maxConcurrentStreams?: number;
  /** Request header list size. Default 1 MiB. */
  readonly maxHeaderListSize?: number;
  /** Receive windows granted to clients. Defaults 8 MiB per stream, 32 MiB per connection. */
  readonly streamWindow?: number;
  readonly connectionWindow?: number;
  /** Outgoing message bytes queued per connection before it is dropped. Default 512 MiB. */
  readonly maxBufferedBytesPerConnection?: number;
}

/** A connection being served. */
export interface ServedConnection {
  /** Resolves when the socket has closed. */
  readonly done: Promise<void>;
  /** GOAWAY, then close (see GrpcServer.close). */
  shutdown(graceMs: number): Promise<void>;
}

export class GrpcServer implements ConnectionHost {
  readonly opts: ConnectionOptions;
  private readonly routes = new Map<string, Route>();
  private readonly services = new Set<string>();
  private readonly conns = new Set<Http2Connection>();

  constructor(opts: GrpcServerOptions) {
    this.opts = {
      maxReceiveMessageLength: opts.maxReceiveMessageLength,
      maxConcurrentStreams: opts.maxConcurrentStreams ?? 0x7fffffff,
      maxHeaderListSize: opts.maxHeaderListSize ?? 1024 * 1024,
      streamWindow: opts.streamWindow ?? 8 * 1024 * 1024,
      connectionWindow: opts.connectionWindow ?? 32 * 1024 * 1024,
      maxBufferedBytes: opts.maxBufferedBytesPerConnection ?? 512 * 1024 * 1024,
    };
  }

  /** Registers a unary method, path like "/etcdserverpb.KV/Range". */
  unary(path: string, handler: UnaryHandler): void {
    this.add(path, { kind: 'unary', handler, counts: newCounts() });
  }

  /** Registers a unary method in the callback form. */
  unaryCall(path: string, handler: UnaryCallHandler): void {
    this.add(path, { kind: 'unaryCall', handler, counts: newCounts() });
  }

  /** The unary methods' call counts, by path. */
  unaryCounts(): Map<string, CallCounts> {
    const out = new Map<string, CallCounts>();
    for (const [path, r] of this.routes) if (r.kind !== 'stream') out.set(path, r.counts);
    return out;
  }

  /** Registers a server-streaming or bidi method. */
  stream(path: string, handler: StreamHandler): void {
    this.add(path, { kind: 'stream', handler });
  }

  private add(path: string, route: Route): void {
    const m = /^\/([^/]+)\/([^/]+)$/.exec(path);
    if (m === null) throw new Error(`grpc: bad method path ${path}`);
    this.routes.set(path, route);
    this.services.add(m[1]!);
  }

  /** Serves HTTP/2 on a connected socket; `head` is bytes already read from it (the preface). */
  handleConnection(socket: Duplex, head?: Buffer): ServedConnection {
    const c = new Http2Connection(socket, this, head);
    this.conns.add(c);
    return c;
  }

  get connectionCount(): number {
    return this.conns.size;
  }

  /**
   * GOAWAY to every connection; streaming calls end with UNAVAILABLE (their onCancel runs),
   * unary calls in flight get `graceMs` to answer; resolves when the sockets have closed.
   */
  async close(graceMs = 1000): Promise<void> {
    await Promise.all([...this.conns].map((c) => c.shutdown(graceMs)));
  }

  route(path: string): Route | undefined {
    return this.routes.get(path);
  }

  /** grpc-go's wording for a path with no handler. */
  unknownMethodMessage(path: string): string {
    const p = path.startsWith('/') ? path.slice(1) : path;
    const i = p.lastIndexOf('/');
    if (i < 0) return `malformed method name: "${path}"`;
    const service = p.slice(0, i);
    const method = p.slice(i + 1);
    if (this.services.has(service)) return `unknown method ${method} for service ${service}`;
    return `unknown service ${service}`;
  }

  forget(conn: Http2Connection): void {
    this.conns.delete(conn);
  }
}
