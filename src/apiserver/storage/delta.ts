/*
 * Delta packing of item JSON against reference items ("seeds"), for the watch cache.
 *
 * Objects of one resource are mostly alike: a pod differs from its neighbour in its name, uid,
 * timestamps, a few labels and generated names; the rest (spec, managedFields, defaults) is the
 * same text. Holding every object's JSON verbatim costs ~4.9 KB per such pod (490 MB at 100,000);
 * holding it as copies from a seed plus the bytes that differ costs a few hundred. zlib with a
 * preset dictionary compresses as well but costs ~150-250 µs per call in Node (a stream per call);
 * this is a plain LZ77 against a fixed dictionary: packing ~10-20 µs, unpacking a few µs (mostly
 * the copies).
 *
 * Packed form (held as a latin1 string, one char a byte: a string costs the V8 heap 16 bytes
 * beside its text, where a Buffer view costs ~100 and its bytes live outside the heap, out of
 * reach of its compaction): varint raw length, then ops, each a varint `v`:
 * - v & 1 == 0: a literal of (v >>> 1) + 1 bytes, which follow;
 * - v & 3 == 1: a copy of (v >>> 2) + MIN bytes from the dictionary at the varint that follows;
 * - v & 3 == 3: the same, from where the dictionary is "aligned": the end of the last copy plus
 *   the literal bytes since (the usual case: a changed name is a literal between two copies).
 * Dictionary offsets are virtual: seeds laid end to end; no copy crosses a seed's end.
 */

import { varintSize } from "../../store/protowire.js";

/** The shortest copy. */
const MIN = 4;
const HASH_BITS = 14;
/** How many earlier positions with the same hash are tried. */
const CHAIN_DEPTH = 12;

/** Seeds a dictionary keeps at most, and their bytes at most. */
export const MAX_SEEDS = 8;
export const MAX_DICT_BYTES = 64 * 1024;

/**
 * Reference items, immutable once made; packed items keep theirs alive. Only the newest dictionary
 * of a cache packs (`index`); older ones just unpack, sharing their seed Buffers.
 */
export class Dictionary {
  /** Each seed's virtual start (seeds laid end to end) and its end. */
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];
  /** The seeds as plain Uint8Arrays: their subarray() is cheaper than a Buffer's (no species lookup). */
  private readonly bytes: Uint8Array[] = [];
  readonly size: number;
  /** What packing needs (dropped by retire()): all seeds in one Buffer and a hash index. */
  private index: { flat: Buffer; head: Int32Array; chain: Int32Array } | undefined;

  constructor(readonly seeds: readonly Buffer[]) {
    let at = 0;
    for (const s of seeds) {
      this.bytes.push(new Uint8Array(s.buffer, s.byteOffset, s.length));
      this.starts.push(at);
      at += s.length;
      this.ends.push(at);
    }
    this.size = at;
  }

  /** A dictionary with `seed` added, the oldest seeds dropped to stay within the limits. */
  with(seed: Buffer): Dictionary {
    const seeds = [...this.seeds, seed];
    let bytes = this.size + seed.length;
    while (seeds.length > 1 && (seeds.length > MAX_SEEDS || bytes > MAX_DICT_BYTES)) bytes -= seeds.shift()!.length;
    return new Dictionary(seeds);
  }

  /** This dictionary will pack no more: let the hash index go. */
  retire(): void {
    this.index = undefined;
  }

  /** The end (virtual) of the seed holding virtual offset p. */
  private seedEnd(p: number): number {
    const e = this.ends;
    for (let i = 0; i < e.length; i++) if (p < e[i]!) return e[i]!;
    return this.size;
  }

  private indexed(): { flat: Buffer; head: Int32Array; chain: Int32Array } {
    if (this.index) return this.index;
    const flat = this.seeds.length === 1 ? this.seeds[0]! : Buffer.concat(this.seeds as Buffer[]);
    const head = new Int32Array(1 << HASH_BITS);
    const chain = new Int32Array(flat.length);
    for (let i = 0; i < this.seeds.length; i++) {
      const end = this.ends[i]! - MIN + 1;
      for (let p = this.starts[i]!; p < end; p++) {
        const h = hash(flat, p);
        chain[p] = head[h]!;
        head[h] = p + 1;
      }
    }
    this.index = { flat, head, chain };
    return this.index;
  }

  /** `src` packed against this dictionary, or undefined when it would not be smaller than `limit` bytes. */
  pack(src: Uint8Array, limit: number): string | undefined {
    const size = this.plan(src, limit);
    return size < 0 ? undefined : emit(src);
  }

  /**
   * Works out how `src` packs (kept for emit(), until the next plan); returns the packed size,
   * or -1 when it would not be smaller than `limit`.
   */
  plan(src: Uint8Array, limit: number): number {
    const { flat, head, chain } = this.indexed();
    const n = src.length;
    const ops = scratchOps(n);
    let nops = 0;
    let size = varintSize(n);
    let lit = 0;
    let i = 0;
    let expect = 0;
    const dsize = this.size;
    while (i + MIN <= n) {
      let best = 0;
      let bestAt = -1;
      // The aligned position first: most copies continue where the last one left off.
      const aligned = expect + (i - lit);
      if (aligned < dsize) {
        const end = Math.min(this.seedEnd(aligned) - aligned, n - i);
        let l = 0;
        while (l < end && flat[aligned + l] === src[i + l]) l++;
        if (l >= MIN) {
          best = l;
          bestAt = aligned;
        }
      }
      if (best < 32) {
        let cand = head[hash(src, i)]!;
        for (let depth = 0; cand !== 0 && depth < CHAIN_DEPTH; depth++) {
          const p = cand - 1;
          cand = chain[p]!;
          if (p === aligned || flat[p + best] !== src[i + best]) continue;
          const end = Math.min(this.seedEnd(p) - p, n - i);
          let l = 0;
          while (l < end && flat[p + l] === src[i + l]) l++;
          if (l > best) {
            best = l;
            bestAt = p;
          }
        }
      }
      // An explicit offset costs 2-3 bytes: a copy must be longer than that to pay.
      if (best < MIN || (bestAt !== aligned && best < MIN + 3)) {
        i++;
        continue;
      }
      // Grow the copy backwards over literal bytes that match too.
      const seedStart = this.seedStartOf(bestAt);
      while (i > lit && bestAt > seedStart && flat[bestAt - 1] === src[i - 1]) {
        i--;
        bestAt--;
        best++;
      }
      if (i > lit) {
        ops[nops++] = 0;
        ops[nops++] = lit;
        ops[nops++] = i - lit;
        size += literalSize(i - lit);
      }
      const isAligned = bestAt === expect + (i - lit);
      ops[nops++] = isAligned ? 2 : 1;
      ops[nops++] = bestAt;
      ops[nops++] = best;
      size += varintSize((best - MIN) * 4 + 1) + (isAligned ? 0 : varintSize(bestAt));
      if (size >= limit) return -1;
      i += best;
      lit = i;
      expect = bestAt + best;
    }
    if (n > lit) {
      ops[nops++] = 0;
      ops[nops++] = lit;
      ops[nops++] = n - lit;
      size += literalSize(n - lit);
    }
    if (size >= limit) return -1;
    planned = { n, nops, size };
    return size;
  }

  private seedStartOf(p: number): number {
    const e = this.ends;
    for (let i = 0; i < e.length; i++) if (p < e[i]!) return this.starts[i]!;
    return this.size;
  }

  /** Copies `len` bytes at virtual offset `p` into out at o. */
  private copyOut(p: number, len: number, out: Uint8Array, o: number): void {
    const e = this.ends;
    let i = 0;
    while (p >= e[i]!) i++;
    const seed = this.bytes[i]!;
    const s = p - this.starts[i]!;
    if (s + len > seed.length) throw new Error("delta unpack: a copy beyond its seed");
    if (len <= 16) for (let k = 0; k < len; k++) out[o + k] = seed[s + k]!;
    else out.set(seed.subarray(s, s + len), o);
  }

  /** Writes the item `packed` stands for into out at `at`; returns its length. */
  unpackInto(packed: string, out: Buffer, at: number): number {
    let p = 0;
    let v = 0;
    let shift = 0;
    // The raw length (written first).
    let n = 0;
    let mul = 1;
    let c: number;
    do {
      c = packed.charCodeAt(p++);
      n += (c & 127) * mul;
      mul *= 128;
    } while (c & 128);
    let o = at;
    let expect = 0;
    let litSince = 0;
    const end = packed.length;
    while (p < end) {
      v = 0;
      shift = 1;
      do {
        c = packed.charCodeAt(p++);
        v += (c & 127) * shift;
        shift *= 128;
      } while (c & 128);
      if ((v & 1) === 0) {
        const len = v / 2 + 1;
        if (len <= 32) for (let k = 0; k < len; k++) out[o + k] = packed.charCodeAt(p + k);
        else out.write(packed.slice(p, p + len), o, len, "latin1");
        p += len;
        o += len;
        litSince += len;
        continue;
      }
      const len = Math.floor(v / 4) + MIN;
      let from: number;
      if ((v & 3) === 3) from = expect + litSince;
      else {
        from = 0;
        shift = 1;
        do {
          c = packed.charCodeAt(p++);
          from += (c & 127) * shift;
          shift *= 128;
        } while (c & 128);
      }
      this.copyOut(from, len, out, o);
      o += len;
      expect = from + len;
      litSince = 0;
    }
    if (o - at !== n || p !== end) throw new Error(`delta unpack: ${o - at} bytes, expected ${n}`);
    return n;
  }
}

/** The raw length of a packed item (its first varint). */
function unpackedLength(packed: string): number {
  let n = 0;
  let mul = 1;
  let p = 0;
  let c: number;
  do {
    c = packed.charCodeAt(p++);
    n += (c & 127) * mul;
    mul *= 128;
  } while (c & 128);
  return n;
}

function hash(b: Uint8Array, p: number): number {
  const v = b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24);
  return Math.imul(v, 0x9e3779b1) >>> (32 - HASH_BITS);
}

function literalSize(len: number): number {
  let size = 0;
  while (len > 0) {
    const chunk = Math.min(len, 1 << 28);
    size += varintSize((chunk - 1) * 2) + chunk;
    len -= chunk;
  }
  return size;
}

function writeVarint(b: Uint8Array, o: number, v: number): number {
  while (v >= 128) {
    b[o++] = (v % 128) | 128;
    v = Math.floor(v / 128);
  }
  b[o++] = v;
  return o;
}

let ops = new Int32Array(3 * 256);
/** What the last plan() found (its ops are in `ops`). */
let planned = { n: 0, nops: 0, size: 0 };

let out = Buffer.allocUnsafeSlow(16 * 1024);

/** The packed form the last plan() worked out for `src`. */
function emit(src: Uint8Array): string {
  const { n, nops, size } = planned;
  if (src.length !== n) throw new Error("delta emit: not the planned item");
  if (out.length < size) out = Buffer.allocUnsafeSlow(Math.max(size, out.length * 2));
  const b = out;
  let o = writeVarint(b, 0, n);
  for (let k = 0; k < nops; k += 3) {
    const kind = ops[k]!;
    const a = ops[k + 1]!;
    const len = ops[k + 2]!;
    if (kind === 0) {
      // Literal runs longer than 2^28 would need more varint bits than ops allow: split them.
      let s = a;
      let left = len;
      while (left > 0) {
        const chunk = Math.min(left, 1 << 28);
        o = writeVarint(b, o, (chunk - 1) * 2);
        b.set(src.subarray(s, s + chunk), o);
        o += chunk;
        s += chunk;
        left -= chunk;
      }
    } else {
      o = writeVarint(b, o, (len - MIN) * 4 + (kind === 2 ? 3 : 1));
      if (kind === 1) o = writeVarint(b, o, a);
    }
  }
  if (o !== size) throw new Error(`delta pack: wrote ${o} bytes, expected ${size}`);
  return b.toString("latin1", 0, size);
}

/** Op triples (kind, offset, length) for one pack: fewer than one per byte of input, plus two. */
function scratchOps(n: number): Int32Array {
  const need = 3 * (n + 2);
  if (ops.length < need) ops = new Int32Array(Math.max(need, ops.length * 2));
  return ops;
}

/** Items smaller than this are kept as they are. */
const MIN_PACK = 64;
/** Items larger than this never become seeds (they may still pack against smaller ones). */
const MAX_SEED = 16 * 1024;
/** A packed item this much smaller than the item is good enough: no new seed. */
const GOOD = 0.25;
/** Items packed between two new seeds at least (a resource of unlike objects would seed on every one). */
const SEED_EVERY = 16;

/** An item as kept: packed against `dict`, or verbatim (`dict` undefined); latin1, a char a byte. */
export interface Packed {
  packed: string;
  dict: Dictionary | undefined;
}

/**
 * Chooses the dictionary items of one resource are packed against: it starts from the first item
 * seen and takes an item that packs poorly as a further seed (at most every SEED_EVERY items),
 * keeping the newest MAX_SEEDS seeds within MAX_DICT_BYTES.
 */
export class Packer {
  private dict: Dictionary | undefined;
  private sinceSeed = 0;

  pack(item: Buffer): Packed {
    const n = item.length;
    if (n < MIN_PACK) return { packed: item.toString("latin1", 0, n), dict: undefined };
    this.sinceSeed++;
    if (this.dict === undefined) {
      if (n > MAX_SEED) return { packed: item.toString("latin1", 0, n), dict: undefined };
      this.dict = new Dictionary([Buffer.from(item)]);
      this.sinceSeed = 0;
    }
    // Packing must save an eighth at least; under a quarter of the item is good.
    let size = this.dict.plan(item, n - (n >> 3));
    if ((size < 0 || size > n * GOOD) && n <= MAX_SEED && this.sinceSeed >= SEED_EVERY) {
      const next = this.dict.with(Buffer.from(item));
      this.dict.retire();
      this.dict = next;
      this.sinceSeed = 0;
      size = this.dict.plan(item, n - (n >> 3));
    }
    if (size < 0) return { packed: item.toString("latin1", 0, n), dict: undefined };
    return { packed: emit(item), dict: this.dict };
  }
}

/** The length of the item `p` stands for. */
export function itemLength(p: Packed): number {
  return p.dict === undefined ? p.packed.length : unpackedLength(p.packed);
}

/** Writes the item `p` stands for into out at `at`; returns its length. */
export function unpackInto(p: Packed, out: Buffer, at: number): number {
  if (p.dict !== undefined) return p.dict.unpackInto(p.packed, out, at);
  return out.write(p.packed, at, p.packed.length, "latin1");
}

/** The item `p` stands for, in a Buffer of its own. */
export function unpack(p: Packed): Buffer {
  if (p.dict === undefined) return Buffer.from(p.packed, "latin1");
  const b = Buffer.allocUnsafe(unpackedLength(p.packed));
  p.dict.unpackInto(p.packed, b, 0);
  return b;
}
