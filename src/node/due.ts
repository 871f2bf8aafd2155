/**
 * Keys due at a time (ms), for every node's timed work at once: one heap instead of a timer per
 * node, lease or pod. Scheduling a key that is already due later moves it earlier; a key keeps
 * only its earliest time. Stale heap entries are skipped lazily.
 */
export class DueQueue {
  private readonly heap: { at: number; key: string }[] = [];
  private readonly due = new Map<string, number>();

  /** Schedules `key` at `at` unless it is already scheduled earlier. */
  schedule(key: string, at: number): void {
    const cur = this.due.get(key);
    if (cur !== undefined && cur <= at) return;
    this.due.set(key, at);
    this.push({ at, key });
  }

  /** Moves `key` to `at` even when that is later than its current time. */
  reschedule(key: string, at: number): void {
    this.due.delete(key);
    this.schedule(key, at);
  }

  cancel(key: string): void {
    this.due.delete(key);
  }

  has(key: string): boolean {
    return this.due.has(key);
  }

  /** Removes and answers every key due at or before `now`, earliest first. */
  popDue(now: number): string[] {
    const out: string[] = [];
    for (;;) {
      const top = this.heap[0];
      if (!top || top.at > now) break;
      this.pop();
      if (this.due.get(top.key) !== top.at) continue;
      this.due.delete(top.key);
      out.push(top.key);
    }
    return out;
  }

  /** The earliest pending time, if any. */
  next(): number | undefined {
    for (;;) {
      const top = this.heap[0];
      if (!top) return undefined;
      if (this.due.get(top.key) === top.at) return top.at;
      this.pop();
    }
  }

  get size(): number {
    return this.due.size;
  }

  private push(e: { at: number; key: string }): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h[p]!.at <= e.at) break;
      h[i] = h[p]!;
      i = p;
    }
    h[i] = e;
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= h.length) break;
      const r = l + 1;
      const c = r < h.length && h[r]!.at < h[l]!.at ? r : l;
      if (h[c]!.at >= last.at) break;
      h[i] = h[c]!;
      i = c;
    }
    h[i] = last;
  }
}
