// A revision is (main, sub): main is the store revision of a write transaction, sub orders the
// changes inside it. On disk it is 8-byte big-endian main, "_", 8-byte big-endian sub, and a
// trailing "t" marks a tombstone, as etcd lays out its key bucket (HashKV depends on the bytes).

export interface Revision {
  readonly main: number;
  readonly sub: number;
}

export const revLen = 17;
const tombstoneMark = 0x74; // "t"

export function compareRev(a: Revision, b: Revision): number {
  return a.main !== b.main ? a.main - b.main : a.sub - b.sub;
}

export function revToBytes(rev: Revision, tombstone = false): Buffer {
  const b = Buffer.allocUnsafe(tombstone ? revLen + 1 : revLen);
  writeRevBytes(b, rev);
  if (tombstone) b[revLen] = tombstoneMark;
  return b;
}

const scratch = Buffer.allocUnsafe(revLen + 1);

/** revToBytes as a binary string (one char per byte), the backend's buffer key, with no Buffer made. */
export function revString(rev: Revision, tombstone = false): string {
  writeRevBytes(scratch, rev);
  if (tombstone) scratch[revLen] = tombstoneMark;
  return scratch.toString("latin1", 0, tombstone ? revLen + 1 : revLen);
}

/** Writes a (live) revision's 17 bytes into b. */
export function writeRevBytes(b: Buffer, rev: Revision): void {
  writeU64(b, 0, rev.main);
  b[8] = 0x5f; // "_"
  writeU64(b, 9, rev.sub);
}

export function bytesToRev(b: Uint8Array): Revision {
  const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  return { main: readU64(buf, 0), sub: readU64(buf, 9) };
}

export function isTombstone(b: Uint8Array): boolean {
  return b.length === revLen + 1 && b[revLen] === tombstoneMark;
}

/** The smallest on-disk key with main revision >= main (for range scans by revision). */
export function revStartBytes(main: number): Buffer {
  return revToBytes({ main, sub: 0 });
}

// Revisions stay below 2^53, so two 32-bit halves avoid BigInt on this hot path.
function writeU64(b: Buffer, off: number, n: number): void {
  b.writeUInt32BE(Math.floor(n / 0x100000000), off);
  b.writeUInt32BE(n >>> 0, off + 4);
}

function readU64(b: Buffer, off: number): number {
  return b.readUInt32BE(off) * 0x100000000 + b.readUInt32BE(off + 4);
}
