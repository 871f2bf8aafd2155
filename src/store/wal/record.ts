// On-disk record framing of a WAL segment, and the binary codecs of the record payloads.
//
// A record, starting at an 8-byte aligned offset:
//   0  u32 LE  payload length
//   4  u8      record type (1..5); 0 never occurs in a written header
//   5  u24 LE  header check: crc32c(bytes 0..5) & 0xffffff ^ HEADER_SALT. A damaged length is
//              caught here, so it cannot pass for a record that runs off the end of the file.
//   8  u32 LE  chained CRC-32C: crc32c(seed = previous record's CRC, bytes 0..8 ++ payload)
//   12 payload, then zero padding to the next multiple of 8
// Twelve zero bytes where a header should be mean "end of log": segments are preallocated with
// zeros. A segment opens with a crc record whose payload is the chain CRC it continues from.

import type { Entry, EntryType, HardState } from "../raft/types.js";
import { crc32c } from "./crc32c.js";
import { WalError } from "./errors.js";

export const RecordType = {
  metadata: 1,
  entry: 2,
  state: 3,
  crc: 4,
  snapshot: 5,
} as const;
export type RecordTypeCode = (typeof RecordType)[keyof typeof RecordType];

export const HEADER_SIZE = 12;
const HEADER_SALT = 0x5a17c3;
const ENTRY_FIXED = 17; // index u64, term u64, type u8
const STATE_SIZE = 24; // term u64, commit u64, vote u64
const SNAPSHOT_SIZE = 16; // index u64, term u64
const TWO_32 = 2 ** 32;

export function recordSize(payloadLength: number): number {
  return Math.ceil((HEADER_SIZE + payloadLength) / 8) * 8;
}

export function entryRecordSize(e: Entry): number {
  return recordSize(ENTRY_FIXED + e.data.length);
}

function headerCheck(b: Uint8Array, off: number): number {
  return (crc32c(0, b, off, off + 5) & 0xffffff) ^ HEADER_SALT;
}

function putU64(b: Buffer, off: number, n: number): void {
  b.writeUInt32LE(n >>> 0, off);
  b.writeUInt32LE(Math.floor(n / TWO_32), off + 4);
}

function getU64(b: Buffer, off: number): number {
  const hi = b.readUInt32LE(off + 4);
  if (hi >= 0x200000) throw new WalError("corrupt", "wal: integer beyond 2^53 in a record");
  return hi * TWO_32 + b.readUInt32LE(off);
}

export interface SnapshotMarker {
  index: number;
  term: number;
}

/**
 * A growable byte buffer that records are encoded into, carrying the running chain CRC.
 * The WAL fills one of these between flushes and hands its bytes to a single write.
 */
export class RecordBuffer {
  buf: Buffer;
  len = 0;
  private vote = 0n;
  private readonly voteBytes = Buffer.alloc(8);

  constructor(
    /** CRC of the last record encoded (the seed of the next one). */
    public crc: number,
    private readonly initialCapacity = 64 * 1024,
  ) {
    this.buf = Buffer.allocUnsafe(initialCapacity);
  }

  /** Empties the buffer (the chain CRC carries on). Gives back memory after a very large batch. */
  reset(): void {
    this.len = 0;
    if (this.buf.length > 16 * this.initialCapacity) this.buf = Buffer.allocUnsafe(this.initialCapacity);
  }

  bytes(): Buffer {
    return this.buf.subarray(0, this.len);
  }

  private begin(type: RecordTypeCode, payloadLength: number): number {
    const size = recordSize(payloadLength);
    const need = this.len + size;
    if (need > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(need, this.buf.length * 2));
      this.buf.copy(grown, 0, 0, this.len);
      this.buf = grown;
    }
    const off = this.len;
    const b = this.buf;
    b.writeUInt32LE(payloadLength, off);
    b[off + 4] = type;
    b.writeUIntLE(headerCheck(b, off), off + 5, 3);
    // Padding must be zero (the buffer is reused and allocUnsafe'd).
    b.fill(0, off + HEADER_SIZE + payloadLength, off + size);
    this.len = need;
    return off;
  }

  private finish(off: number, payloadLength: number, seed: number): void {
    const b = this.buf;
    const c = crc32c(crc32c(seed, b, off, off + 8), b, off + HEADER_SIZE, off + HEADER_SIZE + payloadLength);
    b.writeUInt32LE(c, off + 8);
    this.crc = c;
  }

  appendEntry(e: Entry): void {
    const n = ENTRY_FIXED + e.data.length;
    const off = this.begin(RecordType.entry, n);
    const p = off + HEADER_SIZE;
    putU64(this.buf, p, e.index);
    putU64(this.buf, p + 8, e.term);
    this.buf[p + 16] = e.type === "confChange" ? 1 : 0;
    this.buf.set(e.data, p + ENTRY_FIXED);
    this.finish(off, n, this.crc);
  }

  appendState(hs: HardState): void {
    const off = this.begin(RecordType.state, STATE_SIZE);
    const p = off + HEADER_SIZE;
    putU64(this.buf, p, hs.term);
    putU64(this.buf, p + 8, hs.commit);
    // The vote rarely changes; writing a bigint allocates several, once per state record.
    if (hs.vote !== this.vote) {
      this.voteBytes.writeBigUInt64LE(hs.vote, 0);
      this.vote = hs.vote;
    }
    this.voteBytes.copy(this.buf, p + 16);
    this.finish(off, STATE_SIZE, this.crc);
  }

  appendSnapshot(m: SnapshotMarker): void {
    const off = this.begin(RecordType.snapshot, SNAPSHOT_SIZE);
    putU64(this.buf, off + HEADER_SIZE, m.index);
    putU64(this.buf, off + HEADER_SIZE + 8, m.term);
    this.finish(off, SNAPSHOT_SIZE, this.crc);
  }

  appendMetadata(md: Uint8Array): void {
    const off = this.begin(RecordType.metadata, md.length);
    this.buf.set(md, off + HEADER_SIZE);
    this.finish(off, md.length, this.crc);
  }

  /** The first record of every segment: carries the chain CRC so a reader can start here. */
  appendCrc(): void {
    const off = this.begin(RecordType.crc, 4);
    this.buf.writeUInt32LE(this.crc, off + HEADER_SIZE);
    this.finish(off, 4, this.crc);
  }
}

export function decodeEntry(p: Buffer): Entry {
  if (p.length < ENTRY_FIXED) throw new WalError("corrupt", "wal: short entry record");
  const t = p[16];
  if (t !== 0 && t !== 1) throw new WalError("corrupt", `wal: unknown entry type ${t}`);
  const type: EntryType = t === 1 ? "confChange" : "normal";
  // Copy: the payload is a view into a whole segment read into memory.
  return { index: getU64(p, 0), term: getU64(p, 8), type, data: new Uint8Array(p.subarray(ENTRY_FIXED)) };
}

export function decodeState(p: Buffer): HardState {
  if (p.length !== STATE_SIZE) throw new WalError("corrupt", "wal: bad hard state record");
  return { term: getU64(p, 0), commit: getU64(p, 8), vote: p.readBigUInt64LE(16) };
}

export function decodeSnapshot(p: Buffer): SnapshotMarker {
  if (p.length !== SNAPSHOT_SIZE) throw new WalError("corrupt", "wal: bad snapshot record");
  return { index: getU64(p, 0), term: getU64(p, 8) };
}

const ZERO = new Uint8Array(64 * 1024);

export function isZero(b: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i += ZERO.length) {
    const n = Math.min(ZERO.length, to - i);
    if (Buffer.compare(b.subarray(i, i + n), ZERO.subarray(0, n)) !== 0) return false;
  }
  return true;
}

export type ScanStop =
  /** Zero bytes (or the end of the file) where the next header would be, and only zeros after. */
  | { kind: "end" }
  /**
   * A record that is cut short or fails its checks at `end`. `restIsZero` says whether every
   * byte after the damaged record is zero, i.e. whether it looks like the last, torn write.
   */
  | { kind: "bad"; reason: string; restIsZero: boolean }
  /** Damage that no crash of a writer produces (data after an end marker, a broken chain). */
  | { kind: "corrupt"; reason: string };

export interface ScanResult {
  /** Offset just past the last good record. */
  end: number;
  /** CRC of the last good record (the chain seed for what follows), undefined if none. */
  crc: number | undefined;
  records: number;
  stop: ScanStop;
}

/**
 * Walks the records of one segment, calling visit(type, payload, offset) for each good one.
 * `chain` is the CRC the segment must continue (undefined: trust the segment's crc record).
 * visit may throw (a payload that verifies but does not decode is corruption).
 */
export function scanSegment(
  b: Buffer,
  chain: number | undefined,
  visit: (type: RecordTypeCode, payload: Buffer, offset: number) => void,
): ScanResult {
  const size = b.length;
  let pos = 0;
  let crc = chain;
  let records = 0;
  const done = (stop: ScanStop): ScanResult => ({ end: pos, crc, records, stop });
  for (;;) {
    if (pos >= size) return done({ kind: "end" });
    if (size - pos < HEADER_SIZE) {
      return done(isZero(b, pos, size) ? { kind: "end" } : { kind: "bad", reason: "partial header", restIsZero: true });
    }
    const len = b.readUInt32LE(pos);
    const type = b[pos + 4]!;
    const check = b.readUIntLE(pos + 5, 3);
    const stored = b.readUInt32LE(pos + 8);
    if (len === 0 && type === 0 && check === 0 && stored === 0) {
      return done(
        isZero(b, pos, size)
          ? { kind: "end" }
          : { kind: "corrupt", reason: `non-zero bytes after the end-of-log marker at offset ${pos}` },
      );
    }
    if (check !== headerCheck(b, pos)) {
      return done({ kind: "bad", reason: "damaged header", restIsZero: isZero(b, pos + HEADER_SIZE, size) });
    }
    if (type < RecordType.metadata || type > RecordType.snapshot) {
      return done({ kind: "corrupt", reason: `unknown record type ${type} at offset ${pos}` });
    }
    const rsize = recordSize(len);
    // The header is intact, so the length is genuine: a record past the end of the file was cut
    // off by the end of the file and nothing can follow it.
    if (rsize > size - pos) return done({ kind: "bad", reason: "record runs past end of file", restIsZero: true });
    let seed = crc;
    if (type === RecordType.crc) {
      if (len !== 4) return done({ kind: "corrupt", reason: `bad crc record at offset ${pos}` });
      const carried = b.readUInt32LE(pos + HEADER_SIZE);
      if (crc !== undefined && carried !== crc) {
        return done({ kind: "corrupt", reason: `crc chain broken at offset ${pos}` });
      }
      seed = carried;
    } else if (seed === undefined) {
      return done({ kind: "corrupt", reason: "segment does not start with a crc record" });
    }
    const actual = crc32c(crc32c(seed, b, pos, pos + 8), b, pos + HEADER_SIZE, pos + HEADER_SIZE + len);
    if (actual !== stored) {
      return done({ kind: "bad", reason: "crc mismatch", restIsZero: isZero(b, pos + rsize, size) });
    }
    visit(type as RecordTypeCode, b.subarray(pos + HEADER_SIZE, pos + HEADER_SIZE + len), pos);
    crc = stored;
    records++;
    pos += rsize;
  }
}
