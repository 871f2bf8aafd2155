import { create, fromBinary, toBinary, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { connect, type Socket } from "node:net";
import {
  CompactionRequestSchema, CompactionResponseSchema, DeleteRangeRequestSchema, DeleteRangeResponseSchema,
  LeaseGrantRequestSchema, LeaseGrantResponseSchema, LeaseRevokeRequestSchema, LeaseRevokeResponseSchema,
  PutRequestSchema, PutResponseSchema, RangeRequestSchema, RangeResponseSchema, StatusRequestSchema,
  StatusResponseSchema, TxnRequestSchema, TxnResponseSchema, WatchResponseSchema,
  type WatchResponse,
} from "../api/gen/rpc_pb.js";
import {
  DEFAULT_MAX_FRAME, DEFAULT_WINDOW, Flag, FrameType, H2Error, MAX_WINDOW, PREFACE, Setting, Writer,
} from "../api/grpc/frames.js";
import { encodeHeaders, HpackDecoder } from "../api/grpc/hpack.js";
import { EtcdError, type EtcdClient, type WatchStream } from "./types.js";
import { WatchStreamBase } from "./watchStream.js";

/** gRPC UNAVAILABLE: the connection is gone (callers may retry elsewhere). */
const UNAVAILABLE = 14;
/** Our receive window, per stream and per connection: large, so the server never waits on us. */
const RECV_WINDOW = 16 * 1024 * 1024;
/** Largest message we accept (etcd's default server send limit is math.MaxInt32; be sane). */
const MAX_MESSAGE = 256 * 1024 * 1024;

/**
 * An etcd v3 client over gRPC (h2c with prior knowledge) on one socket; many concurrent calls
 * are multiplexed on it. If the connection dies, pending calls fail with UNAVAILABLE and the
 * next call dials a new one.
 */
export function grpcClient(endpoint: string): EtcdClient {
  const { host, port } = parseEndpoint(endpoint);
  const authority = `${host}:${port}`;
  let conn: Connection | undefined;
  let closed = false;
  const watches = new Set<GrpcWatch>();
  const live = (): Connection => {
    if (closed) throw new EtcdError(1, "grpc: the client connection is closing");
    if (!conn || conn.dead || conn.draining) conn = new Connection(host, port, authority);
    return conn;
  };

  function unary<I extends DescMessage, O extends DescMessage>(path: string, reqSchema: I, respSchema: O) {
    return (req: MessageShape<I>): Promise<MessageShape<O>> =>
      new Promise((resolve, reject) => {
        let payload: Uint8Array;
        try {
          payload = toBinary(reqSchema, req);
          live().unary(path, payload, (err, msg) => {
            if (err) reject(err);
            else if (!msg) reject(new EtcdError(13, "grpc: server sent no response message"));
            else {
              try {
                resolve(fromBinary(respSchema, msg));
              } catch (e) {
                reject(new EtcdError(13, `grpc: failed to decode response: ${(e as Error).message}`));
              }
            }
          });
        } catch (e) {
          reject(e instanceof EtcdError ? e : new EtcdError(13, (e as Error).message));
        }
      });
  }

  const statusReq = create(StatusRequestSchema, {});
  const status = unary("/etcdserverpb.Maintenance/Status", StatusRequestSchema, StatusResponseSchema);
  return {
    range: unary("/etcdserverpb.KV/Range", RangeRequestSchema, RangeResponseSchema),
    put: unary("/etcdserverpb.KV/Put", PutRequestSchema, PutResponseSchema),
    deleteRange: unary("/etcdserverpb.KV/DeleteRange", DeleteRangeRequestSchema, DeleteRangeResponseSchema),
    txn: unary("/etcdserverpb.KV/Txn", TxnRequestSchema, TxnResponseSchema),
    compact: unary("/etcdserverpb.KV/Compact", CompactionRequestSchema, CompactionResponseSchema),
    leaseGrant: unary("/etcdserverpb.Lease/LeaseGrant", LeaseGrantRequestSchema, LeaseGrantResponseSchema),
    leaseRevoke: unary("/etcdserverpb.Lease/LeaseRevoke", LeaseRevokeRequestSchema, LeaseRevokeResponseSchema),
    status: () => status(statusReq),
    watchStream(): WatchStream {
      const w = new GrpcWatch();
      watches.add(w);
      w.onClose(() => watches.delete(w));
      try {
        w.attach(live());
      } catch (e) {
        w.fail(e instanceof EtcdError ? e : new EtcdError(UNAVAILABLE, (e as Error).message));
      }
      return w;
    },
    async close() {
      closed = true;
      // Watches end cleanly (onClose(undefined)), as after their own close().
      for (const w of [...watches]) w.close();
      conn?.shutdown();
    },
  };
}

function parseEndpoint(endpoint: string): { host: string; port: number } {
  let s = endpoint.trim();
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(s);
  if (scheme) {
    if (scheme[1]!.toLowerCase() !== "http") throw new Error(`grpcClient: unsupported scheme in ${endpoint} (only http)`);
    s = s.slice(scheme[0].length);
  }
  s = s.replace(/\/.*$/, "");
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(s) ?? /^([^:]+)(?::(\d+))?$/.exec(s);
  if (!m) throw new Error(`grpcClient: bad endpoint ${endpoint}`);
  return { host: m[1]!, port: m[2] ? Number(m[2]) : 2379 };
}

/** What a stream's owner hears: whole messages, then the end (status from trailers or failure). */
interface StreamSink {
  message(msg: Uint8Array): void;
  end(err: EtcdError | undefined): void;
}

/** One HTTP/2 stream (a call). */
class Stream {
  /** Bytes the server lets us send on this stream. */
  sendWindow: number;
  /** Outgoing DATA not yet sent for lack of window: chunks, and whether END_STREAM follows. */
  pending: Buffer[] = [];
  pendingEnd = false;
  localEnded = false;
  /** Incoming bytes of a message not yet complete. */
  private partial: Buffer[] = [];
  private partialLen = 0;
  /** Received since the last WINDOW_UPDATE for this stream. */
  unacked = 0;
  gotHeaders = false;
  httpStatus = "";
  done = false;

  constructor(readonly id: number, sendWindow: number, readonly sink: StreamSink) {
    this.sendWindow = sendWindow;
  }

  /** Feeds DATA payload; delivers every complete gRPC message. Returns an error to reset with. */
  data(buf: Buffer): EtcdError | undefined {
    if (this.partialLen === 0 && this.partial.length === 0) {
      // Fast path: whole messages within one frame, no copying.
      let p = 0;
      while (buf.length - p >= 5) {
        const len = buf.readUInt32BE(p + 1);
        if (buf.length - p - 5 < len) break;
        if (buf[p] !== 0) return new EtcdError(13, "grpc: compressed messages are not supported");
        this.sink.message(buf.subarray(p + 5, p + 5 + len));
        p += 5 + len;
      }
      if (p === buf.length) return undefined;
      buf = buf.subarray(p);
    }
    this.partial.push(buf);
    this.partialLen += buf.length;
    while (this.partialLen >= 5) {
      let all = this.partial.length === 1 ? this.partial[0]! : Buffer.concat(this.partial, this.partialLen);
      const len = all.readUInt32BE(1);
      if (len > MAX_MESSAGE) return new EtcdError(8, `grpc: received message larger than max (${len} vs. ${MAX_MESSAGE})`);
      if (all[0] !== 0) return new EtcdError(13, "grpc: compressed messages are not supported");
      if (this.partialLen < 5 + len) {
        this.partial = [all];
        return undefined;
      }
      this.sink.message(all.subarray(5, 5 + len));
      all = all.subarray(5 + len);
      this.partial = all.length ? [all] : [];
      this.partialLen = all.length;
    }
    return undefined;
  }

  get incomplete(): boolean {
    return this.partialLen > 0;
  }
}

/** One HTTP/2 connection to the server. */
class Connection {
  /** The socket is gone. */
  dead = false;
  /** GOAWAY received: streams in flight may finish, new ones go to a new connection. */
  draining = false;
  private readonly socket: Socket;
  private readonly out = new Writer();
  private flushScheduled = false;
  private readonly decoder = new HpackDecoder();
  private readonly streams = new Map<number, Stream>();
  private nextId = 1;
  private readonly headerCache = new Map<string, Buffer>();
  // What the server allows us: connection window, initial stream window, frame size.
  private connSendWindow = DEFAULT_WINDOW;
  private peerInitialWindow = DEFAULT_WINDOW;
  private peerMaxFrame = DEFAULT_MAX_FRAME;
  private connUnacked = 0;
  /** Streams with DATA waiting for window, in order. */
  private blocked = new Set<Stream>();
  // Input parsing.
  private inbuf: Buffer = Buffer.alloc(0);
  /** A header block being continued: stream id, end-stream flag, fragments. */
  private cont: { id: number; endStream: boolean; parts: Buffer[] } | undefined;
  private readonly fields: string[] = [];

  constructor(host: string, port: number, private readonly authority: string) {
    this.socket = connect({ host, port, noDelay: true });
    this.socket.on("data", (d: Buffer) => this.onData(d));
    this.socket.on("error", (e) => this.die(new EtcdError(UNAVAILABLE, `connection error: ${e.message}`)));
    this.socket.on("close", () => this.die(new EtcdError(UNAVAILABLE, "connection closed")));
    // Preface, our SETTINGS (no push, big stream windows) and a big connection window.
    const o = this.out;
    o.bytes(PREFACE, 0, PREFACE.length);
    o.frameHeader(12, FrameType.SETTINGS, 0, 0);
    o.u16(Setting.ENABLE_PUSH);
    o.u32(0);
    o.u16(Setting.INITIAL_WINDOW_SIZE);
    o.u32(RECV_WINDOW);
    o.frameHeader(4, FrameType.WINDOW_UPDATE, 0, 0);
    o.u32(RECV_WINDOW - DEFAULT_WINDOW);
    this.scheduleFlush();
  }

  private requestHeaders(path: string): Buffer {
    let h = this.headerCache.get(path);
    if (!h) {
      h = encodeHeaders([
        [":method", "POST"],
        [":scheme", "http"],
        [":path", path],
        [":authority", this.authority],
        ["content-type", "application/grpc"],
        ["te", "trailers"],
        ["user-agent", "kplane-grpc/0.1"],
      ]);
      this.headerCache.set(path, h);
    }
    return h;
  }

  /** Opens a stream and sends its request headers. */
  open(path: string, sink: StreamSink): Stream {
    if (this.dead || this.draining) throw new EtcdError(UNAVAILABLE, "connection closed");
    if (this.nextId > 0x7fffffff - 2) {
      // Out of stream ids: this connection drains, the next call dials anew.
      this.draining = true;
      throw new EtcdError(UNAVAILABLE, "connection out of stream ids");
    }
    const id = this.nextId;
    this.nextId += 2;
    const s = new Stream(id, this.peerInitialWindow, sink);
    this.streams.set(id, s);
    const h = this.requestHeaders(path);
    this.out.frameHeader(h.length, FrameType.HEADERS, Flag.END_HEADERS, id);
    this.out.bytes(h, 0, h.length);
    this.scheduleFlush();
    return s;
  }

  unary(path: string, payload: Uint8Array, cb: (err: EtcdError | undefined, msg: Uint8Array | undefined) => void): void {
    let msg: Uint8Array | undefined;
    let n = 0;
    const s = this.open(path, {
      message: (m) => {
        n++;
        // A view into a socket chunk; Node does not reuse those, so keeping it until the end is safe.
        msg = m;
      },
      end: (err) => {
        if (!err && n !== 1) err = new EtcdError(12, `grpc: expected one response message, got ${n}`);
        cb(err, err ? undefined : msg);
      },
    });
    this.sendMessage(s, payload, true);
  }

  /** Queues one gRPC message on a stream (and END_STREAM if `end`). */
  sendMessage(s: Stream, payload: Uint8Array, end: boolean): void {
    if (s.done || s.localEnded) return;
    const b = Buffer.allocUnsafe(5 + payload.length);
    b[0] = 0;
    b.writeUInt32BE(payload.length, 1);
    b.set(payload, 5);
    s.pending.push(b);
    if (end) this.endLocal(s);
    else this.pump(s);
  }

  /** Half-closes our side. */
  endLocal(s: Stream): void {
    if (s.done || s.localEnded) return;
    s.localEnded = true;
    s.pendingEnd = true;
    this.pump(s);
  }

  /** Sends as much of a stream's pending DATA as the windows allow. */
  private pump(s: Stream): void {
    while (s.pending.length) {
      const b = s.pending[0]!;
      const n = Math.min(b.length, s.sendWindow, this.connSendWindow, this.peerMaxFrame);
      if (n <= 0) {
        this.blocked.add(s);
        this.scheduleFlush();
        return;
      }
      const last = n === b.length && s.pending.length === 1;
      const flags = last && s.pendingEnd ? Flag.END_STREAM : 0;
      this.out.frameHeader(n, FrameType.DATA, flags, s.id);
      this.out.bytes(b, 0, n);
      s.sendWindow -= n;
      this.connSendWindow -= n;
      if (n === b.length) s.pending.shift();
      else s.pending[0] = b.subarray(n);
      if (flags) s.pendingEnd = false;
    }
    if (s.pendingEnd) {
      this.out.frameHeader(0, FrameType.DATA, Flag.END_STREAM, s.id);
      s.pendingEnd = false;
    }
    this.blocked.delete(s);
    this.scheduleFlush();
  }

  private unblock(): void {
    for (const s of [...this.blocked]) {
      if (this.connSendWindow <= 0) return;
      this.pump(s);
    }
  }

  /** Resets a stream (our cancel). */
  reset(s: Stream, code: number): void {
    if (s.done) return;
    s.done = true;
    this.streams.delete(s.id);
    this.blocked.delete(s);
    if (!this.dead) {
      this.out.frameHeader(4, FrameType.RST_STREAM, 0, s.id);
      this.out.u32(code);
      this.scheduleFlush();
    }
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.dead) return;
    this.flushScheduled = true;
    // Coalesce every frame queued in this turn into one writev.
    queueMicrotask(() => {
      this.flushScheduled = false;
      if (this.dead) return;
      const chunks = this.out.take();
      if (!chunks.length) return;
      this.socket.cork();
      for (const c of chunks) this.socket.write(c);
      this.socket.uncork();
    });
  }

  shutdown(): void {
    if (this.dead) return;
    // GOAWAY is a courtesy; the socket closes right after.
    this.out.frameHeader(8, FrameType.GOAWAY, 0, 0);
    this.out.u32(0);
    this.out.u32(H2Error.NO_ERROR);
    const chunks = this.out.take();
    for (const c of chunks) this.socket.write(c);
    this.socket.end();
    this.die(new EtcdError(1, "grpc: the client connection is closing"));
  }

  private die(err: EtcdError): void {
    if (this.dead && this.streams.size === 0) {
      this.socket.destroy();
      return;
    }
    this.dead = true;
    const all = [...this.streams.values()];
    this.streams.clear();
    this.blocked.clear();
    for (const s of all) this.finish(s, err);
    this.socket.destroy();
  }

  /** Connection-level protocol error: tell the server and drop everything. */
  private protocolError(msg: string): void {
    if (!this.dead) {
      this.out.frameHeader(8, FrameType.GOAWAY, 0, 0);
      this.out.u32(0);
      this.out.u32(H2Error.PROTOCOL_ERROR);
      for (const c of this.out.take()) this.socket.write(c);
    }
    this.die(new EtcdError(13, `http2: ${msg}`));
  }

  private finish(s: Stream, err: EtcdError | undefined): void {
    s.done = true;
    this.streams.delete(s.id);
    this.blocked.delete(s);
    s.sink.end(err);
  }

  // ------------------------------------------------------------------ input

  private onData(d: Buffer): void {
    let buf = this.inbuf.length ? Buffer.concat([this.inbuf, d]) : d;
    let p = 0;
    while (buf.length - p >= 9 && !this.dead) {
      const len = (buf[p]! << 16) | (buf[p + 1]! << 8) | buf[p + 2]!;
      if (buf.length - p < 9 + len) break;
      const type = buf[p + 3]!;
      const flags = buf[p + 4]!;
      const id = buf.readUInt32BE(p + 5) & 0x7fffffff;
      this.frame(type, flags, id, buf.subarray(p + 9, p + 9 + len));
      p += 9 + len;
    }
    buf = buf.subarray(p);
    // Keep the remainder only (copied, so a large socket chunk is not pinned by a few bytes).
    this.inbuf = buf.length ? Buffer.from(buf) : Buffer.alloc(0);
  }

  private frame(type: number, flags: number, id: number, payload: Buffer): void {
    if (this.cont && type !== FrameType.CONTINUATION) return this.protocolError("expected CONTINUATION");
    switch (type) {
      case FrameType.DATA:
        return this.onDataFrame(flags, id, payload);
      case FrameType.HEADERS: {
        let start = 0;
        let end = payload.length;
        if (flags & Flag.PADDED) end -= payload[start++]!;
        if (flags & Flag.PRIORITY) start += 5;
        if (end < start) return this.protocolError("bad HEADERS padding");
        const frag = payload.subarray(start, end);
        const endStream = (flags & Flag.END_STREAM) !== 0;
        if (flags & Flag.END_HEADERS) return this.headerBlock(id, endStream, frag);
        this.cont = { id, endStream, parts: [Buffer.from(frag)] };
        return;
      }
      case FrameType.CONTINUATION: {
        if (!this.cont || this.cont.id !== id) return this.protocolError("unexpected CONTINUATION");
        this.cont.parts.push(Buffer.from(payload));
        if (flags & Flag.END_HEADERS) {
          const c = this.cont;
          this.cont = undefined;
          this.headerBlock(c.id, c.endStream, Buffer.concat(c.parts));
        }
        return;
      }
      case FrameType.RST_STREAM: {
        const s = this.streams.get(id);
        if (!s || payload.length < 4) return;
        const code = payload.readUInt32BE(0);
        const g =
          code === H2Error.REFUSED_STREAM ? UNAVAILABLE
          : code === H2Error.CANCEL ? 1
          : code === H2Error.ENHANCE_YOUR_CALM ? 8
          : 13;
        return this.finish(s, new EtcdError(g, `stream terminated by RST_STREAM with error code: ${code}`));
      }
      case FrameType.SETTINGS: {
        if (flags & Flag.ACK) return;
        for (let i = 0; i + 6 <= payload.length; i += 6) {
          const k = payload.readUInt16BE(i);
          const v = payload.readUInt32BE(i + 2);
          if (k === Setting.INITIAL_WINDOW_SIZE) {
            if (v > MAX_WINDOW) return this.protocolError("window too large");
            const delta = v - this.peerInitialWindow;
            this.peerInitialWindow = v;
            for (const s of this.streams.values()) s.sendWindow += delta;
          } else if (k === Setting.MAX_FRAME_SIZE) this.peerMaxFrame = v;
          // HEADER_TABLE_SIZE concerns the server's decoder; we never index, so it is moot.
        }
        this.out.frameHeader(0, FrameType.SETTINGS, Flag.ACK, 0);
        this.scheduleFlush();
        this.unblock();
        return;
      }
      case FrameType.PING:
        if (flags & Flag.ACK || payload.length !== 8) return;
        this.out.frameHeader(8, FrameType.PING, Flag.ACK, 0);
        this.out.bytes(payload, 0, 8);
        this.scheduleFlush();
        return;
      case FrameType.GOAWAY: {
        if (payload.length < 8) return this.protocolError("short GOAWAY");
        const last = payload.readUInt32BE(0) & 0x7fffffff;
        const code = payload.readUInt32BE(4);
        const debug = payload.subarray(8).toString("latin1");
        // No new streams here; streams the server never saw fail now (safe to retry elsewhere),
        // the rest may still complete.
        this.draining = true;
        const err = new EtcdError(UNAVAILABLE, `the server sent GOAWAY (code ${code}${debug ? `, ${debug}` : ""})`);
        for (const s of [...this.streams.values()]) if (s.id > last || code !== H2Error.NO_ERROR) this.finish(s, err);
        if (this.streams.size === 0) this.socket.end();
        return;
      }
      case FrameType.WINDOW_UPDATE: {
        if (payload.length < 4) return;
        const inc = payload.readUInt32BE(0) & 0x7fffffff;
        if (id === 0) {
          this.connSendWindow += inc;
          this.unblock();
        } else {
          const s = this.streams.get(id);
          if (s) {
            s.sendWindow += inc;
            if (s.pending.length || s.pendingEnd) this.pump(s);
          }
        }
        return;
      }
      default:
        return; // PRIORITY, unknown: ignored; PUSH_PROMISE never comes (push disabled)
    }
  }

  private onDataFrame(flags: number, id: number, payload: Buffer): void {
    // Flow control counts the whole frame, padding included.
    this.connUnacked += payload.length;
    if (this.connUnacked >= RECV_WINDOW / 2) {
      this.out.frameHeader(4, FrameType.WINDOW_UPDATE, 0, 0);
      this.out.u32(this.connUnacked);
      this.connUnacked = 0;
      this.scheduleFlush();
    }
    const s = this.streams.get(id);
    if (!s) return; // a stream we reset or failed; its bytes are already counted above
    let start = 0;
    let end = payload.length;
    if (flags & Flag.PADDED) end -= payload[start++]!;
    if (end < start) return this.protocolError("bad DATA padding");
    s.unacked += payload.length;
    const endStream = (flags & Flag.END_STREAM) !== 0;
    if (!endStream && s.unacked >= RECV_WINDOW / 2) {
      this.out.frameHeader(4, FrameType.WINDOW_UPDATE, 0, id);
      this.out.u32(s.unacked);
      s.unacked = 0;
      this.scheduleFlush();
    }
    if (!s.gotHeaders) return this.failStream(s, new EtcdError(13, "grpc: DATA before response headers"));
    const err = s.data(payload.subarray(start, end));
    if (err) return this.failStream(s, err);
    if (endStream && !s.done) this.finish(s, new EtcdError(13, "grpc: server closed the stream without sending trailers"));
  }

  private failStream(s: Stream, err: EtcdError): void {
    this.reset(s, H2Error.CANCEL);
    s.sink.end(err);
  }

  private headerBlock(id: number, endStream: boolean, block: Buffer): void {
    const f = this.fields;
    f.length = 0;
    try {
      this.decoder.decode(block, 0, block.length, f);
    } catch (e) {
      // The shared HPACK table is now unknown: the connection cannot continue.
      return this.protocolError(`header decoding failed: ${(e as Error).message}`);
    }
    const s = this.streams.get(id);
    if (!s || s.done) return;
    let grpcStatus: string | undefined;
    let grpcMessage = "";
    for (let i = 0; i < f.length; i += 2) {
      const n = f[i]!;
      if (n === ":status") s.httpStatus = f[i + 1]!;
      else if (n === "grpc-status") grpcStatus = f[i + 1]!;
      else if (n === "grpc-message") grpcMessage = percentDecode(f[i + 1]!);
    }
    const first = !s.gotHeaders;
    s.gotHeaders = true;
    if (!endStream) {
      if (!first) this.failStream(s, new EtcdError(13, "grpc: unexpected second header block"));
      else if (s.httpStatus !== "200") this.failStream(s, httpError(s.httpStatus));
      return;
    }
    // Trailers (or trailers-only).
    if (first && s.httpStatus !== "" && s.httpStatus !== "200" && grpcStatus === undefined) {
      return this.finish(s, httpError(s.httpStatus));
    }
    if (grpcStatus === undefined) return this.finish(s, new EtcdError(13, "grpc: missing grpc-status in trailers"));
    const code = Number(grpcStatus);
    if (!Number.isInteger(code)) return this.finish(s, new EtcdError(13, `grpc: bad grpc-status ${grpcStatus}`));
    if (code === 0 && s.incomplete) return this.finish(s, new EtcdError(13, "grpc: stream ended inside a message"));
    this.finish(s, code === 0 ? undefined : new EtcdError(code, grpcMessage));
  }
}

/** gRPC's mapping of HTTP statuses for responses that carry no grpc-status. */
function httpError(status: string): EtcdError {
  const code =
    status === "400" ? 13
    : status === "401" ? 16
    : status === "403" ? 7
    : status === "404" ? 12
    : status === "429" || status === "502" || status === "503" || status === "504" ? UNAVAILABLE
    : 2;
  return new EtcdError(code, `grpc: unexpected HTTP status code ${status}`);
}

/** grpc-message is percent-encoded UTF-8 (gRPC over HTTP/2 spec). Bad escapes are kept as is. */
function percentDecode(s: string): string {
  if (!s.includes("%")) return s;
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25 && i + 2 < s.length && /^[0-9a-fA-F]{2}$/.test(s.slice(i + 1, i + 3))) {
      bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(c & 0xff);
  }
  return Buffer.from(bytes).toString("utf8");
}

/** A Watch bidi stream on a connection. */
class GrpcWatch extends WatchStreamBase {
  private conn: Connection | undefined;
  private stream: Stream | undefined;
  private closers: Array<(err: EtcdError | undefined) => void> = [];
  private closed = false;
  private closeErr: EtcdError | undefined;

  attach(conn: Connection): void {
    this.conn = conn;
    this.stream = conn.open("/etcdserverpb.Watch/Watch", {
      message: (m) => {
        let resp: WatchResponse;
        try {
          resp = fromBinary(WatchResponseSchema, m);
        } catch (e) {
          this.conn?.reset(this.stream!, H2Error.CANCEL);
          this.fail(new EtcdError(13, `grpc: failed to decode watch response: ${(e as Error).message}`));
          return;
        }
        this.deliver(resp);
      },
      end: (err) => this.fail(err),
    });
  }

  protected sendRequest(bytes: Uint8Array): void {
    if (this.closed || !this.conn || !this.stream) return;
    this.conn.sendMessage(this.stream, bytes, false);
  }

  onClose(fn: (err: EtcdError | undefined) => void): void {
    // A stream that already failed (e.g. could not connect) still reports it.
    if (this.closed) queueMicrotask(() => fn(this.closeErr));
    else this.closers.push(fn);
  }

  close(): void {
    if (this.closed) return;
    if (this.conn && this.stream) this.conn.reset(this.stream, H2Error.CANCEL);
    this.fail(undefined);
  }

  /** The stream ended: from the server's trailers, a broken connection, or close(). */
  fail(err: EtcdError | undefined): void {
    if (this.closed) return;
    this.closed = true;
    this.closeErr = err;
    const cs = this.closers;
    this.closers = [];
    queueMicrotask(() => cs.forEach((f) => f(err)));
  }
}
