// HPACK (RFC 7541): a full decoder (static + dynamic table, Huffman, table size updates) and
// the small encoder the server needs (literals without indexing, which keeps no encoder state).

export class HpackError extends Error {}

// Appendix A. Index 1 is STATIC_NAMES[0].
const STATIC: ReadonlyArray<readonly [string, string]> = [
  [':authority', ''], [':method', 'GET'], [':method', 'POST'], [':path', '/'],
  [':path', '/index.html'], [':scheme', 'http'], [':scheme', 'https'], [':status', '200'],
  [':status', '204'], [':status', '206'], [':status', '304'], [':status', '400'],
  [':status', '404'], [':status', '500'], ['accept-charset', ''], ['accept-encoding', 'gzip, deflate'],
  ['accept-language', ''], ['accept-ranges', ''], ['accept', ''], ['access-control-allow-origin', ''],
  ['age', ''], ['allow', ''], ['authorization', ''], ['cache-control', ''],
  ['content-disposition', ''], ['content-encoding', ''], ['content-language', ''], ['content-length', ''],
  ['content-location', ''], ['content-range', ''], ['content-type', ''], ['cookie', ''],
  ['date', ''], ['etag', ''], ['expect', ''], ['expires', ''],
  ['from', ''], ['host', ''], ['if-match', ''], ['if-modified-since', ''],
  ['if-none-match', ''], ['if-range', ''], ['if-unmodified-since', ''], ['last-modified', ''],
  ['link', ''], ['location', ''], ['max-forwards', ''], ['proxy-authenticate', ''],
  ['proxy-authorization', ''], ['range', ''], ['referer', ''], ['refresh', ''],
  ['retry-after', ''], ['server', ''], ['set-cookie', ''], ['strict-transport-security', ''],
  ['transfer-encoding', ''], ['user-agent', ''], ['vary', ''], ['via', ''],
  ['www-authenticate', ''],
];
const STATIC_LEN = STATIC.length; // 61

// ---------------------------------------------------------------- Huffman (Appendix B)
// The code is canonical: codes are assigned in order of (length, symbol), so the bit lengths of
// symbols 0..256 (EOS) are enough to rebuild it.
// prettier-ignore
export const HUFFMAN_LENGTHS: readonly number[] = [
  13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, // 0-15
  28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28, // 16-31
  6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6, //  !"#$%&'()*+,-./
  5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10, // 0-9 :;<=>?
  13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, // @ A-O
  7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6, // P-Z [\]^_
  15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5, // ` a-o
  6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28, // p-z {|}~ DEL
  20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23, // 128-143
  24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24, // 144-159
  22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, // 160-175
  21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23, // 176-191
  26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, // 192-207
  19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27, // 208-223
  20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23, // 224-239
  26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26, // 240-255
  30, // EOS
];

/** Canonical codes from the lengths: [code, length] per symbol. Exported for tests. */
export function huffmanCodes(): Array<[number, number]> {
  const order = HUFFMAN_LENGTHS.map((len, sym) => [len, sym] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const codes: Array<[number, number]> = new Array(257);
  let code = 0;
  let prevLen = order[0]![0];
  for (const [len, sym] of order) {
    code *= 2 ** (len - prevLen);
    prevLen = len;
    codes[sym] = [code, len];
    code++;
  }
  return codes;
}

// Decoding runs a state machine over 4-bit nibbles (at most one symbol completes per nibble,
// since the shortest code is 5 bits). States are the internal nodes of the code tree.
const NIB_NEXT = new Uint8Array(256 * 16);
const NIB_SYM = new Int16Array(256 * 16); // -1: none, 0..255: emit, 256: EOS seen (error)
const ACCEPT = new Uint8Array(256); // may the string end in this state (padding rule, 5.2)

(function buildHuffman(): void {
  // Tree as arrays: child[node*2+bit] = internal node id, or -(sym+1) for a leaf.
  const child = new Int32Array(512).fill(0);
  const depth = new Uint8Array(256);
  const allOnes = new Uint8Array(256);
  let nodes = 1;
  allOnes[0] = 1;
  const codes = huffmanCodes();
  for (let sym = 0; sym < 257; sym++) {
    const [code, len] = codes[sym]!;
    let n = 0;
    for (let i = len - 1; i >= 0; i--) {
      const bit = Math.floor(code / 2 ** i) & 1;
      const slot = n * 2 + bit;
      if (i === 0) child[slot] = -(sym + 1);
      else {
        if (child[slot] === 0) {
          child[slot] = nodes;
          depth[nodes] = depth[n]! + 1;
          allOnes[nodes] = allOnes[n]! & bit;
          nodes++;
        }
        n = child[slot]!;
      }
    }
  }
  for (let s = 0; s < 256; s++) {
    ACCEPT[s] = s === 0 || (allOnes[s] === 1 && depth[s]! <= 7) ? 1 : 0;
    for (let nib = 0; nib < 16; nib++) {
      let n = s;
      let sym = -1;
      for (let b = 3; b >= 0; b--) {
        const c = child[n * 2 + ((nib >> b) & 1)]!;
        if (c < 0) {
          sym = -c - 1 === 256 ? 256 : Math.max(sym, -c - 1);
          n = 0;
          if (sym === 256) break;
        } else n = c;
      }
      NIB_NEXT[s * 16 + nib] = n;
      NIB_SYM[s * 16 + nib] = sym;
    }
  }
})();

let huffOut = Buffer.allocUnsafe(256);
// Buffer's native latin1 decoder (undocumented in the typings, present since Node 0.x).
const latin1Slice = (Buffer.prototype as unknown as { latin1Slice(this: Uint8Array, start: number, end: number): string }).latin1Slice;

export function huffmanDecode(buf: Uint8Array, start: number, end: number): string {
  const max = Math.ceil(((end - start) * 8) / 5);
  if (huffOut.length < max) huffOut = Buffer.allocUnsafe(Math.max(max, huffOut.length * 2));
  const out = huffOut;
  let o = 0;
  let st = 0;
  for (let i = start; i < end; i++) {
    const b = buf[i]!;
    let e = st * 16 + (b >> 4);
    let sym = NIB_SYM[e]!;
    if (sym >= 0) {
      if (sym === 256) throw new HpackError('hpack: EOS in huffman string');
      out[o++] = sym;
    }
    st = NIB_NEXT[e]!;
    e = st * 16 + (b & 15);
    sym = NIB_SYM[e]!;
    if (sym >= 0) {
      if (sym === 256) throw new HpackError('hpack: EOS in huffman string');
      out[o++] = sym;
    }
    st = NIB_NEXT[e]!;
  }
  if (ACCEPT[st] !== 1) throw new HpackError('hpack: bad huffman padding');
  return latin1Slice.call(out, 0, o);
}

// ---------------------------------------------------------------- decoder

const LIT_CACHE_SLOTS = 64;
const LIT_CACHE_MAX_LEN = 96;

function sameLatin1(s: string, buf: Uint8Array, p: number): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) !== buf[p + i]) return false;
  return true;
}

/** Entry overhead per RFC 7541 4.1; names and values are latin1 so length == octets. */
const ENTRY_OVERHEAD = 32;
const EMPTY = new Uint8Array(0);

export class HpackDecoder {
  // Dynamic table as a ring, newest at `head - 1`.
  private names: string[];
  private values: string[];
  private head = 0;
  private count = 0;
  private size = 0;
  private maxSize: number;

  /** @param settingsMax the SETTINGS_HEADER_TABLE_SIZE this side advertised (default 4096). */
  constructor(private readonly settingsMax = 4096) {
    this.maxSize = settingsMax;
    const cap = Math.floor(settingsMax / ENTRY_OVERHEAD) + 1;
    this.names = new Array<string>(cap);
    this.values = new Array<string>(cap);
  }

  get tableSize(): number {
    return this.size;
  }
  get tableLength(): number {
    return this.count;
  }

  /** Entry i of the dynamic table, 1 = newest (for tests). */
  dynamicEntry(i: number): [string, string] {
    const cap = this.names.length;
    const j = (this.head - i + cap * 2) % cap;
    return [this.names[j]!, this.values[j]!];
  }

  /**
   * Decodes one complete header block, appending name, value, name, value... to `out`.
   * Returns the header list size (RFC 7540 6.5.2: sum of name + value + 32). Past `limit`,
   * fields are no longer appended (but the table is still maintained, so the connection stays
   * usable); the caller compares the returned size with its limit.
   */
  decode(buf: Uint8Array, start: number, end: number, out: string[], limit = Infinity): number {
    this.buf = buf;
    this.p = start;
    this.end = end;
    let listSize = 0;
    let first = true;
    try {
      while (this.p < end) {
        const c = buf[this.p]!;
        let name: string;
        let value: string;
        if (c & 0x80) {
          // 6.1 indexed field
          const idx = this.int(0x7f);
          if (idx === 0) throw new HpackError('hpack: index 0');
          if (idx <= STATIC_LEN) {
            const e = STATIC[idx - 1]!;
            name = e[0];
            value = e[1];
          } else {
            const j = this.dynIndex(idx);
            name = this.names[j]!;
            value = this.values[j]!;
          }
        } else if (c & 0x40) {
          // 6.2.1 literal with incremental indexing
          const idx = this.int(0x3f);
          name = idx === 0 ? this.str() : this.nameAt(idx);
          value = this.str();
          this.insert(name, value);
        } else if (c & 0x20) {
          // 6.3 dynamic table size update: only at the start of a block, within the setting
          if (!first) throw new HpackError('hpack: table size update after a field');
          const v = this.int(0x1f);
          if (v > this.settingsMax) throw new HpackError('hpack: table size update above limit');
          this.maxSize = v;
          this.evict(0);
          continue;
        } else {
          // 6.2.2 / 6.2.3 literal without indexing / never indexed
          const idx = this.int(0x0f);
          name = idx === 0 ? this.str() : this.nameAt(idx);
          value = this.str();
        }
        first = false;
        listSize += name.length + value.length + ENTRY_OVERHEAD;
        if (listSize <= limit) out.push(name, value);
      }
    } finally {
      this.buf = EMPTY;
    }
    return listSize;
  }

  // the block being decoded
  private buf: Uint8Array = EMPTY;
  private p = 0;
  private end = 0;

  /** Integer with an N-bit prefix (5.1); values beyond 2^31 are refused. */
  private int(mask: number): number {
    const buf = this.buf;
    if (this.p >= this.end) throw new HpackError('hpack: truncated integer');
    let v = buf[this.p++]! & mask;
    if (v < mask) return v;
    let m = 0;
    let c: number;
    do {
      if (this.p >= this.end) throw new HpackError('hpack: truncated integer');
      c = buf[this.p++]!;
      v += (c & 0x7f) * 2 ** m;
      m += 7;
      if (m > 35 || v > 0x7fffffff) throw new HpackError('hpack: integer overflow');
    } while (c & 0x80);
    return v;
  }

  private str(): string {
    if (this.p >= this.end) throw new HpackError('hpack: truncated string');
    const huff = this.buf[this.p]! & 0x80;
    const len = this.int(0x7f);
    const p = this.p;
    if (len > this.end - p) throw new HpackError('hpack: string exceeds block');
    this.p = p + len;
    if (len === 0) return '';
    if (len > LIT_CACHE_MAX_LEN) return huff ? huffmanDecode(this.buf, p, p + len) : latin1Slice.call(this.buf, p, p + len);
    // Clients that send literals without indexing repeat the same ones on every request (:path,
    // :authority, user-agent...): a hit returns the string decoded before, allocating nothing.
    const buf = this.buf;
    const slot = (len * 31 + buf[p]! * 7 + buf[p + len - 1]! + (huff ? 17 : 0) + (len > 2 ? buf[p + (len >> 1)]! * 3 : 0)) & (LIT_CACHE_SLOTS - 1);
    const raw = this.litRaw[slot];
    if (raw !== undefined && raw.length === len && this.litHuff[slot] === huff && sameLatin1(raw, buf, p)) return this.litValue[slot]!;
    const v = huff ? huffmanDecode(buf, p, p + len) : latin1Slice.call(buf, p, p + len);
    this.litRaw[slot] = huff ? latin1Slice.call(buf, p, p + len) : v;
    this.litHuff[slot] = huff;
    this.litValue[slot] = v;
    return v;
  }

  // Recently decoded literal strings, by their encoded bytes (as latin1) and Huffman flag.
  private litRaw: Array<string | undefined> = new Array<string | undefined>(LIT_CACHE_SLOTS);
  private litHuff: number[] = new Array<number>(LIT_CACHE_SLOTS).fill(0);
  private litValue: Array<string | undefined> = new Array<string | undefined>(LIT_CACHE_SLOTS);

  private dynIndex(idx: number): number {
    const i = idx - STATIC_LEN;
    if (i > this.count) throw new HpackError('hpack: index out of range');
    const cap = this.names.length;
    return (this.head - i + cap) % cap;
  }

  private nameAt(idx: number): string {
    if (idx <= STATIC_LEN) return STATIC[idx - 1]![0];
    return this.names[this.dynIndex(idx)]!;
  }

  private insert(name: string, value: string): void {
    const sz = name.length + value.length + ENTRY_OVERHEAD;
    if (sz > this.maxSize) {
      // 4.4: an entry larger than the table empties it and is not added
      this.count = 0;
      this.size = 0;
      return;
    }
    this.evict(sz);
    const cap = this.names.length;
    this.names[this.head] = name;
    this.values[this.head] = value;
    this.head = (this.head + 1) % cap;
    this.count++;
    this.size += sz;
  }

  /** Evicts oldest entries until `room` more octets fit. */
  private evict(room: number): void {
    const cap = this.names.length;
    while (this.count > 0 && this.size + room > this.maxSize) {
      const j = (this.head - this.count + cap) % cap;
      this.size -= this.names[j]!.length + this.values[j]!.length + ENTRY_OVERHEAD;
      this.names[j] = '';
      this.values[j] = '';
      this.count--;
    }
  }
}

// ---------------------------------------------------------------- encoder (stateless)

const STATIC_NAME_INDEX = new Map<string, number>();
for (let i = STATIC_LEN - 1; i >= 0; i--) STATIC_NAME_INDEX.set(STATIC[i]![0], i + 1);

function pushInt(out: number[], flags: number, prefixBits: number, v: number): void {
  const mask = (1 << prefixBits) - 1;
  if (v < mask) {
    out.push(flags | v);
    return;
  }
  out.push(flags | mask);
  v -= mask;
  while (v >= 128) {
    out.push((v % 128) + 128);
    v = Math.floor(v / 128);
  }
  out.push(v);
}

/**
 * Encodes fields as literals without indexing (6.2.2), naming static entries by index, no
 * Huffman. ':status: 200' uses the indexed static entry 8. Values must be latin1/ASCII.
 */
export function encodeHeaders(fields: ReadonlyArray<readonly [string, string]>): Buffer {
  const out: number[] = [];
  for (const [name, value] of fields) {
    if (name === ':status' && value === '200') {
      out.push(0x88);
      continue;
    }
    const idx = STATIC_NAME_INDEX.get(name);
    if (idx !== undefined) pushInt(out, 0x00, 4, idx);
    else {
      out.push(0x00);
      pushInt(out, 0x00, 7, name.length);
      for (let i = 0; i < name.length; i++) out.push(name.charCodeAt(i) & 0xff);
    }
    pushInt(out, 0x00, 7, value.length);
    for (let i = 0; i < value.length; i++) out.push(value.charCodeAt(i) & 0xff);
  }
  return Buffer.from(out);
}
