/**
 * Protobuf wire primitives: a cursor over a byte range and a growable writer. Errors use the
 * wording of gogo-protobuf's generated unmarshallers, which kube-apiserver passes on verbatim.
 */

/** A body kube's protobuf decoding rejects; `message` is the decoder's own error text. */
export class ProtobufError extends Error {
  /** The group/version/kind read from the envelope, when decoding got that far. */
  readonly apiVersion?: string;
  readonly kind?: string;
  constructor(message: string, gvk?: { apiVersion: string; kind: string }) {
    super(message);
    this.name = "ProtobufError";
    if (gvk) {
      this.apiVersion = gvk.apiVersion;
      this.kind = gvk.kind;
    }
  }
}

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_BYTES = 2;
export const WIRE_FIXED32 = 5;

const unexpectedEOF = "unexpected EOF";
const TWO32 = 4294967296;

export class Reader {
  pos: number;
  constructor(
    readonly buf: Uint8Array,
    start: number,
    readonly end: number,
  ) {
    this.pos = start;
  }

  /** A varint's low and high 32-bit halves, packed in `hi` (returned) and `lo` (this.lo). */
  lo = 0;
  private varint64(): number {
    const buf = this.buf;
    let lo = 0;
    let hi = 0;
    let shift = 0;
    for (;;) {
      if (this.pos >= this.end) throw new ProtobufError(unexpectedEOF);
      const b = buf[this.pos++]!;
      if (shift < 28) lo |= (b & 0x7f) << shift;
      else if (shift === 28) {
        lo |= (b & 0x0f) << 28;
        hi = (b & 0x7f) >> 4;
      } else if (shift < 64) hi |= (b & 0x7f) << (shift - 32);
      else throw new ProtobufError("proto: integer overflow");
      if (b < 0x80) break;
      shift += 7;
    }
    this.lo = lo >>> 0;
    return hi;
  }

  /** An unsigned varint that must fit a length or tag (< 2^31). */
  uint(): number {
    const buf = this.buf;
    if (this.pos < this.end) {
      const b = buf[this.pos]!;
      if (b < 0x80) {
        this.pos++;
        return b;
      }
    }
    const hi = this.varint64();
    if (hi < 0) throw new ProtobufError("proto: negative length found during unmarshaling");
    if (hi !== 0 || this.lo > 0x7fffffff) throw new ProtobufError(unexpectedEOF);
    return this.lo;
  }

  int32(): number {
    const buf = this.buf;
    if (this.pos < this.end && buf[this.pos]! < 0x80) return buf[this.pos++]!;
    this.varint64();
    return this.lo | 0;
  }

  /** int64 as a JS number (exact up to 2^53). */
  int64(): number {
    const buf = this.buf;
    if (this.pos < this.end && buf[this.pos]! < 0x80) return buf[this.pos++]!;
    const hi = this.varint64();
    return (hi | 0) * TWO32 + this.lo;
  }

  /** int64 exactly, for durations in nanoseconds. */
  bigint64(): bigint {
    const hi = this.varint64();
    return BigInt.asIntN(64, (BigInt(hi >>> 0) << 32n) | BigInt(this.lo));
  }

  bool(): boolean {
    const hi = this.varint64();
    return hi !== 0 || this.lo !== 0;
  }

  double(): number {
    if (this.pos + 8 > this.end) throw new ProtobufError(unexpectedEOF);
    const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 8).getFloat64(0, true);
    this.pos += 8;
    return v;
  }

  /** A length-delimited field: returns its end; its start is this.pos afterwards. */
  delimited(): number {
    const len = this.uint();
    const end = this.pos + len;
    if (end > this.end) throw new ProtobufError(unexpectedEOF);
    return end;
  }

  string(): string {
    const end = this.delimited();
    const s = utf8(this.buf, this.pos, end);
    this.pos = end;
    return s;
  }

  bytes(): Uint8Array {
    const end = this.delimited();
    const b = this.buf.subarray(this.pos, end);
    this.pos = end;
    return b;
  }

  skip(wire: number): void {
    switch (wire) {
      case WIRE_VARINT:
        this.varint64();
        return;
      case WIRE_FIXED64:
        this.pos += 8;
        break;
      case WIRE_BYTES:
        this.pos = this.delimited();
        return;
      case WIRE_FIXED32:
        this.pos += 4;
        break;
      default:
        throw new ProtobufError(`proto: illegal wireType ${wire}`);
    }
    if (this.pos > this.end) throw new ProtobufError(unexpectedEOF);
  }
}

const textDecoder = new TextDecoder();

/** UTF-8 to string; short ASCII runs skip TextDecoder, which costs more than it saves there. */
export function utf8(buf: Uint8Array, start: number, end: number): string {
  if (end - start < 64) {
    let s = "";
    for (let i = start; i < end; i++) {
      const c = buf[i]!;
      if (c >= 0x80) return textDecoder.decode(buf.subarray(start, end));
      s += String.fromCharCode(c);
    }
    return s;
  }
  return textDecoder.decode(buf.subarray(start, end));
}

const textEncoder = new TextEncoder();

export class Writer {
  buf: Uint8Array;
  pos = 0;
  constructor(size = 256) {
    this.buf = new Uint8Array(size);
  }

  private grow(need: number): void {
    if (this.pos + need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  byte(b: number): void {
    this.grow(1);
    this.buf[this.pos++] = b;
  }

  raw(bytes: Uint8Array): void {
    this.grow(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  tag(num: number, wire: number): void {
    this.uint(num * 8 + wire);
  }

  /** A non-negative integer below 2^53. */
  uint(v: number): void {
    this.grow(10);
    const buf = this.buf;
    while (v > 0x7f) {
      buf[this.pos++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    buf[this.pos++] = v;
  }

  /** Any int32/int64 value: negatives take ten bytes (two's complement), as Go writes them. */
  int(v: number): void {
    if (v >= 0 && v <= Number.MAX_SAFE_INTEGER) this.uint(v);
    else this.bigint(BigInt(Math.trunc(v)));
  }

  bigint(v: bigint): void {
    let u = BigInt.asUintN(64, v);
    this.grow(10);
    while (u > 0x7fn) {
      this.buf[this.pos++] = Number(u & 0x7fn) | 0x80;
      u >>= 7n;
    }
    this.buf[this.pos++] = Number(u);
  }

  double(v: number): void {
    this.grow(8);
    new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 8).setFloat64(0, v, true);
    this.pos += 8;
  }

  string(s: string): void {
    // Worst case three bytes per UTF-16 unit; reserve a one-byte length and fix it up.
    if (s.length < 128) {
      let ascii = true;
      for (let i = 0; i < s.length; i++) {
        if (s.charCodeAt(i) >= 0x80) {
          ascii = false;
          break;
        }
      }
      if (ascii) {
        this.grow(1 + s.length);
        const buf = this.buf;
        buf[this.pos++] = s.length;
        for (let i = 0; i < s.length; i++) buf[this.pos++] = s.charCodeAt(i);
        return;
      }
    }
    this.bytes(textEncoder.encode(s));
  }

  bytes(b: Uint8Array): void {
    this.uint(b.length);
    this.raw(b);
  }

  /** Starts a length-delimited field; `endDelimited` writes its length in front of it. */
  beginDelimited(): number {
    this.grow(1);
    return this.pos++;
  }

  endDelimited(mark: number): void {
    const len = this.pos - mark - 1;
    if (len < 0x80) {
      this.buf[mark] = len;
      return;
    }
    let size = 1;
    for (let v = len; v > 0x7f; v = Math.floor(v / 128)) size++;
    this.grow(size - 1);
    this.buf.copyWithin(mark + size, mark + 1, this.pos);
    this.pos += size - 1;
    let p = mark;
    let v = len;
    while (v > 0x7f) {
      this.buf[p++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[p] = v;
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}
