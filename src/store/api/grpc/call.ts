// One HTTP/2 stream carrying one gRPC call: request header checks, message de-framing
// (5-byte prefix, split across DATA frames or several per frame, gzip), dispatch to the
// unary or streaming handler, and the ServerCall surface. Frames and windows belong to
// the connection (connection.ts); this file never touches the socket.

import { gunzipSync } from 'node:zlib';
import type { Http2Connection } from './connection.js';
import { type CallStatus, GrpcError, Status, statusOf } from './status.js';
import type { CallCounts, Route, ServerCall, StreamHandler, UnaryCall, UnaryCallHandler, UnaryHandler } from './types.js';

const OK: CallStatus = { code: Status.OK, message: '' };
const EMPTY = Buffer.alloc(0);
/** send() returns false past this many queued bytes. */
const SEND_HIGH_WATER = 1024 * 1024;

type Noop = () => void;

export class GrpcStream implements ServerCall, UnaryCall {
  // --- HTTP/2 state, owned by the connection
  sendWindow: number;
  recvWindow: number;
  recvUnacked = 0;
  /** Messages waiting for window; the first is partly sent up to `qOff` (prefix included). */
  queue: Buffer[] = [];
  qHead = 0;
  qOff = 0;
  bufferedBytes = 0;
  /** Trailers to send once the queue drains. */
  trailers: CallStatus | null = null;
  headersSent = false;
  /** We sent (or queued) trailers. */
  localDone = false;
  /** The client sent END_STREAM. */
  remoteDone = false;
  /** The stream is gone from the connection (trailers written + remote done, or reset). */
  closed = false;
  inReady = false;

  // --- gRPC state
  readonly path: string;
  private readonly headers: string[];
  private meta: Map<string, string> | null = null;
  private readonly route: Route | undefined;
  private encoding = '';
  private request: Buffer | null = null;
  private requests = 0;
  // message reader
  private prefix: Buffer | null = null;
  private prefixFill = 0;
  // A message split across frames is kept as copies of what arrived (never allocated from the
  // announced length, which would let a client make us allocate for bytes it never sends).
  private msgLen = -1;
  private msgParts: Buffer[] = [];
  private msgFill = 0;
  private msgFlag = 0;
  // callbacks (streaming); events that happen before registration are kept and replayed
  private messageCb: ((m: Uint8Array) => void) | null = null;
  private early: Buffer[] | null = null;
  private halfCloseCb: Noop | null = null;
  private cancelCbs: Noop[] | null = null;
  private drainCb: Noop | null = null;
  needDrain = false;
  private cancelFired = false;
  /** Unary: the handler answered (respond/reject); its route's counts. */
  private answered = false;
  private counts: CallCounts | null = null;

  constructor(
    readonly conn: Http2Connection,
    readonly id: number,
    headers: string[],
    path: string,
    route: Route | undefined,
  ) {
    this.headers = headers;
    this.path = path;
    this.route = route;
    this.sendWindow = conn.peerInitialWindow;
    this.recvWindow = conn.opts.streamWindow;
  }

  get peer(): string {
    return this.conn.peer;
  }

  get metadata(): ReadonlyMap<string, string> {
    if (this.meta === null) {
      const m = new Map<string, string>();
      const h = this.headers;
      for (let i = 0; i < h.length; i += 2) {
        const k = h[i]!;
        if (k.charCodeAt(0) === 58 /* ':' */) continue;
        const prev = m.get(k);
        m.set(k, prev === undefined ? h[i + 1]! : prev + ',' + h[i + 1]!);
      }
      this.meta = m;
    }
    return this.meta;
  }

  get cancelled(): boolean {
    return this.cancelFired || (this.closed && !this.localDone);
  }

  /** Validates the request headers and starts the call (or answers it at once). */
  start(method: string, contentType: string, encoding: string, endStream: boolean): void {
    // The order of checks and the texts follow grpc-go's server.
    if (!isGrpcContentType(contentType)) {
      this.conn.trailersOnly(this, { code: Status.INVALID_ARGUMENT, message: `invalid gRPC request content-type "${contentType}"` }, 415);
      return;
    }
    if (method !== 'POST') {
      this.conn.trailersOnly(this, { code: Status.INTERNAL, message: `http2Server.operateHeaders parsed a :method field: ${method} which should be POST` }, 405);
      return;
    }
    const route = this.route;
    if (route === undefined) {
      this.end({ code: Status.UNIMPLEMENTED, message: this.conn.unknownMethodMessage(this.path) });
      return;
    }
    if (encoding !== '' && encoding !== 'identity') {
      if (encoding !== 'gzip') {
        this.end({ code: Status.UNIMPLEMENTED, message: `grpc: Decompressor is not installed for grpc-encoding "${encoding}"` });
        return;
      }
      this.encoding = encoding;
    }
    if (route.kind === 'stream') {
      this.callStreamHandler(route.handler);
      if (endStream && !this.localDone) this.onRemoteEnd();
    } else if (endStream) this.onRemoteEnd();
  }

  // ------------------------------------------------------------ incoming

  /** DATA payload bytes for this stream. */
  onData(b: Buffer, start: number, end: number): void {
    while (start < end && !this.localDone && !this.closed) {
      if (this.msgLen < 0) {
        let flag: number;
        let len: number;
        if (this.prefixFill === 0 && end - start >= 5) {
          flag = b[start]!;
          len = b.readUInt32BE(start + 1);
          start += 5;
        } else {
          if (this.prefix === null) this.prefix = Buffer.allocUnsafe(5);
          const k = Math.min(5 - this.prefixFill, end - start);
          b.copy(this.prefix, this.prefixFill, start, start + k);
          this.prefixFill += k;
          start += k;
          if (this.prefixFill < 5) return;
          this.prefixFill = 0;
          flag = this.prefix[0]!;
          len = this.prefix.readUInt32BE(1);
        }
        if (!this.checkPrefix(flag, len)) return;
        if (len <= end - start) {
          this.deliver(len === 0 ? EMPTY : b.subarray(start, start + len), flag);
          start += len;
          continue;
        }
        this.msgLen = len;
        this.msgFill = 0;
        this.msgFlag = flag;
      }
      const k = Math.min(this.msgLen - this.msgFill, end - start);
      const piece = Buffer.allocUnsafe(k);
      b.copy(piece, 0, start, start + k);
      this.msgParts.push(piece);
      this.msgFill += k;
      this.conn.partialBytes += k;
      start += k;
      if (this.msgFill === this.msgLen) {
        const m = this.msgParts.length === 1 ? this.msgParts[0]! : Buffer.concat(this.msgParts, this.msgLen);
        this.releasePartial();
        this.deliver(m, this.msgFlag);
      } else this.conn.checkPartialBytes();
    }
  }

  private releasePartial(): void {
    this.conn.partialBytes -= this.msgFill;
    this.msgParts = [];
    this.msgFill = 0;
    this.msgLen = -1;
  }

  private checkPrefix(flag: number, len: number): boolean {
    const max = this.conn.opts.maxReceiveMessageLength;
    if (flag > 1) {
      this.fail({ code: Status.INTERNAL, message: `grpc: received unexpected payload format ${flag}` });
      return false;
    }
    if (len > max) {
      this.fail({ code: Status.RESOURCE_EXHAUSTED, message: `grpc: received message larger than max (${len} vs. ${max})` });
      return false;
    }
    if (flag === 1 && this.encoding === '') {
      this.fail({ code: Status.INTERNAL, message: 'grpc: compressed flag set with identity or empty encoding' });
      return false;
    }
    return true;
  }

  private deliver(m: Buffer, flag: number): void {
    if (flag === 1) {
      const max = this.conn.opts.maxReceiveMessageLength;
      let out: Buffer;
      try {
        out = gunzipSync(m, { maxOutputLength: max + 1 });
      } catch (e) {
        const tooBig = (e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE';
        this.fail(
          tooBig
            ? { code: Status.RESOURCE_EXHAUSTED, message: `grpc: received message after decompression larger than max (${max + 1} vs. ${max})` }
            : { code: Status.INTERNAL, message: `grpc: failed to decompress the received message: ${(e as Error).message}` },
        );
        return;
      }
      if (out.length > max) {
        this.fail({ code: Status.RESOURCE_EXHAUSTED, message: `grpc: received message after decompression larger than max (${out.length} vs. ${max})` });
        return;
      }
      m = out;
    }
    this.requests++;
    if (this.route!.kind !== 'stream') {
      if (this.requests > 1) {
        this.fail({ code: Status.INTERNAL, message: 'grpc: received more than one request message for a unary RPC' });
        return;
      }
      this.request = m;
      return;
    }
    const cb = this.messageCb;
    if (cb === null) {
      (this.early ??= []).push(m);
      return;
    }
    try {
      cb(m);
    } catch (e) {
      this.fail(statusOf(e));
    }
  }

  /** The client sent END_STREAM. */
  onRemoteEnd(): void {
    this.remoteDone = true;
    if (this.localDone) return;
    if (this.msgLen >= 0 || this.prefixFill > 0) {
      this.fail({ code: Status.INTERNAL, message: 'grpc: client half-closed in the middle of a message' });
      return;
    }
    const route = this.route!;
    if (route.kind !== 'stream') {
      if (this.request === null) {
        this.fail({ code: Status.INTERNAL, message: 'grpc: no request message for a unary RPC' });
        return;
      }
      const req = this.request;
      this.request = null;
      this.counts = route.counts;
      route.counts.started++;
      if (route.kind === 'unary') this.callUnaryHandler(route.handler, req);
      else this.callUnaryCallHandler(route.handler, req);
      return;
    }
    if (this.halfCloseCb !== null) this.safe(this.halfCloseCb);
  }

  /** The stream is gone (client RST_STREAM, connection closed, server shutdown). */
  onClosed(): void {
    this.closed = true;
    if (this.msgLen >= 0) this.releasePartial();
    if (!this.localDone) this.fireCancel();
  }

  // ------------------------------------------------------------ handlers

  private callUnaryHandler(h: UnaryHandler, req: Buffer): void {
    let res: Uint8Array | Promise<Uint8Array>;
    try {
      res = h(req, this);
    } catch (e) {
      this.reject(e);
      return;
    }
    if (res instanceof Uint8Array) this.respond(res);
    else if (res !== null && typeof res === 'object' && typeof res.then === 'function') {
      // The callbacks never throw (respond/reject catch), so no rejection goes unhandled.
      Promise.resolve(res).then(
        (r) => this.respond(r),
        (e: unknown) => this.reject(e),
      );
    } else this.reject(new GrpcError(Status.INTERNAL, 'grpc: handler returned no message'));
  }

  private callUnaryCallHandler(h: UnaryCallHandler, req: Buffer): void {
    try {
      h(req, this);
    } catch (e) {
      this.reject(e);
    }
  }

  reject(e: unknown): void {
    if (this.answered) return;
    this.answered = true;
    const st = statusOf(e);
    const c = this.counts;
    if (c !== null) c.failed.set(st.code, (c.failed.get(st.code) ?? 0) + 1);
    try {
      this.end(st);
    } catch {
      this.conn.internalError();
    }
  }

  respond(r: Uint8Array): void {
    if (this.answered) return;
    this.answered = true;
    if (this.counts !== null) this.counts.ok++;
    if (this.localDone || this.closed) return;
    try {
      if (!(r instanceof Uint8Array)) {
        this.end({ code: Status.INTERNAL, message: 'grpc: handler returned no message' });
        return;
      }
      this.send(r);
      this.end(OK);
    } catch {
      this.conn.internalError();
    }
  }

  private callStreamHandler(h: StreamHandler): void {
    try {
      h(this);
    } catch (e) {
      this.fail(statusOf(e));
    }
  }

  get streaming(): boolean {
    return this.route !== undefined && this.route.kind === 'stream';
  }

  /** Ends the call from the server side (error, shutdown) and tells the handler it is over. */
  abort(st: CallStatus): void {
    this.fail(st);
  }

  private fail(st: CallStatus): void {
    if (this.msgLen >= 0) this.releasePartial();
    if (this.localDone) return;
    this.end(st);
    this.fireCancel();
  }

  private fireCancel(): void {
    if (this.cancelFired) return;
    this.cancelFired = true;
    const cbs = this.cancelCbs;
    this.cancelCbs = null;
    if (cbs !== null) for (const cb of cbs) this.safe(cb);
  }

  private safe(cb: Noop): void {
    try {
      cb();
    } catch (e) {
      this.fail(statusOf(e));
    }
  }

  // ------------------------------------------------------------ ServerCall

  onMessage(cb: (msg: Uint8Array) => void): void {
    this.messageCb = cb;
    const early = this.early;
    if (early !== null) {
      this.early = null;
      for (const m of early) {
        if (this.localDone) break;
        try {
          cb(m);
        } catch (e) {
          this.fail(statusOf(e));
        }
      }
    }
  }

  onHalfClose(cb: () => void): void {
    this.halfCloseCb = cb;
    if (this.remoteDone && !this.localDone) this.safe(cb);
  }

  onCancel(cb: () => void): void {
    if (this.cancelFired) {
      queueMicrotask(cb);
      return;
    }
    (this.cancelCbs ??= []).push(cb);
  }

  onDrain(cb: () => void): void {
    this.drainCb = cb;
  }

  /** Called by the connection when the queue emptied after send() said false. */
  drained(): void {
    this.needDrain = false;
    if (this.drainCb !== null) this.safe(this.drainCb);
  }

  send(msg: Uint8Array): boolean {
    if (this.localDone || this.closed) return false;
    const b = Buffer.isBuffer(msg) ? msg : Buffer.from(msg.buffer, msg.byteOffset, msg.byteLength);
    this.conn.sendMessage(this, b);
    if (this.bufferedBytes >= SEND_HIGH_WATER) {
      this.needDrain = true;
      return false;
    }
    return true;
  }

  sendParts(parts: readonly Buffer[], length: number): boolean {
    if (this.localDone || this.closed) return false;
    this.conn.sendParts(this, parts, length);
    if (this.bufferedBytes >= SEND_HIGH_WATER) {
      this.needDrain = true;
      return false;
    }
    return true;
  }

  end(status?: CallStatus): void {
    if (this.localDone || this.closed) return;
    this.localDone = true;
    this.conn.endStream(this, status ?? OK);
  }
}

function isGrpcContentType(ct: string): boolean {
  // "application/grpc", "application/grpc+proto", "application/grpc;..." (grpc-go's rule)
  if (!ct.startsWith('application/grpc')) return false;
  if (ct.length === 16) return true;
  const c = ct.charCodeAt(16);
  return c === 43 /* + */ || c === 59 /* ; */;
}
