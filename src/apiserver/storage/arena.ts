/*
 * Where the watch cache keeps its objects' bytes. A Buffer per object of a few KiB is costly:
 * from Node's 8 KiB pool two or three fit and the rest of the pool is lost (~40 % of a pod's
 * size), and a Buffer of its own costs an ArrayBuffer and a malloc each (~20 %). So items are
 * carved from slabs of 256 KiB. A slab is freed by the GC once nothing points into it; objects
 * replaced or deleted leave holes, so a slab (other than the one being filled) whose live bytes
 * fall under half of it has its live items copied to the current slab (the holders get the new
 * Buffer; the old one stays valid for whoever still has it).
 */

const SLAB = 256 * 1024;
/** Items larger than this get a Buffer of their own. */
const BIG = 16 * 1024;

/** What the arena tracks: an object's bytes (replaced by a copy when its slab is compacted). */
export interface Placed {
  item: Buffer;
  /** Set by the arena: the slab `item` lives in (undefined for big items and untracked ones). */
  slab?: Slab | undefined;
}

export interface Slab {
  buf: Buffer;
  used: number;
  live: number;
  /** Items placed here; those released or moved since have another `slab`. */
  holders: Placed[];
}

export class Arena {
  private cur: Slab | undefined;
  /** Slabs allocated so far, and copies made by compaction (for figures and tests). */
  slabs = 0;
  moved = 0;

  constructor(private readonly slabSize = SLAB, private readonly big = BIG) {}

  /** Bytes for an item, to be followed by adopt() of the object holding them. */
  alloc(n: number): Buffer {
    if (n > this.big) return Buffer.allocUnsafeSlow(n);
    if (this.cur === undefined || this.cur.used + n > this.cur.buf.length) {
      const prev = this.cur;
      this.newSlab();
      if (prev) this.maybeCompact(prev);
      // Compaction copies into the current slab and may have filled it.
      if (this.cur!.used + n > this.cur!.buf.length) this.newSlab();
    }
    const s = this.cur!;
    const out = s.buf.subarray(s.used, s.used + n);
    s.used += n;
    return out;
  }

  private newSlab(): void {
    this.cur = { buf: Buffer.allocUnsafeSlow(this.slabSize), used: 0, live: 0, holders: [] };
    this.slabs++;
  }

  /** Tracks `p`, whose item came from the last alloc(). */
  adopt(p: Placed): void {
    const s = this.cur;
    if (s === undefined || p.item.buffer !== s.buf.buffer) {
      p.slab = undefined;
      return;
    }
    p.slab = s;
    s.live += p.item.length;
    s.holders.push(p);
  }

  /** `p` no longer needs its bytes (replaced or deleted). */
  release(p: Placed): void {
    const s = p.slab;
    if (s === undefined) return;
    p.slab = undefined;
    s.live -= p.item.length;
    if (s !== this.cur) this.maybeCompact(s);
  }

  private maybeCompact(s: Slab): void {
    if (s.live * 2 >= s.used || s.holders.length === 0) return;
    const holders = s.holders;
    s.holders = [];
    for (const p of holders) {
      if (p.slab !== s) continue;
      const copy = this.alloc(p.item.length);
      p.item.copy(copy);
      s.live -= p.item.length;
      p.item = copy;
      this.adopt(p);
      this.moved++;
    }
  }
}
