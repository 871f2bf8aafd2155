/**
 * Proposals in flight, by request id. Ids are a counter (mod 2^30) handed out in order, and
 * entries apply in the order proposed, so a ring in id order serves every lookup at its head
 * without hashing, and without the table rebuilds a Map goes through when one entry comes and
 * goes per write (measured: ~150 bytes of garbage per write).
 */
export class ProposalQueue<T> {
  private slots: Array<T | undefined> = new Array<T | undefined>(16);
  /** Ring index of the oldest id kept. */
  private start = 0;
  /** The oldest id kept (the ring's head). */
  private first = 0;
  /** Ids kept from `first` on, taken or not. */
  private len = 0;
  /** Values held. */
  size = 0;

  /** The id that must come next (after `first + len`); any id will do when empty. */
  get nextId(): number {
    return (this.first + this.len) & ID_MASK;
  }

  /** Adds v under id, which must be nextId unless the queue is empty. */
  add(id: number, v: T): void {
    if (this.len === 0) {
      this.first = id & ID_MASK;
      this.start = 0;
    } else if (id !== this.nextId) throw new Error(`proposals: id ${id} out of order (want ${this.nextId})`);
    if (this.len === this.slots.length) this.grow();
    this.slots[(this.start + this.len) & (this.slots.length - 1)] = v;
    this.len++;
    this.size++;
  }

  get(id: number): T | undefined {
    const i = (id - this.first) & ID_MASK;
    return i < this.len ? this.slots[(this.start + i) & (this.slots.length - 1)] : undefined;
  }

  /** Removes and returns the value under id. */
  take(id: number): T | undefined {
    const i = (id - this.first) & ID_MASK;
    if (i >= this.len) return undefined;
    const at = (this.start + i) & (this.slots.length - 1);
    const v = this.slots[at];
    if (v === undefined) return undefined;
    this.slots[at] = undefined;
    this.size--;
    if (i === 0) this.dropTaken();
    return v;
  }

  /** The oldest value held. */
  oldest(): { id: number; value: T } | undefined {
    return this.len === 0 ? undefined : { id: this.first, value: this.slots[this.start]! };
  }

  /** Takes every value, oldest first. */
  drain(): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.len; i++) {
      const at = (this.start + i) & (this.slots.length - 1);
      const v = this.slots[at];
      if (v !== undefined) out.push(v);
      this.slots[at] = undefined;
    }
    this.first = this.nextId;
    this.len = 0;
    this.size = 0;
    return out;
  }

  /** Moves the head past taken ids, so that it always holds a value (or the ring is empty). */
  private dropTaken(): void {
    const mask = this.slots.length - 1;
    while (this.len > 0 && this.slots[this.start] === undefined) {
      this.start = (this.start + 1) & mask;
      this.first = (this.first + 1) & ID_MASK;
      this.len--;
    }
  }

  private grow(): void {
    const old = this.slots;
    const next = new Array<T | undefined>(old.length * 2);
    for (let i = 0; i < this.len; i++) next[i] = old[(this.start + i) & (old.length - 1)];
    this.slots = next;
    this.start = 0;
  }
}

/** Ids wrap at 2^30 (small integers for V8, and far more than can be in flight). */
export const ID_MASK = 0x3fffffff;
