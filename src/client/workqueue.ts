/**
 * client-go's workqueue: a FIFO with dirty/processing sets (a key is handled by one worker at a
 * time, and an add while it is processed re-queues it on done()), a delaying layer (one timer
 * for the earliest of a heap of waiting keys) and rate limiters for retries.
 */
import type { WorkQueue } from "./types.js";

/** When a key may be retried, given how often it has failed (client-go's RateLimiter). */
export interface RateLimiter<K> {
  /** The delay before the next retry of `key`; counts a failure. */
  when(key: K): number;
  forget(key: K): void;
  numRequeues(key: K): number;
}

/** Per-item exponential: base * 2^failures, capped. */
export function exponentialFailureRateLimiter<K>(baseMs: number, maxMs: number): RateLimiter<K> {
  const failures = new Map<K, number>();
  return {
    when(key) {
      const n = failures.get(key) ?? 0;
      failures.set(key, n + 1);
      // 2^n overflows to Infinity past ~1000; the cap holds either way.
      return Math.min(baseMs * 2 ** n, maxMs);
    },
    forget: (key) => void failures.delete(key),
    numRequeues: (key) => failures.get(key) ?? 0,
  };
}

/** Overall token bucket: `qps` tokens a second, at most `burst` saved; each retry reserves one. */
export function bucketRateLimiter<K>(qps: number, burst: number, now: () => number = () => performance.now()): RateLimiter<K> {
  let tokens = burst;
  let last = now();
  return {
    when() {
      const t = now();
      tokens = Math.min(burst, tokens + ((t - last) / 1000) * qps);
      last = t;
      tokens -= 1;
      // A negative balance is a reservation: wait until it is paid back.
      return tokens >= 0 ? 0 : (-tokens / qps) * 1000;
    },
    forget() {},
    numRequeues: () => 0,
  };
}

/** The longest delay of several limiters; requeues as the first reports. */
export function maxOfRateLimiter<K>(...limiters: RateLimiter<K>[]): RateLimiter<K> {
  return {
    when: (key) => Math.max(0, ...limiters.map((l) => l.when(key))),
    forget: (key) => limiters.forEach((l) => l.forget(key)),
    numRequeues: (key) => Math.max(0, ...limiters.map((l) => l.numRequeues(key))),
  };
}

/** client-go's DefaultControllerRateLimiter: max(5 ms .. 1000 s per item, 10 qps burst 100 overall). */
export function defaultControllerRateLimiter<K>(): RateLimiter<K> {
  return maxOfRateLimiter<K>(exponentialFailureRateLimiter<K>(5, 1000_000), bucketRateLimiter<K>(10, 100));
}

interface Waiting<K> {
  at: number;
  seq: number;
  key: K;
}

/** A binary min-heap of waiting keys by ready time (ties in insertion order). */
class WaitHeap<K> {
  private readonly a: Waiting<K>[] = [];
  get size(): number {
    return this.a.length;
  }
  peek(): Waiting<K> | undefined {
    return this.a[0];
  }
  push(w: Waiting<K>): void {
    const a = this.a;
    a.push(w);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(a[i]!, a[p]!)) break;
      [a[i], a[p]] = [a[p]!, a[i]!];
      i = p;
    }
  }
  pop(): Waiting<K> | undefined {
    const a = this.a;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && less(a[l]!, a[m]!)) m = l;
        if (r < a.length && less(a[r]!, a[m]!)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top;
  }
  clear(): void {
    this.a.length = 0;
  }
}

const less = <K>(x: Waiting<K>, y: Waiting<K>): boolean => x.at < y.at || (x.at === y.at && x.seq < y.seq);

export interface WorkQueueOptions<K> {
  rateLimiter?: RateLimiter<K>;
  /** Milliseconds on a monotonic clock (tests may pass their own along with fake timers). */
  now?: () => number;
}

class RateLimitingQueue<K> implements WorkQueue<K> {
  private queue: K[] = [];
  private head = 0;
  private readonly dirty = new Set<K>();
  private readonly processing = new Set<K>();
  private readonly getters: ((k: K | undefined) => void)[] = [];
  private shuttingDown = false;

  private readonly heap = new WaitHeap<K>();
  /** key -> ready time of its live heap entry; older entries for the key are skipped when popped. */
  private readonly waiting = new Map<K, number>();
  private seq = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timerAt = Infinity;
  private readonly limiter: RateLimiter<K>;
  private readonly now: () => number;

  constructor(o: WorkQueueOptions<K>) {
    this.limiter = o.rateLimiter ?? defaultControllerRateLimiter<K>();
    this.now = o.now ?? (() => performance.now());
  }

  add(key: K): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    this.push(key);
  }

  private push(key: K): void {
    const g = this.getters.shift();
    if (g) {
      // Hand it straight to a waiting worker.
      this.dirty.delete(key);
      this.processing.add(key);
      g(key);
    } else this.queue.push(key);
  }

  addAfter(key: K, delayMs: number): void {
    if (this.shuttingDown) return;
    if (!(delayMs > 0)) return this.add(key);
    const at = this.now() + delayMs;
    const cur = this.waiting.get(key);
    // A key already waiting keeps the earlier of the two ready times.
    if (cur !== undefined && cur <= at) return;
    this.waiting.set(key, at);
    this.heap.push({ at, seq: this.seq++, key });
    this.arm();
  }

  addRateLimited(key: K): void {
    this.addAfter(key, this.limiter.when(key));
  }

  forget(key: K): void {
    this.limiter.forget(key);
  }

  numRequeues(key: K): number {
    return this.limiter.numRequeues(key);
  }

  get(): Promise<K | undefined> {
    if (this.head < this.queue.length) {
      const key = this.queue[this.head]!;
      this.head++;
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
      this.dirty.delete(key);
      this.processing.add(key);
      return Promise.resolve(key);
    }
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.getters.push(resolve));
  }

  done(key: K): void {
    this.processing.delete(key);
    if (this.dirty.has(key)) this.push(key);
  }

  len(): number {
    return this.queue.length - this.head;
  }

  shutDown(): void {
    this.shuttingDown = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.heap.clear();
    this.waiting.clear();
    for (const g of this.getters.splice(0)) g(undefined);
  }

  /** One timer, for the earliest waiting key. */
  private arm(): void {
    const next = this.heap.peek();
    if (!next || next.at >= this.timerAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = next.at;
    this.timer = setTimeout(() => this.fire(), Math.max(0, next.at - this.now()));
  }

  private fire(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    const t = this.now();
    for (let w = this.heap.peek(); w && w.at <= t; w = this.heap.peek()) {
      this.heap.pop();
      if (this.waiting.get(w.key) !== w.at) continue;
      this.waiting.delete(w.key);
      this.add(w.key);
    }
    // Skip stale entries so the next timer is for a live one.
    for (let w = this.heap.peek(); w && this.waiting.get(w.key) !== w.at; w = this.heap.peek()) this.heap.pop();
    this.arm();
  }
}

/** A rate-limited delaying work queue (client-go's NewRateLimitingQueue with the default controller limiter). */
export function newWorkQueue<K = string>(options: WorkQueueOptions<K> = {}): WorkQueue<K> {
  return new RateLimitingQueue<K>(options);
}
