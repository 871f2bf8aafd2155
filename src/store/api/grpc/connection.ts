// One HTTP/2 server connection (RFC 9113) on a raw socket: frame parsing from the socket's
// chunks, HPACK, stream lifecycle, flow control in both directions, and batched writes
// (everything produced in one event-loop turn leaves in one socket write).

import type { Duplex } from 'node:stream';
import { GrpcStream } from './call.js';
import {
  DEFAULT_MAX_FRAME,
  DEFAULT_WINDOW,
  Flag,
  FrameType,
  H2Error,
  MAX_WINDOW,
  PREFACE,
  Setting,
  Writer,
} from './frames.js';
import { encodeHeaders, HpackDecoder, HpackError } from './hpack.js';
import { type CallStatus, percentEncode, Status } from './status.js';
import type { Route } from './types.js';

export interface ConnectionOptions {
  readonly maxReceiveMessageLength: number;
  readonly maxConcurrentStreams: number;
  /** Decoded header list size accepted per request (SETTINGS_MAX_HEADER_LIST_SIZE). */
  readonly maxHeaderListSize: number;
  /** Receive windows granted to the client. */
  readonly streamWindow: number;
  readonly connectionWindow: number;
  /** Queued outgoing message bytes across a connection's streams before it is dropped. */
  readonly maxBufferedBytes: number;
}

/** What a connection needs from the server. */
export interface ConnectionHost {
  readonly opts: ConnectionOptions;
  route(path: string): Route | undefined;
  unknownMethodMessage(path: string): string;
  forget(conn: Http2Connection): void;
}

class ConnectionError extends Error {
  constructor(
    readonly h2code: number,
    message: string,
  ) {
    super(message);
  }
}

/** Our own max frame size: the default, so a bogus length is noticed after 9 bytes. */
const MAX_FRAME = DEFAULT_MAX_FRAME;
/** Stop moving stream data to the socket beyond this many unsent bytes. */
const WRITE_HIGH_WATER = 256 * 1024;
/** Stop reading the socket while this much is waiting to be written (client not reading). */
const READ_PAUSE = 4 * 1024 * 1024;
/** Bytes one stream may write per round when several wait (fairness). */
const QUANTUM = 64 * 1024;

const RESPONSE_HEADERS = encodeHeaders([
  [':status', '200'],
  ['content-type', 'application/grpc'],
]);
const TRAILERS_OK = encodeHeaders([['grpc-status', '0']]);
const TRAILERS_ONLY_OK = encodeHeaders([
  [':status', '200'],
  ['content-type', 'application/grpc'],
  ['grpc-status', '0'],
]);

function trailerBlock(st: CallStatus, withHeaders: boolean, httpStatus: number): Buffer {
  if (st.code === 0 && st.message === '' && httpStatus === 200) return withHeaders ? TRAILERS_ONLY_OK : TRAILERS_OK;
  const f: Array<[string, string]> = [];
  if (withHeaders) f.push([':status', String(httpStatus)], ['content-type', 'application/grpc']);
  f.push(['grpc-status', String(st.code)]);
  if (st.message !== '') f.push(['grpc-message', percentEncode(st.message.length > 8192 ? st.message.slice(0, 8192) : st.message)]);
  return encodeHeaders(f);
}

export class Http2Connection {
  readonly peer: string;
  readonly opts: ConnectionOptions;
  peerInitialWindow = DEFAULT_WINDOW;
  private peerMaxFrame = DEFAULT_MAX_FRAME;
  private sendWindow = DEFAULT_WINDOW;
  private recvWindow: number;
  private recvUnacked = 0;

  private readonly writer = new Writer();
  private readonly hpack = new HpackDecoder();
  private readonly streams = new Map<number, GrpcStream>();
  private lastStreamId = 0;
  private ready: GrpcStream[] = [];
  /** Outgoing message bytes queued across streams. */
  private buffered = 0;
  /** Bytes of messages received in part, across streams (see checkPartialBytes). */
  partialBytes = 0;

  private prefaceLeft = PREFACE.length;
  private gotSettings = false;
  // a frame split across socket reads
  private readonly hdr = Buffer.allocUnsafe(9);
  private hdrFill = 0;
  private frameBuf: Buffer | null = null;
  private frameFill = 0;
  // a header block split into HEADERS + CONTINUATION
  private contId = 0;
  private contFlags = 0;
  private contParts: Buffer[] = [];
  private contLen = 0;

  private flushScheduled = false;
  private readonly flushCb = (): void => this.flush();
  /** No more input is processed (GOAWAY sent or socket gone). */
  private closed = false;
  private destroyed = false;
  private goawaySent = false;
  private paused = false;
  private readonly closedPromise: Promise<void>;
  private resolveClosed!: () => void;

  constructor(
    private readonly socket: Duplex & { remoteAddress?: string; remotePort?: number; setNoDelay?: (b: boolean) => unknown },
    private readonly host: ConnectionHost,
    head?: Buffer,
  ) {
    this.opts = host.opts;
    this.peer = `${socket.remoteAddress ?? ''}:${socket.remotePort ?? ''}`;
    this.recvWindow = this.opts.connectionWindow;
    this.closedPromise = new Promise((r) => (this.resolveClosed = r));
    socket.setNoDelay?.(true);
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('error', () => this.onSocketClose());
    socket.on('close', () => this.onSocketClose());
    socket.on('drain', () => {
      if (this.paused) {
        this.paused = false;
        socket.resume();
      }
      if (this.ready.length > 0) this.scheduleFlush();
    });
    this.writeSettings();
    if (head !== undefined && head.length > 0) this.onData(head);
    else this.scheduleFlush();
  }

  unknownMethodMessage(path: string): string {
    return this.host.unknownMethodMessage(path);
  }

  /** Resolves when the socket has closed. */
  get done(): Promise<void> {
    return this.closedPromise;
  }

  // ------------------------------------------------------------ input

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    try {
      this.parse(chunk);
    } catch (e) {
      try {
        if (e instanceof ConnectionError) this.goaway(e.h2code, e.message);
        else if (e instanceof HpackError) this.goaway(H2Error.COMPRESSION_ERROR, e.message);
        else this.internalError();
      } catch {
        this.socket.destroy();
      }
    }
    // Only when the input left something to send (a request alone usually does not; its answer
    // schedules its own flush).
    if (this.writer.pending > 0 || this.ready.length > 0) this.scheduleFlush();
  }

  private parse(b: Buffer): void {
    let p = 0;
    const n = b.length;
    if (this.prefaceLeft > 0) {
      const off = PREFACE.length - this.prefaceLeft;
      const k = Math.min(this.prefaceLeft, n);
      for (let i = 0; i < k; i++) {
        if (b[i] !== PREFACE[off + i]) throw new ConnectionError(H2Error.PROTOCOL_ERROR, 'bad connection preface');
      }
      this.prefaceLeft -= k;
      p = k;
    }
    while (p < n && !this.closed) {
      if (this.hdrFill > 0) {
        // continue a frame that started in an earlier chunk
        if (this.hdrFill < 9) {
          const k = Math.min(9 - this.hdrFill, n - p);
          b.copy(this.hdr, this.hdrFill, p, p + k);
          this.hdrFill += k;
          p += k;
          if (this.hdrFill < 9) return;
          const len = this.frameLength(this.hdr, 0);
          this.frameBuf = Buffer.allocUnsafe(len);
          this.frameFill = 0;
        }
        const fb = this.frameBuf!;
        const k = Math.min(fb.length - this.frameFill, n - p);
        b.copy(fb, this.frameFill, p, p + k);
        this.frameFill += k;
        p += k;
        if (this.frameFill < fb.length) return;
        this.frameBuf = null;
        this.hdrFill = 0;
        const h = this.hdr;
        this.frame(h[3]!, h[4]!, h.readUInt32BE(5) & 0x7fffffff, fb, 0, fb.length);
        continue;
      }
      if (n - p >= 9) {
        const len = this.frameLength(b, p);
        if (n - p - 9 >= len) {
          this.frame(b[p + 3]!, b[p + 4]!, b.readUInt32BE(p + 5) & 0x7fffffff, b, p + 9, p + 9 + len);
          p += 9 + len;
          continue;
        }
      }
      // keep the start of a frame
      const k = Math.min(9, n - p);
      b.copy(this.hdr, 0, p, p + k);
      this.hdrFill = k;
      p += k;
      if (k === 9) {
        this.frameBuf = Buffer.allocUnsafe(this.frameLength(this.hdr, 0));
        this.frameFill = 0;
        if (p === n && this.frameBuf.length === 0) {
          // zero-length frame whose header ended the chunk
          this.frameBuf = null;
          this.hdrFill = 0;
          const h = this.hdr;
          this.frame(h[3]!, h[4]!, h.readUInt32BE(5) & 0x7fffffff, h, 9, 9);
        }
      }
    }
  }

  private frameLength(b: Buffer, p: number): number {
    const len = (b[p]! << 16) | (b[p + 1]! << 8) | b[p + 2]!;
    if (len > MAX_FRAME) throw new ConnectionError(H2Error.FRAME_SIZE_ERROR, 'frame too large');
    return len;
  }

  private frame(type: number, flags: number, id: number, b: Buffer, start: number, end: number): void {
    if (this.contId !== 0 && type !== FrameType.CONTINUATION) {
      throw new ConnectionError(H2Error.PROTOCOL_ERROR, 'expected CONTINUATION');
    }
    if (!this.gotSettings && type !== FrameType.SETTINGS) {
      throw new ConnectionError(H2Error.PROTOCOL_ERROR, 'first frame must be SETTINGS');
    }
    const len = end - start;
    switch (type) {
      case FrameType.DATA:
        return this.onDataFrame(flags, id, b, start, end);
      case FrameType.HEADERS: {
        if (id === 0 || (id & 1) === 0) throw new ConnectionError(H2Error.PROTOCOL_ERROR, 'bad HEADERS stream id');
        let s = start;
        let e = end;
        if (flags & Flag.PADDED) {
          if (len < 1 || b[s]! >= len) throw new ConnectionError(H2Error.PROTOCOL_ERROR, 'bad padding');
          e -= b[s]!;
          s++;
        }
        if (flags & Flag.PRIORITY) {
          if (e - s < 5) throw new ConnectionError(H2Error.FRAME_SIZE_ERROR, 'short HEADERS');
          s += 5;
        }
        if (flags & Flag.END_HEADERS) return this.onHeaderBlock(id, flags, b, s, e);
        this.contId = id;
        this.contFlags = flags;
        this.contParts = [b.subarray(s, e)];
        this.contLen = e - s;
        return;
      }
      case FrameType.CONTINUATION: {
        if (this.contId === 0 || id !== this.contId) throw new ConnectionError(H2Error.PROTOCOL_ERROR, 'unexpected CONTINUATION');
        this.contLen += len;
        if (this.contLen > this.opts.maxHeaderListSize + 16 * 1024) {
          throw new ConnectionError(H2Error.ENHANCE_YOUR_CALM, 'header block too large');
        }
        this.contParts.push(b.subarray(start, end));
        if (flags & Flag.END_HEADERS) {
          const block = Buffer.concat(this.contParts);
          this.contParts = [];
          this.contId = 0;
          this.onHeaderBlock(id, this.contFlags, block, 0, block.length);
        }
        return;
      }
      case FrameType.PRIORITY:
        if (id === 0) throw new ConnectionError(H2Error.PROTOCOL_ERROR, 'PRIORITY on stream 0');
        if (len !== 5) this.rst(id, H2Error.FRAME_SIZE_ERROR);
        return;
      case FrameType.RST_STREAM: {
        if (id === 0) throw new ConnectionError(H2Error.PROTOCOL_ERROR, 'RST_STREAM on stream 0');
        if (len !== 4) throw new ConnectionError(H2Error.FRAME_SIZE_ERROR, 'bad RST_STREAM');
        if (id > this.lastStreamId) throw new ConnectionError(H2Error.PROTOCOL_ERROR, 'RST_STREAM on idle stream');
        const s = this.streams.get(id);
        if (s !== undefined) this.closeStream(s);
        return;
      }
      case FrameType.SETTINGS:
        return this.onSettings(flags, id, b, start, end);
      case FrameType.PUSH_PROMISE:
        throw new ConnectionError(H2Error.PROTOCOL_ERROR, 'PUSH_PROMISE from client');
      case FrameType.PING:
        if (id !== 0) throw new ConnectionError(H2Error.PROTOCOL_ERROR, 'PING on a stream');
        if (len !== 8) throw new ConnectionError(H2Error.FRAME_SIZE_ERROR, 'bad PING');
        if ((flags & Flag.ACK) === 0) {
          this.writer.frameHeader(8, FrameType.PING, Flag.ACK, 0);
          this.writer.bytes(b, start, end);
        }
        return;
      case FrameType.GOAWAY:
        if (id !== 0) throw new ConnectionError(H2Error.PROTOCOL_ERROR, 'GOAWAY on a stream');
        if (len < 8) throw new ConnectionError(H2Error.FRAME_SIZE_ERROR, 'bad GOAWAY');
        // The client opens no more streams; running ones finish. It closes the socket itself.
        return;
      case FrameType.WINDOW_UPDATE:
        return this.onWindowUpdate(id, b, start, len);
      default:
        return; // unknown frame types are ignored (RFC 9113 4.1)
    }
  }

  private onDataFrame(flags: number, id: number, b: Buffer, start: number, end: number): void {
    if (id === 0) throw new ConnectionError(H2Error.PROTOCOL_ERROR, 'DATA on stream 0');
    const len = end - start;
    this.recvWindow -= len;
    if (this.recvWindow < 0) throw new ConnectionError(H2Error.FLOW_CONTROL_ERROR, 'connection window exceeded');
    // Replenish on receipt: data is handed up at once, nothing waits on us.
    this.recvUnacked += len;
    if (this.recvUnacked >= this.opts.connectionWindow >>> 1) {
      this.writer.frameHeader(4, FrameType.WINDOW_UPDATE, 0, 0);
      this.writer.u32(this.recvUnacked);
      this.recvWindow += this.recvUnacked;
      this.recvUnacked = 0;
    }
    let s0 = start;
    let e0 = end;
    if (flags & Flag.PADDED) {
      if (len < 1 || b[s0]! >= len) throw new ConnectionError(H2Error.PROTOCOL_ERROR, 'bad padding');
      e0 -= b[s0]!;
      s0++;
    }
    const s = this.streams.get(id);
    if (s === undefined) {
      if (id > this.lastStreamId) throw new ConnectionError(H2Error.PROTOCOL_ERROR, 'DATA on idle stream');
      return; // a stream we already closed or reset; its data may still be in flight
    }
    if (s.remoteDone) {
      this.rst(id, H2Error.STREAM_CLOSED);
      return;
    }
    s.recvWindow -= len;
    if (s.recvWindow < 0) {
      this.rst(id, H2Error.FLOW_CONTROL_ERROR);
      return;
    }
    const endStream = (flags & Flag.END_STREAM) !== 0;
    if (!endStream) {
      s.recvUnacked += len;
      if (s.recvUnacked >= this.opts.streamWindow >>> 1) {
        this.writer.frameHeader(4, FrameType.WINDOW_UPDATE, 0, id);
        this.writer.u32(s.recvUnacked);
        s.recvWindow += s.recvUnacked;
        s.recvUnacked = 0;
      }
    }
    if (e0 > s0) s.onData(b, s0, e0);
    if (endStream && !s.closed) s.onRemoteEnd();
  }

  private onHeaderBlock(id: number, flags: number, b: Buffer, start: number, end: number): void {
    const fields: string[] = [];
    // Always decode: the dynamic table must stay in step with the client's encoder.
    const size = this.hpack.decode(b, start, end, fields, this.opts.maxHeaderListSize);
    const endStream = (flags & Flag.END_STREAM) !== 0;
    const existing = this.streams.get(id);
    if (existing !== undefined) {
      // trailers from the client: must end the stream
      if (!endStream || existing.remoteDone) {
        this.rst(id, H2Error.PROTOCOL_ERROR);
        return;
      }
      existing.onRemoteEnd();
      return;
    }
    // A stream we already closed, maybe reset while the client was still sending: ignore.
    if (id <= this.lastStreamId) return;
    this.lastStreamId = id;
    if (this.goawaySent) return; // ignored; the client retries on another connection
    if (size > this.opts.maxHeaderListSize) {
      this.writeRst(id, H2Error.FRAME_SIZE_ERROR);
      return;
    }
    if (this.streams.size >= this.opts.maxConcurrentStreams) {
      this.writeRst(id, H2Error.REFUSED_STREAM);
      return;
    }
    let path = '';
    let method = '';
    let contentType = '';
    let encoding = '';
    for (let i = 0; i < fields.length; i += 2) {
      const k = fields[i]!;
      switch (k) {
        case ':path':
          path = fields[i + 1]!;
          break;
        case ':method':
          method = fields[i + 1]!;
          break;
        case 'content-type':
          contentType = fields[i + 1]!;
          break;
        case 'grpc-encoding':
          encoding = fields[i + 1]!;
          break;
      }
    }
    if (path === '' || method === '') {
      this.writeRst(id, H2Error.PROTOCOL_ERROR); // malformed request (RFC 9113 8.3.1)
      return;
    }
    const s = new GrpcStream(this, id, fields, path, this.host.route(path));
    this.streams.set(id, s);
    s.start(method, contentType, encoding, endStream);
  }

  private onSettings(flags: number, id: number, b: Buffer, start: number, end: number): void {
    if (id !== 0) throw new ConnectionError(H2Error.PROTOCOL_ERROR, 'SETTINGS on a stream');
    const len = end - start;
    if (flags & Flag.ACK) {
      if (len !== 0) throw new ConnectionError(H2Error.FRAME_SIZE_ERROR, 'SETTINGS ACK with payload');
      return;
    }
    if (len % 6 !== 0) throw new ConnectionError(H2Error.FRAME_SIZE_ERROR, 'bad SETTINGS length');
    this.gotSettings = true;
    for (let p = start; p < end; p += 6) {
      const k = b.readUInt16BE(p);
      const v = b.readUInt32BE(p + 2);
      switch (k) {
        case Setting.ENABLE_PUSH:
          if (v > 1) throw new ConnectionError(H2Error.PROTOCOL_ERROR, 'bad ENABLE_PUSH');
          break;
        case Setting.INITIAL_WINDOW_SIZE: {
          if (v > MAX_WINDOW) throw new ConnectionError(H2Error.FLOW_CONTROL_ERROR, 'bad INITIAL_WINDOW_SIZE');
          const delta = v - this.peerInitialWindow;
          this.peerInitialWindow = v;
          for (const s of this.streams.values()) {
            s.sendWindow += delta;
            if (s.sendWindow > MAX_WINDOW) throw new ConnectionError(H2Error.FLOW_CONTROL_ERROR, 'window overflow');
            if (delta > 0 && s.bufferedBytes > 0) this.markReady(s);
          }
          break;
        }
        case Setting.MAX_FRAME_SIZE:
          if (v < DEFAULT_MAX_FRAME || v > 0xffffff) throw new ConnectionError(H2Error.PROTOCOL_ERROR, 'bad MAX_FRAME_SIZE');
          this.peerMaxFrame = v;
          break;
        default:
          // HEADER_TABLE_SIZE: our encoder keeps no table. MAX_CONCURRENT_STREAMS: no push.
          break;
      }
    }
    this.writer.frameHeader(0, FrameType.SETTINGS, Flag.ACK, 0);
  }

  private onWindowUpdate(id: number, b: Buffer, start: number, len: number): void {
    if (len !== 4) throw new ConnectionError(H2Error.FRAME_SIZE_ERROR, 'bad WINDOW_UPDATE');
    const inc = b.readUInt32BE(start) & 0x7fffffff;
    if (id === 0) {
      if (inc === 0) throw new ConnectionError(H2Error.PROTOCOL_ERROR, 'zero WINDOW_UPDATE');
      this.sendWindow += inc;
      if (this.sendWindow > MAX_WINDOW) throw new ConnectionError(H2Error.FLOW_CONTROL_ERROR, 'window overflow');
      return;
    }
    if (id > this.lastStreamId) throw new ConnectionError(H2Error.PROTOCOL_ERROR, 'WINDOW_UPDATE on idle stream');
    const s = this.streams.get(id);
    if (s === undefined) return;
    if (inc === 0) {
      this.rst(id, H2Error.PROTOCOL_ERROR);
      return;
    }
    s.sendWindow += inc;
    if (s.sendWindow > MAX_WINDOW) {
      this.rst(id, H2Error.FLOW_CONTROL_ERROR);
      return;
    }
    if (s.bufferedBytes > 0) this.markReady(s);
  }

  // ------------------------------------------------------------ output for streams

  private writeSettings(): void {
    const w = this.writer;
    w.frameHeader(18, FrameType.SETTINGS, 0, 0);
    w.u16(Setting.MAX_CONCURRENT_STREAMS);
    w.u32(this.opts.maxConcurrentStreams);
    w.u16(Setting.INITIAL_WINDOW_SIZE);
    w.u32(this.opts.streamWindow);
    w.u16(Setting.MAX_HEADER_LIST_SIZE);
    w.u32(this.opts.maxHeaderListSize);
    if (this.opts.connectionWindow > DEFAULT_WINDOW) {
      w.frameHeader(4, FrameType.WINDOW_UPDATE, 0, 0);
      w.u32(this.opts.connectionWindow - DEFAULT_WINDOW);
    }
  }

  private writeHeaders(s: GrpcStream): void {
    s.headersSent = true;
    this.writer.frameHeader(RESPONSE_HEADERS.length, FrameType.HEADERS, Flag.END_HEADERS, s.id);
    this.writer.bytes(RESPONSE_HEADERS, 0, RESPONSE_HEADERS.length);
  }

  /** Queues one message on a stream and writes what the windows allow. */
  sendMessage(s: GrpcStream, msg: Buffer): void {
    if (this.closed) return;
    if (!s.headersSent) this.writeHeaders(s);
    s.queue.push(msg);
    const n = 5 + msg.length;
    s.bufferedBytes += n;
    this.buffered += n;
    if (this.buffered > this.opts.maxBufferedBytes) {
      this.goaway(H2Error.ENHANCE_YOUR_CALM, 'too much data queued for a slow client');
      return;
    }
    if (!s.inReady) this.pump(s, Infinity);
    this.scheduleFlush();
  }

  /**
   * sendMessage of `parts` joined: written straight into one DATA frame when nothing of the
   * stream waits and the windows and frame size allow (no message buffer is made), else joined
   * and queued.
   */
  sendParts(s: GrpcStream, parts: readonly Buffer[], length: number): void {
    if (this.closed) return;
    const n = 5 + length;
    if (s.bufferedBytes > 0 || n > this.sendWindow || n > s.sendWindow || n > this.peerMaxFrame || !this.canWrite()) {
      this.sendMessage(s, Buffer.concat(parts, length));
      return;
    }
    if (!s.headersSent) this.writeHeaders(s);
    const w = this.writer;
    w.frameHeader(n, FrameType.DATA, 0, s.id);
    w.grpcPrefix(length, 0, 5);
    for (const p of parts) w.bytes(p, 0, p.length);
    this.sendWindow -= n;
    s.sendWindow -= n;
    this.scheduleFlush();
  }

  /** The call ended: trailers now, or after the queued data. */
  endStream(s: GrpcStream, st: CallStatus): void {
    if (this.closed) return;
    s.trailers = st;
    if (s.bufferedBytes === 0) this.writeTrailers(s);
    this.scheduleFlush();
  }

  /** A trailers-only answer with a non-200 HTTP status (bad content-type or method). */
  trailersOnly(s: GrpcStream, st: CallStatus, httpStatus: number): void {
    s.localDone = true;
    this.writeBlock(s.id, trailerBlock(st, true, httpStatus), true);
    this.retireAfterTrailers(s);
  }

  private writeTrailers(s: GrpcStream): void {
    const st = s.trailers!;
    s.trailers = null;
    const block = trailerBlock(st, !s.headersSent, 200);
    s.headersSent = true;
    this.writeBlock(s.id, block, true);
    this.retireAfterTrailers(s);
  }

  private writeBlock(id: number, block: Buffer, endStream: boolean): void {
    const w = this.writer;
    const max = this.peerMaxFrame;
    const es = endStream ? Flag.END_STREAM : 0;
    if (block.length <= max) {
      w.frameHeader(block.length, FrameType.HEADERS, Flag.END_HEADERS | es, id);
      w.bytes(block, 0, block.length);
      return;
    }
    w.frameHeader(max, FrameType.HEADERS, es, id);
    w.bytes(block, 0, max);
    for (let off = max; off < block.length; off += max) {
      const n = Math.min(max, block.length - off);
      w.frameHeader(n, FrameType.CONTINUATION, off + n === block.length ? Flag.END_HEADERS : 0, id);
      w.bytes(block, off, off + n);
    }
  }

  private retireAfterTrailers(s: GrpcStream): void {
    if (!s.remoteDone) {
      // grpc-go does the same: tell the client to stop sending (RFC 9113 8.1)
      this.writeRst(s.id, H2Error.NO_ERROR);
    }
    s.closed = true;
    this.removeStream(s.id);
  }

  private writeRst(id: number, code: number): void {
    this.writer.frameHeader(4, FrameType.RST_STREAM, 0, id);
    this.writer.u32(code);
  }

  /** Stream error: RST_STREAM and cancel the call. */
  private rst(id: number, code: number): void {
    this.writeRst(id, code);
    const s = this.streams.get(id);
    if (s !== undefined) this.closeStream(s);
  }

  private removeStream(id: number): void {
    this.streams.delete(id);
    if (this.streams.size === 0 && this.goawaySent && !this.closed) this.finishClose();
  }

  private closeStream(s: GrpcStream): void {
    this.removeStream(s.id);
    this.buffered -= s.bufferedBytes;
    s.bufferedBytes = 0;
    s.queue = [];
    s.qHead = 0;
    s.qOff = 0;
    s.onClosed();
  }

  /**
   * Parks a stream that has data but no window or socket room. No flush is scheduled here (that
   * would spin while blocked): what frees room (input frames, 'drain') schedules one.
   */
  private markReady(s: GrpcStream): void {
    if (!s.inReady) {
      s.inReady = true;
      this.ready.push(s);
    }
  }

  private canWrite(): boolean {
    return this.writer.pending + this.socket.writableLength < WRITE_HIGH_WATER;
  }

  /** Writes up to `quantum` bytes of a stream's queued data, then its trailers if it drained. */
  private pump(s: GrpcStream, quantum: number): void {
    if (s.closed) return;
    if (s.bufferedBytes > 0) {
      this.writeData(s, quantum);
      if (s.bufferedBytes > 0) {
        this.markReady(s);
        return;
      }
    }
    if (s.trailers !== null) this.writeTrailers(s);
    if (s.needDrain) s.drained();
  }

  private writeData(s: GrpcStream, quantum: number): void {
    const w = this.writer;
    while (s.bufferedBytes > 0 && quantum > 0) {
      let n = Math.min(s.bufferedBytes, this.sendWindow, s.sendWindow, this.peerMaxFrame, quantum);
      if (n <= 0 || !this.canWrite()) return;
      w.frameHeader(n, FrameType.DATA, 0, s.id);
      this.sendWindow -= n;
      s.sendWindow -= n;
      s.bufferedBytes -= n;
      this.buffered -= n;
      quantum -= n;
      while (n > 0) {
        const m = s.queue[s.qHead]!;
        if (s.qOff < 5) {
          const k = Math.min(5 - s.qOff, n);
          w.grpcPrefix(m.length, s.qOff, s.qOff + k);
          s.qOff += k;
          n -= k;
        }
        if (n > 0 && s.qOff - 5 < m.length) {
          const k = Math.min(m.length - (s.qOff - 5), n);
          w.bytes(m, s.qOff - 5, s.qOff - 5 + k);
          s.qOff += k;
          n -= k;
        }
        if (s.qOff === m.length + 5) {
          s.qOff = 0;
          s.qHead++;
          if (s.qHead === s.queue.length) {
            s.queue.length = 0;
            s.qHead = 0;
          } else if (s.qHead > 1024) {
            s.queue = s.queue.slice(s.qHead);
            s.qHead = 0;
          }
        }
      }
    }
  }

  private pumpAll(): void {
    while (this.ready.length > 0 && !this.closed && this.canWrite() && this.sendWindow > 0) {
      const list = this.ready;
      this.ready = [];
      let progress = false;
      for (const s of list) {
        s.inReady = false;
        const before = s.bufferedBytes;
        this.pump(s, QUANTUM);
        if (s.bufferedBytes !== before) progress = true;
      }
      if (!progress) return;
    }
  }

  // ------------------------------------------------------------ flushing and closing

  private scheduleFlush(): void {
    if (!this.flushScheduled && !this.destroyed) {
      this.flushScheduled = true;
      setImmediate(this.flushCb);
    }
  }

  /** A bug of ours, outside input parsing: drop the connection rather than the process. */
  internalError(): void {
    if (this.destroyed) return;
    try {
      this.goaway(H2Error.INTERNAL_ERROR, 'internal error');
    } finally {
      this.socket.destroy();
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.destroyed) return;
    try {
      this.flushNow();
    } catch {
      this.internalError();
    }
  }

  private flushNow(): void {
    if (this.ready.length > 0 && !this.closed) this.pumpAll();
    if (this.writer.pending === 0) return;
    const w = this.writer;
    const chunks = w.take();
    const retired = w.takeRetired();
    // Slabs this write used up are reused once the socket is done with it (writes complete in order).
    const done = retired === undefined ? undefined : (err?: Error | null) => {
      if (!err) w.recycle(retired);
    };
    const sock = this.socket;
    if (chunks.length === 1) sock.write(chunks[0]!, done);
    else {
      sock.cork();
      for (let i = 0; i < chunks.length; i++) sock.write(chunks[i]!, i === chunks.length - 1 ? done : undefined);
      sock.uncork();
    }
    if (!this.paused && sock.writableLength > READ_PAUSE) {
      this.paused = true;
      sock.pause();
    }
  }

  private writeGoaway(code: number, debug: string): void {
    const dbg = Buffer.from(debug.slice(0, 256), 'latin1');
    this.writer.frameHeader(8 + dbg.length, FrameType.GOAWAY, 0, 0);
    this.writer.u32(this.lastStreamId);
    this.writer.u32(code);
    this.writer.bytes(dbg, 0, dbg.length);
  }

  /** Connection error: GOAWAY, cancel every call, end the socket after the flush. */
  goaway(code: number, debug: string): void {
    if (this.closed || this.destroyed) return;
    this.goawaySent = true;
    this.writeGoaway(code, debug);
    this.finishClose();
  }

  /**
   * Server shutdown: GOAWAY(NO_ERROR); streaming calls end with UNAVAILABLE (clients such as
   * clientv3 watch reconnect on that); unary calls in flight get `graceMs` to answer.
   */
  shutdown(graceMs: number): Promise<void> {
    if (!this.goawaySent && !this.closed && !this.destroyed) {
      this.goawaySent = true;
      this.writeGoaway(H2Error.NO_ERROR, 'server shutting down');
      for (const s of [...this.streams.values()]) {
        if (s.streaming) s.abort({ code: Status.UNAVAILABLE, message: 'grpc: the server is shutting down' });
      }
      if (this.streams.size === 0) this.finishClose();
      else {
        this.scheduleFlush();
        setTimeout(() => this.finishClose(), graceMs).unref();
      }
    }
    return this.closedPromise;
  }

  private finishClose(): void {
    if (this.closed || this.destroyed) return;
    this.closed = true;
    this.cancelAll();
    this.flushNow();
    this.socket.end();
    // If the client does not close its side, do not wait for ever.
    setTimeout(() => this.socket.destroy(), 2000).unref();
  }

  /** Bytes of half-received messages across streams are capped: the client must finish them. */
  checkPartialBytes(): void {
    if (this.partialBytes > Math.max(64 * 1024 * 1024, 8 * this.opts.maxReceiveMessageLength)) {
      this.goaway(H2Error.ENHANCE_YOUR_CALM, 'too many partial messages');
    }
  }

  private cancelAll(): void {
    const all = [...this.streams.values()];
    this.streams.clear();
    this.ready = [];
    this.buffered = 0;
    for (const s of all) {
      s.bufferedBytes = 0;
      s.queue = [];
      s.onClosed();
    }
  }

  private onSocketClose(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.closed = true;
    this.cancelAll();
    this.socket.destroy();
    this.host.forget(this);
    this.resolveClosed();
  }
}
