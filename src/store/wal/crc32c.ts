// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), table-driven, slicing-by-8.
// Node 20 has no built-in CRC-32C; this one runs at ~1-2 GB/s on the dev machine (see README),
// so checksumming is a small share of a record's cost next to the fdatasync.

const POLY = 0x82f63b78;

// 8 tables of 256 entries; TABLES[k * 256 + b] is the CRC of byte b followed by k zero bytes.
const TABLES = new Int32Array(8 * 256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
  TABLES[n] = c;
}
for (let n = 0; n < 256; n++) {
  let c = TABLES[n]!;
  for (let k = 1; k < 8; k++) {
    c = TABLES[c & 0xff]! ^ (c >>> 8);
    TABLES[k * 256 + n] = c;
  }
}

/**
 * Continues a CRC-32C over buf[start, end). Pass 0 to start a fresh checksum; pass a previous
 * result to chain (crc32c(crc32c(0, a), b) === crc32c(0, a ++ b)). Returns an unsigned 32-bit value.
 */
export function crc32c(crc: number, buf: Uint8Array, start = 0, end = buf.length): number {
  const t = TABLES;
  let c = ~crc;
  let i = start;
  const stop8 = end - 8;
  while (i <= stop8) {
    const a = c ^ (buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24));
    c =
      t[1792 + (a & 0xff)]! ^
      t[1536 + ((a >>> 8) & 0xff)]! ^
      t[1280 + ((a >>> 16) & 0xff)]! ^
      t[1024 + (a >>> 24)]! ^
      t[768 + buf[i + 4]!]! ^
      t[512 + buf[i + 5]!]! ^
      t[256 + buf[i + 6]!]! ^
      t[buf[i + 7]!]!;
    i += 8;
  }
  while (i < end) c = t[(c ^ buf[i++]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}
