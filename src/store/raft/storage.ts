// The read side of stable storage as the raft core sees it, and MemoryStorage, the in-memory
// copy of the WAL that a server keeps in front of its disk (as etcd does). The caller writes to
// it (append, setHardState, applySnapshot) after it has made the same change durable.

import { ErrCompacted, ErrSnapOutOfDate, ErrUnavailable } from "./errors.js";
import { EMPTY_BYTES } from "./message.js";
import type { ConfState, Entry, HardState, Snapshot } from "./types.js";
import { None } from "./types.js";

export interface Storage {
  /** The persisted hard state and the configuration as of the latest snapshot. */
  initialState(): { hardState: HardState; confState: ConfState };
  /**
   * Entries [lo, hi). Throws ErrCompacted below firstIndex(). With maxSize, returns a prefix
   * whose summed entrySize stays within it, but always at least one entry.
   */
  entries(lo: number, hi: number, maxSize?: number): Entry[];
  /** Term of entry i, for i in [firstIndex()-1, lastIndex()]; the entry before firstIndex is the snapshot's. */
  term(i: number): number;
  firstIndex(): number;
  lastIndex(): number;
  /** The latest snapshot; may throw ErrSnapshotTemporarilyUnavailable. */
  snapshot(): Snapshot;
}

/** Size of an entry for message and batch limits: payload plus a fixed header estimate. */
export function entrySize(e: Entry): number {
  return e.data.byteLength + 16;
}

/** Keep the longest prefix of ents within maxSize bytes, but at least one entry. */
export function limitSize(ents: Entry[], maxSize: number | undefined): Entry[] {
  if (maxSize === undefined || maxSize === Infinity || ents.length <= 1) return ents;
  let size = entrySize(ents[0]!);
  for (let i = 1; i < ents.length; i++) {
    size += entrySize(ents[i]!);
    if (size > maxSize) return ents.slice(0, i);
  }
  return ents;
}

export function emptySnapshot(): Snapshot {
  return { meta: { index: 0, term: 0, confState: { voters: [], learners: [] } }, data: EMPTY_BYTES };
}

export class MemoryStorage implements Storage {
  private hardState: HardState = { term: 0, vote: None, commit: 0 };
  private snap: Snapshot = emptySnapshot();
  // ents[0] is a placeholder standing for the snapshot: its index and term are the snapshot's,
  // so term(firstIndex-1) works and ents[i - ents[0].index] is entry i.
  private ents: Entry[] = [{ term: 0, index: 0, type: "normal", data: EMPTY_BYTES }];

  initialState(): { hardState: HardState; confState: ConfState } {
    return { hardState: { ...this.hardState }, confState: cloneConfState(this.snap.meta.confState) };
  }

  setHardState(hs: HardState): void {
    this.hardState = { ...hs };
  }

  hardStateNow(): HardState {
    return { ...this.hardState };
  }

  entries(lo: number, hi: number, maxSize?: number): Entry[] {
    const offset = this.ents[0]!.index;
    if (lo <= offset) throw new ErrCompacted();
    if (hi > this.lastIndex() + 1) throw new RangeError(`entries hi ${hi} is beyond last index ${this.lastIndex()}`);
    if (lo >= hi) return [];
    if (maxSize === undefined || maxSize === Infinity) return this.ents.slice(lo - offset, hi - offset);
    // Walk only as far as the size limit reaches, so a far-behind follower costs one message's worth.
    const out: Entry[] = [];
    let size = 0;
    for (let i = lo - offset; i < hi - offset; i++) {
      const e = this.ents[i]!;
      size += entrySize(e);
      if (out.length > 0 && size > maxSize) break;
      out.push(e);
    }
    return out;
  }

  term(i: number): number {
    const offset = this.ents[0]!.index;
    if (i < offset) throw new ErrCompacted();
    const e = this.ents[i - offset];
    if (e === undefined) throw new ErrUnavailable();
    return e.term;
  }

  firstIndex(): number {
    return this.ents[0]!.index + 1;
  }

  lastIndex(): number {
    return this.ents[0]!.index + this.ents.length - 1;
  }

  snapshot(): Snapshot {
    return this.snap;
  }

  /** Replace everything with the snapshot (a follower installing the leader's snapshot). */
  applySnapshot(snap: Snapshot): void {
    if (snap.meta.index <= this.snap.meta.index) throw new ErrSnapOutOfDate();
    this.snap = snap;
    this.ents = [{ term: snap.meta.term, index: snap.meta.index, type: "normal", data: EMPTY_BYTES }];
  }

  /** Record a snapshot of the applied state at index (<= lastIndex); compact() separately. */
  createSnapshot(index: number, confState: ConfState | undefined, data: Uint8Array): Snapshot {
    if (index <= this.snap.meta.index) throw new ErrSnapOutOfDate();
    if (index > this.lastIndex()) throw new RangeError(`snapshot ${index} is beyond last index ${this.lastIndex()}`);
    const term = this.term(index);
    const cs = confState ?? this.snap.meta.confState;
    this.snap = { meta: { index, term, confState: cloneConfState(cs) }, data };
    return this.snap;
  }

  /** Drop entries up to and including compactIndex; callers keep a tail for slow followers. */
  compact(compactIndex: number): void {
    const offset = this.ents[0]!.index;
    if (compactIndex <= offset) throw new ErrCompacted();
    if (compactIndex > this.lastIndex()) throw new RangeError(`compact ${compactIndex} is beyond last index ${this.lastIndex()}`);
    const i = compactIndex - offset;
    const ents = this.ents;
    const n = ents.length - i;
    const term = ents[i]!.term;
    // A lone voter compacts after every Ready, keeping an entry or two: shift those in place
    // rather than copy into a new array (that one grows again on the next append).
    if (n <= 64) {
      for (let j = 0; j < n; j++) ents[j] = ents[i + j]!;
      ents.length = n;
    } else this.ents = ents.slice(i);
    this.ents[0] = { term, index: compactIndex, type: "normal", data: EMPTY_BYTES };
  }

  /**
   * Append entries that follow or overlap the log; an overlap replaces the old suffix from the
   * first new index on (the caller hands Ready.entries in as they are). Entries already
   * compacted are skipped.
   */
  append(entries: Entry[]): void {
    if (entries.length === 0) return;
    const first = this.firstIndex();
    const last = entries[entries.length - 1]!.index;
    if (last < first) return;
    let from = 0;
    if (entries[0]!.index < first) from = first - entries[0]!.index;
    const start = entries[from]!.index - this.ents[0]!.index;
    if (start > this.ents.length) {
      throw new RangeError(`missing log entries: last ${this.lastIndex()}, appending at ${entries[from]!.index}`);
    }
    this.ents.length = start; // truncate a conflicting suffix in place; no copy of the prefix
    for (let i = from; i < entries.length; i++) this.ents.push(entries[i]!);
  }
}

export function cloneConfState(cs: ConfState): ConfState {
  return { voters: [...cs.voters], learners: [...cs.learners] };
}
