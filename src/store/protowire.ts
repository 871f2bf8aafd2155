// Protobuf wire format by hand, for the few messages on the hot paths (stored KeyValues, Range
// responses, watch events): the generic protobuf-es encoder builds an object graph and reflects
// over it, which cost 3x etcd's time on a 100-key Range (bench:store, range-prefix100-c16).

const two64 = 1n << 64n;

export function varintSize(n: number): number {
  let s = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    s++;
  }
  return s;
}

export function bigVarintSize(v: bigint): number {
  if (v < 0n) return 10;
  let s = 1;
  while (v >= 128n) {
    v >>= 7n;
    s++;
  }
  return s;
}

export function writeVarint(buf: Uint8Array, pos: number, n: number): number {
  while (n >= 128) {
    buf[pos++] = (n % 128) | 128;
    n = Math.floor(n / 128);
  }
  buf[pos++] = n;
  return pos;
}

export function writeBigVarint(buf: Uint8Array, pos: number, v: bigint): number {
  if (v < 0n) v += two64;
  while (v >= 128n) {
    buf[pos++] = Number(v & 127n) | 128;
    v >>= 7n;
  }
  buf[pos++] = Number(v);
  return pos;
}

/** Collects fields of one message; `finish()` returns its bytes. */
export class MessageWriter {
  private parts: Uint8Array[] = [];
  private size = 0;

  /** A varint field (int64/uint64/bool/enum); zero is omitted, as proto3 does. */
  varint(field: number, v: number | bigint): this {
    if (v === 0 || v === 0n) return this;
    const big = typeof v === "bigint";
    const b = new Uint8Array(1 + (big ? bigVarintSize(v) : varintSize(v)));
    b[0] = field << 3;
    const end = big ? writeBigVarint(b, 1, v) : writeVarint(b, 1, v);
    return this.push(b.subarray(0, end));
  }

  /** A length-delimited field (bytes, string, embedded message). Empty bytes are omitted. */
  bytes(field: number, data: Uint8Array, keepEmpty = false): this {
    if (data.length === 0 && !keepEmpty) return this;
    const head = new Uint8Array(1 + varintSize(data.length));
    head[0] = (field << 3) | 2;
    writeVarint(head, 1, data.length);
    this.push(head);
    return this.push(data);
  }

  private push(b: Uint8Array): this {
    this.parts.push(b);
    this.size += b.length;
    return this;
  }

  finish(): Uint8Array {
    return Buffer.concat(this.parts, this.size);
  }
}

/**
 * Writes one message into a single growing buffer, copying each field as it comes (for data
 * that is only valid for a moment, such as a value read straight out of LMDB's map).
 */
export class BufferWriter {
  private buf = Buffer.allocUnsafe(4096);
  private pos = 0;

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  varint(field: number, v: number): this {
    if (v === 0) return this;
    this.ensure(11);
    this.buf[this.pos++] = field << 3;
    this.pos = writeVarint(this.buf, this.pos, v);
    return this;
  }

  bytes(field: number, data: Uint8Array): this {
    this.ensure(11 + data.length);
    this.buf[this.pos++] = (field << 3) | 2;
    this.pos = writeVarint(this.buf, this.pos, data.length);
    this.buf.set(data, this.pos);
    this.pos += data.length;
    return this;
  }

  finish(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }
}
