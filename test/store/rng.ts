// A small seeded PRNG (sfc32), so a failing run can be replayed from the seed it printed.

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(readonly seed: number) {
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = seed >>> 0;
    for (let i = 0; i < 15; i++) this.next();
  }

  /** Uniform in [0, 2^32). */
  next(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.next() / 2 ** 32;
  }

  /** Uniform integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.float() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(xs: readonly T[]): T {
    if (xs.length === 0) throw new Error("rng: pick from an empty list");
    return xs[Math.floor(this.float() * xs.length)]!;
  }

  bytes(n: number): Buffer {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = this.next() & 0xff;
    return b;
  }

  /** A fresh generator whose stream is independent of this one's later draws. */
  fork(): Rng {
    return new Rng(this.next());
  }
}

/** The seed from `env` (decimal), else a random one; printed so a failure can be replayed. */
export function seedFrom(env: string): number {
  const s = process.env[env];
  if (s !== undefined && s !== "") {
    const n = Number(s);
    if (!Number.isSafeInteger(n)) throw new Error(`${env} must be an integer, not ${s}`);
    return n >>> 0;
  }
  return Math.floor(Math.random() * 2 ** 32);
}
