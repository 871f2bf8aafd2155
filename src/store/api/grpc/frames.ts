// HTTP/2 frame constants (RFC 9113) and the output writer that batches frames into a few
// large socket writes.

export const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

export const FrameType = {
  DATA: 0x0,
  HEADERS: 0x1,
  PRIORITY: 0x2,
  RST_STREAM: 0x3,
  SETTINGS: 0x4,
  PUSH_PROMISE: 0x5,
  PING: 0x6,
  GOAWAY: 0x7,
  WINDOW_UPDATE: 0x8,
  CONTINUATION: 0x9,
} as const;

export const Flag = {
  END_STREAM: 0x1,
  ACK: 0x1,
  END_HEADERS: 0x4,
  PADDED: 0x8,
  PRIORITY: 0x20,
} as const;

export const H2Error = {
  NO_ERROR: 0x0,
  PROTOCOL_ERROR: 0x1,
  INTERNAL_ERROR: 0x2,
  FLOW_CONTROL_ERROR: 0x3,
  SETTINGS_TIMEOUT: 0x4,
  STREAM_CLOSED: 0x5,
  FRAME_SIZE_ERROR: 0x6,
  REFUSED_STREAM: 0x7,
  CANCEL: 0x8,
  COMPRESSION_ERROR: 0x9,
  CONNECT_ERROR: 0xa,
  ENHANCE_YOUR_CALM: 0xb,
  INADEQUATE_SECURITY: 0xc,
  HTTP_1_1_REQUIRED: 0xd,
} as const;

export const Setting = {
  HEADER_TABLE_SIZE: 0x1,
  ENABLE_PUSH: 0x2,
  MAX_CONCURRENT_STREAMS: 0x3,
  INITIAL_WINDOW_SIZE: 0x4,
  MAX_FRAME_SIZE: 0x5,
  MAX_HEADER_LIST_SIZE: 0x6,
} as const;

export const DEFAULT_WINDOW = 65535;
export const MAX_WINDOW = 0x7fffffff;
export const DEFAULT_MAX_FRAME = 16384;

/** Slabs are allocated on demand, so an idle connection holds at most one partly used slab. */
const SLAB = 16 * 1024;
const NO_SLAB = Buffer.alloc(0);
/** Payloads up to this size are copied into the slab; larger ones are queued by reference. */
const COPY_MAX = 2048;

/** Used-up slabs kept per connection for reuse once the socket has written them. */
const FREE_SLABS = 8;

/**
 * Accumulates outgoing frames. Small pieces are copied into a slab (a new one once full), large
 * payloads are queued as references. `take()` returns the chunks to write, in order. Regions
 * handed out are not written again until the socket is done with them: a used-up slab is
 * reused only after `recycle()` (the write of the take that followed its last region), so a
 * busy connection writes into a few slabs instead of allocating ~2,000 a second (as garbage in
 * external memory, they made V8 mark and compact the whole heap every second or so, a pause in
 * every watcher's latency).
 */
export class Writer {
  private slab: Buffer = NO_SLAB;
  private start = 0;
  private pos = 0;
  private chunks: Buffer[] = [];
  /** Used-up slabs whose last regions have not been taken yet. */
  private retired: Buffer[] = [];
  private free: Buffer[] = [];
  /** Bytes accumulated and not yet taken. */
  pending = 0;

  private ensure(n: number): Buffer {
    if (this.slab.length - this.pos < n) {
      this.cut();
      if (this.slab.length === SLAB) this.retired.push(this.slab);
      this.slab = n <= SLAB ? (this.free.pop() ?? Buffer.allocUnsafeSlow(SLAB)) : Buffer.allocUnsafe(n);
      this.start = 0;
      this.pos = 0;
    }
    return this.slab;
  }

  private cut(): void {
    if (this.pos > this.start) {
      this.chunks.push(this.slab.subarray(this.start, this.pos));
      this.start = this.pos;
    }
  }

  frameHeader(len: number, type: number, flags: number, id: number): void {
    const s = this.ensure(9);
    let p = this.pos;
    s[p++] = len >>> 16;
    s[p++] = (len >>> 8) & 0xff;
    s[p++] = len & 0xff;
    s[p++] = type;
    s[p++] = flags;
    s[p++] = (id >>> 24) & 0x7f;
    s[p++] = (id >>> 16) & 0xff;
    s[p++] = (id >>> 8) & 0xff;
    s[p++] = id & 0xff;
    this.pos = p;
    this.pending += 9;
  }

  u16(v: number): void {
    const s = this.ensure(2);
    s.writeUInt16BE(v, this.pos);
    this.pos += 2;
    this.pending += 2;
  }

  u32(v: number): void {
    const s = this.ensure(4);
    s.writeUInt32BE(v >>> 0, this.pos);
    this.pos += 4;
    this.pending += 4;
  }

  /** The 5-byte gRPC message prefix (uncompressed), or the part of it from `from`. */
  grpcPrefix(len: number, from: number, to: number): void {
    const s = this.ensure(5);
    for (let i = from; i < to; i++) s[this.pos++] = i === 0 ? 0 : (len >>> (8 * (4 - i))) & 0xff;
    this.pending += to - from;
  }

  bytes(b: Buffer, from: number, to: number): void {
    const n = to - from;
    if (n <= 0) return;
    this.pending += n;
    if (n <= COPY_MAX) {
      const s = this.ensure(n);
      b.copy(s, this.pos, from, to);
      this.pos += n;
      return;
    }
    this.cut();
    this.chunks.push(from === 0 && to === b.length ? b : b.subarray(from, to));
  }

  /** Takes everything written so far. */
  take(): Buffer[] {
    this.cut();
    const c = this.chunks;
    this.chunks = [];
    this.pending = 0;
    if (this.slab.length - this.pos < 1024) {
      if (this.slab.length === SLAB) this.retired.push(this.slab);
      this.slab = NO_SLAB;
      this.start = 0;
      this.pos = 0;
    }
    return c;
  }

  /**
   * The slabs used up by the last take(): hand them back to recycle() once the socket has
   * written that take's chunks (or drop them).
   */
  takeRetired(): Buffer[] | undefined {
    if (this.retired.length === 0) return undefined;
    const r = this.retired;
    this.retired = [];
    return r;
  }

  recycle(slabs: Buffer[]): void {
    for (const b of slabs) if (this.free.length < FREE_SLABS) this.free.push(b);
  }
}
