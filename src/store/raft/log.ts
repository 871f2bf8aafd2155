// The raft log: a stable prefix in Storage plus an unstable tail (entries and possibly a snapshot
// not yet persisted by the caller). Every operation on the write path is O(entries touched):
// appends push, persisting drops a prefix of the tail, nothing copies the whole log.

import { ErrCompacted, ErrUnavailable } from "./errors.js";
import { limitSize, type Storage } from "./storage.js";
import type { Entry, Snapshot } from "./types.js";

/** Entries and a snapshot the caller has not yet persisted. entries[i] has index offset + i. */
export class Unstable {
  snapshot: Snapshot | undefined = undefined;
  entries: Entry[] = [];

  constructor(public offset: number) {}

  firstIndex(): number | undefined {
    return this.snapshot ? this.snapshot.meta.index + 1 : undefined;
  }

  lastIndex(): number | undefined {
    if (this.entries.length > 0) return this.offset + this.entries.length - 1;
    return this.snapshot ? this.snapshot.meta.index : undefined;
  }

  term(i: number): number | undefined {
    if (i < this.offset) {
      const s = this.snapshot;
      return s && s.meta.index === i ? s.meta.term : undefined;
    }
    return this.entries[i - this.offset]?.term;
  }

  /** The caller persisted entries up to (i, t); drop them unless the tail changed since. */
  stableTo(i: number, t: number): void {
    if (i < this.offset || this.term(i) !== t) return;
    this.entries = this.entries.slice(i + 1 - this.offset);
    this.offset = i + 1;
  }

  stableSnapTo(i: number): void {
    if (this.snapshot && this.snapshot.meta.index === i) this.snapshot = undefined;
  }

  restore(s: Snapshot): void {
    this.offset = s.meta.index + 1;
    this.entries = [];
    this.snapshot = s;
  }

  truncateAndAppend(ents: Entry[]): void {
    const after = ents[0]!.index;
    if (after === this.offset + this.entries.length) {
      // The common case: a plain append.
    } else if (after <= this.offset) {
      // Replaces everything unstable and part of the stable log: persist from `after` on.
      this.offset = after;
      this.entries = [];
    } else {
      this.entries.length = after - this.offset; // handed-out Ready.entries are copies, so this is safe
    }
    for (const e of ents) this.entries.push(e);
  }

  slice(lo: number, hi: number): Entry[] {
    return this.entries.slice(lo - this.offset, hi - this.offset);
  }
}

export class RaftLog {
  readonly unstable: Unstable;
  /** Highest index known to be committed on a quorum. */
  committed: number;
  /** Highest index the caller has applied (reported through advance()). */
  applied: number;

  constructor(readonly storage: Storage) {
    const first = storage.firstIndex();
    const last = storage.lastIndex();
    this.unstable = new Unstable(last + 1);
    this.committed = first - 1;
    this.applied = first - 1;
  }

  firstIndex(): number {
    return this.unstable.firstIndex() ?? this.storage.firstIndex();
  }

  lastIndex(): number {
    return this.unstable.lastIndex() ?? this.storage.lastIndex();
  }

  lastTerm(): number {
    const t = this.termOrUndefined(this.lastIndex());
    if (t === undefined) throw new Error(`raft log: no term for last index ${this.lastIndex()}`);
    return t;
  }

  /** Term of entry i, or undefined when i is compacted away or beyond the log. Never throws for range. */
  termOrUndefined(i: number): number | undefined {
    const t = this.unstable.term(i);
    if (t !== undefined) return t;
    if (i < this.firstIndex() - 1 || i > this.lastIndex()) return undefined;
    if (i >= this.unstable.offset) return undefined;
    try {
      return this.storage.term(i);
    } catch (e) {
      if (e instanceof ErrCompacted || e instanceof ErrUnavailable) return undefined;
      throw e;
    }
  }

  termOrZero(i: number): number {
    return this.termOrUndefined(i) ?? 0;
  }

  matchTerm(i: number, t: number): boolean {
    return this.termOrUndefined(i) === t;
  }

  /**
   * The follower side of MsgApp: if our entry at index has logTerm, append ents (replacing a
   * conflicting suffix) and commit up to min(committed, last new index). Returns the last index
   * the leader's message vouches for, or undefined on mismatch.
   */
  maybeAppend(index: number, logTerm: number, committed: number, ents: Entry[]): number | undefined {
    if (!this.matchTerm(index, logTerm)) return undefined;
    const lastNew = index + ents.length;
    const ci = this.findConflict(ents);
    if (ci !== 0) {
      if (ci <= this.committed) throw new Error(`raft log: entry ${ci} conflicts with committed entry (committed ${this.committed})`);
      this.append(ents.slice(ci - (index + 1)));
    }
    this.commitTo(Math.min(committed, lastNew));
    return lastNew;
  }

  /** Index of the first entry of ents that is new or differs from ours, or 0 if none. */
  findConflict(ents: Entry[]): number {
    for (const e of ents) if (!this.matchTerm(e.index, e.term)) return e.index;
    return 0;
  }

  /**
   * The largest index <= index whose term is <= term, and that term (0 if unknown). The leader
   * uses it to skip a whole term of mismatching entries per probe instead of one entry.
   */
  findConflictByTerm(index: number, term: number): { index: number; term: number } {
    for (; index > 0; index--) {
      const t = this.termOrUndefined(index);
      if (t === undefined) return { index, term: 0 };
      if (t <= term) return { index, term: t };
    }
    return { index: 0, term: 0 };
  }

  append(ents: Entry[]): number {
    if (ents.length === 0) return this.lastIndex();
    const after = ents[0]!.index - 1;
    if (after < this.committed) throw new Error(`raft log: append after ${after} is below committed ${this.committed}`);
    this.unstable.truncateAndAppend(ents);
    return this.lastIndex();
  }

  hasUnstableEntries(): boolean {
    return this.unstable.entries.length > 0;
  }

  hasPendingSnapshot(): boolean {
    return this.unstable.snapshot !== undefined;
  }

  /** The last index whose entry is durable and still part of this log. */
  persistedLastIndex(): number {
    return this.unstable.snapshot ? 0 : this.unstable.offset - 1;
  }

  hasNextCommittedEnts(): boolean {
    if (this.hasPendingSnapshot()) return false; // the snapshot must be applied first
    return this.committed > Math.max(this.applied, this.firstIndex() - 1);
  }

  /**
   * Committed entries not yet applied. They may still be unstable: the Ready contract makes the
   * caller persist Ready.entries before it applies Ready.committedEntries.
   */
  nextCommittedEnts(): Entry[] {
    if (!this.hasNextCommittedEnts()) return [];
    const lo = Math.max(this.applied + 1, this.firstIndex());
    return this.slice(lo, this.committed + 1);
  }

  snapshot(): Snapshot {
    return this.unstable.snapshot ?? this.storage.snapshot();
  }

  commitTo(i: number): void {
    if (i <= this.committed) return;
    if (i > this.lastIndex()) throw new Error(`raft log: commit ${i} is out of range [last ${this.lastIndex()}]`);
    this.committed = i;
  }

  appliedTo(i: number): void {
    if (i === 0 || i <= this.applied) return;
    if (i > this.committed) throw new Error(`raft log: applied ${i} is beyond committed ${this.committed}`);
    this.applied = i;
  }

  stableTo(i: number, t: number): void {
    this.unstable.stableTo(i, t);
  }

  stableSnapTo(i: number): void {
    this.unstable.stableSnapTo(i);
  }

  /** Leader side: commit maxIndex if it holds an entry of the current term (Raft §5.4.2). */
  maybeCommit(maxIndex: number, term: number): boolean {
    if (maxIndex > this.committed && this.termOrZero(maxIndex) === term) {
      this.commitTo(maxIndex);
      return true;
    }
    return false;
  }

  /** Is a log ending at (lastIndex, lastTerm) at least as up to date as ours (Raft §5.4.1)? */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const ourTerm = this.lastTerm();
    return lastTerm > ourTerm || (lastTerm === ourTerm && lastIndex >= this.lastIndex());
  }

  /** Entries [lo, hi), from storage and the unstable tail, limited to maxSize bytes (at least one). */
  slice(lo: number, hi: number, maxSize?: number): Entry[] {
    if (lo >= hi) return [];
    if (lo < this.firstIndex()) throw new ErrCompacted();
    if (hi > this.lastIndex() + 1) throw new RangeError(`raft log: slice [${lo}, ${hi}) beyond last index ${this.lastIndex()}`);
    const u = this.unstable.offset;
    let ents: Entry[] = [];
    if (lo < u) {
      const stableHi = Math.min(hi, u);
      ents = this.storage.entries(lo, stableHi, maxSize);
      if (ents.length < stableHi - lo) return ents; // cut by maxSize
    }
    if (hi > u) {
      const tail = this.unstable.slice(Math.max(lo, u), hi);
      ents = ents.length > 0 ? ents.concat(tail) : tail;
    }
    return limitSize(ents, maxSize);
  }

  /** Entries from i to the end, limited to maxSize. */
  entriesFrom(i: number, maxSize?: number): Entry[] {
    const last = this.lastIndex();
    if (i > last) return [];
    return this.slice(i, last + 1, maxSize);
  }

  restore(s: Snapshot): void {
    this.committed = s.meta.index;
    this.unstable.restore(s);
  }
}
