import type { Backend } from "./backend.js";
import { ErrCompacted, ErrFutureRev } from "./errors.js";
import { KeyIndex, revKey } from "./keyIndex.js";
import { decodeKeyValue, encodeKeyValue, type KeyValue } from "./keyValue.js";
import { bytesToRev, isTombstone, revStartBytes, revString, revToBytes, writeRevBytes, type Revision } from "./revision.js";
import { TreeIndex, keyString, type KeyRange } from "./treeIndex.js";

export interface RangeOptions {
  /** 0 = no limit. */
  limit?: number;
  /** <= 0 = the newest revision. */
  rev?: number;
  /** Count only; no kvs. */
  count?: boolean;
}

export interface RangeResult {
  kvs: KeyValue[];
  /** The revision the store was at (not the revision read). */
  rev: number;
  /** Keys in the range, ignoring limit. */
  count: number;
}

export type EventType = "put" | "delete";

export interface Event {
  type: EventType;
  /** For deletes: the key, with modRevision = the delete's revision. */
  kv: KeyValue;
}

/** The lessor as MVCC sees it: which lease holds a key, and attaching keys to leases. */
export interface LeaseLink {
  leaseOf(key: string): bigint;
  attach(id: bigint, key: string): void;
  detach(id: bigint, key: string): void;
}

const noLeases: LeaseLink = { leaseOf: () => 0n, attach: () => {}, detach: () => {} };

const metaKeys = {
  consistentIndex: Buffer.from("consistent_index"),
  currentRev: Buffer.from("current_rev"),
  scheduledCompactRev: Buffer.from("scheduledCompactRev"),
  finishedCompactRev: Buffer.from("finishedCompactRev"),
};

function u64(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
}

function readU64(b: Uint8Array | undefined): number | undefined {
  return b && b.length === 8 ? Number(Buffer.from(b).readBigUInt64BE(0)) : undefined;
}


/**
 * The multi-version key-value store (etcd's mvcc store): every change gets a revision; the key
 * index maps keys to revisions and the backend maps revisions to KeyValues.
 * Writes happen only through `write()` from the apply loop, one transaction at a time.
 */
export class KvStore {
  readonly index = new TreeIndex();
  currentRev = 1;
  /** -1 until the first compaction, as etcd reports it. */
  compactMainRev = -1;
  consistentIndex = 0;
  /** Called once per write transaction that changed something, with its events. */
  onCommit: (events: Event[], rev: number) => void = () => {};
  private pendingCompaction: Promise<void> = Promise.resolve();

  constructor(readonly backend: Backend, private leases: LeaseLink = noLeases) {
    this.restore();
    backend.beforeCommit = () => this.writeMeta();
  }

  setLeaseLink(leases: LeaseLink): void {
    this.leases = leases;
  }

  // --- reads -----------------------------------------------------------------------------------

  range(r: KeyRange, opts: RangeOptions = {}): RangeResult {
    return this.rangeAt(r, opts, this.currentRev);
  }

  /** curRev: the newest revision this view may read (a write txn reads its own changes). */
  rangeAt(r: KeyRange, opts: RangeOptions, curRev: number): RangeResult {
    const { revs, rev } = this.rangeRevs(r, opts, curRev);
    if (opts.count || revs.length === 0) return { kvs: [], rev, count: revs.length };
    const limit = opts.limit && opts.limit > 0 && opts.limit < revs.length ? opts.limit : revs.length;
    const kvs: KeyValue[] = new Array(limit);
    for (let i = 0; i < limit; i++) kvs[i] = this.kvAt(revs[i]!);
    return { kvs, rev, count: revs.length };
  }

  /** The revisions a range reads (every key in it, ignoring limit); rev = the store revision. */
  rangeRevs(r: KeyRange, opts: RangeOptions, curRev: number): { revs: Revision[]; rev: number } {
    const want = opts.rev ?? 0;
    if (want > curRev) throw new ErrFutureRev();
    const rev = want <= 0 ? curRev : want;
    if (rev < this.compactMainRev) throw new ErrCompacted();
    const revs: Revision[] = [];
    this.index.range(r, rev, (_k, at) => {
      revs.push(at.modified);
    });
    return { revs, rev: curRev };
  }

  /** Hands each record's stored bytes to fn; they are valid only during the call. */
  forEachRecord(revs: Revision[], fn: (bytes: Uint8Array) => void): void {
    const key = Buffer.allocUnsafe(17);
    for (const r of revs) {
      writeRevBytes(key, r);
      const v = this.backend.getTransient("key", key);
      if (!v) throw new Error(`mvcc: revision ${r.main}/${r.sub} missing from the backend`);
      fn(v);
    }
  }

  /** The stored KeyValue of a live revision. */
  kvAt(rev: Revision): KeyValue {
    const v = this.backend.get("key", revToBytes(rev));
    if (!v) throw new Error(`mvcc: revision ${rev.main}/${rev.sub} missing from the backend`);
    return decodeKeyValue(v);
  }

  /**
   * Every change with from <= revision <= to in revision order (watch catch-up), at most
   * maxRevs distinct revisions; returns the last revision visited.
   */
  eventsBetween(from: number, to: number, fn: (ev: Event, rev: Revision) => void): void {
    this.backend.forEach("key", revStartBytes(from), revStartBytes(to + 1), (k, v) => {
      const rev = bytesToRev(k);
      const kv = decodeKeyValue(v);
      if (isTombstone(k)) {
        // A delete event shows the key at the delete's revision, not the stored tombstone record.
        kv.modRevision = rev.main;
        kv.encoded = undefined;
        fn({ type: "delete", kv }, rev);
      } else {
        fn({ type: "put", kv }, rev);
      }
    });
  }

  // --- writes ----------------------------------------------------------------------------------

  write(): TxnWrite {
    return new TxnWrite(this, this.leases);
  }

  /** Called by TxnWrite.end(). */
  commitChanges(events: Event[]): void {
    if (events.length === 0) return;
    this.currentRev++;
    this.onCommit(events, this.currentRev);
  }

  /**
   * Persists the applied raft index with the current revision; the apply loop calls this once
   * per batch. Both are written as the backend commits (only the last pair matters, and writing
   * them per batch cost ~1 KB of garbage per one-write batch): the pair saved last, so a commit
   * never records a revision past the index it came from.
   */
  saveConsistentIndex(index: number): void {
    this.consistentIndex = index;
    this.savedIndex = index;
    this.savedRev = this.currentRev;
    this.backend.requestCommit();
  }

  private savedIndex = -1;
  private savedRev = 0;

  private writeMeta(): void {
    if (this.savedIndex < 0) return;
    this.backend.put("meta", metaKeys.currentRev, u64(this.savedRev));
    this.backend.put("meta", metaKeys.consistentIndex, u64(this.savedIndex));
    this.savedIndex = -1;
  }

  // --- compaction ------------------------------------------------------------------------------

  /**
   * Compacts history below rev: the index forgets it at once; the backend deletes it in the
   * background. Returns a promise for the physical deletion.
   */
  compact(rev: number): Promise<void> {
    if (rev <= this.compactMainRev) throw new ErrCompacted();
    if (rev > this.currentRev) throw new ErrFutureRev();
    this.compactMainRev = rev;
    this.backend.put("meta", metaKeys.scheduledCompactRev, u64(rev));
    const keep = this.index.compact(rev);
    this.pendingCompaction = this.pendingCompaction.then(() => this.deleteHistory(rev, keep));
    return this.pendingCompaction;
  }

  private async deleteHistory(rev: number, keep: Set<string>): Promise<void> {
    const end = revStartBytes(rev + 1);
    const batch = 1000;
    for (;;) {
      const doomed: Buffer[] = [];
      this.backend.forEach("key", undefined, end, (k) => {
        if (!keep.has(revKey(bytesToRev(k)))) doomed.push(Buffer.from(k));
        return doomed.length < batch;
      });
      for (const k of doomed) this.backend.delete("key", k);
      if (doomed.length < batch) break;
      // Let requests run between batches, as etcd pauses between its compaction batches.
      await new Promise((r) => setImmediate(r));
    }
    this.backend.put("meta", metaKeys.finishedCompactRev, u64(rev));
    await this.backend.flushed();
  }

  /** Waits for background compaction (tests, snapshots). */
  compactionDone(): Promise<void> {
    return this.pendingCompaction;
  }

  // --- start-up --------------------------------------------------------------------------------

  private restore(): void {
    const b = this.backend;
    this.consistentIndex = readU64(b.get("meta", metaKeys.consistentIndex)) ?? 0;
    const savedRev = readU64(b.get("meta", metaKeys.currentRev));
    const scheduled = readU64(b.get("meta", metaKeys.scheduledCompactRev));
    const finished = readU64(b.get("meta", metaKeys.finishedCompactRev));

    // Revisions past the saved current revision belong to a batch whose meta never landed: the
    // WAL replays that batch, so drop them.
    if (savedRev !== undefined) {
      const extra: Buffer[] = [];
      b.forEach("key", revStartBytes(savedRev + 1), undefined, (k) => {
        extra.push(Buffer.from(k));
      });
      for (const k of extra) b.delete("key", k);
    }

    const leaseOfKey = new Map<string, bigint>();
    let last = 0;
    b.forEach("key", undefined, undefined, (k, v) => {
      const rev = bytesToRev(k);
      last = rev.main;
      const kv = decodeKeyValue(v);
      const key = keyString(kv.key);
      let ki = this.index.keyIndex(key);
      if (isTombstone(k)) {
        if (ki && !ki.isEmpty()) ki.tombstone(rev);
        leaseOfKey.delete(key);
        return;
      }
      if (!ki || ki.isEmpty()) {
        ki = new KeyIndex(key);
        ki.restore({ main: kv.createRevision, sub: 0 }, rev, kv.version);
        this.index.insert(ki);
      } else if (!ki.isLive() && ki.generations.length > 0) {
        ki.put(rev);
        ki.generations[ki.generations.length - 1]!.created = { main: kv.createRevision, sub: 0 };
      } else {
        ki.put(rev);
      }
      if (kv.lease !== 0n) leaseOfKey.set(key, kv.lease);
      else leaseOfKey.delete(key);
    });
    this.currentRev = Math.max(1, savedRev ?? last, last);
    if (scheduled !== undefined) {
      this.compactMainRev = scheduled;
      // Compaction may have deleted every revision up to it (the newest being tombstones): the
      // store is still at least at the compaction revision, as etcd restores it.
      if (this.currentRev < scheduled) this.currentRev = scheduled;
      const keep = this.index.compact(scheduled);
      if (finished !== scheduled) this.pendingCompaction = this.deleteHistory(scheduled, keep);
    }
    this.restoredLeases = leaseOfKey;
  }

  /** key -> lease of live keys found at start-up; the lessor attaches them once it is restored. */
  restoredLeases = new Map<string, bigint>();
}

/** One write transaction: all its changes share main revision currentRev + 1. */
export class TxnWrite {
  readonly beginRev: number;
  readonly events: Event[] = [];

  constructor(private readonly s: KvStore, private readonly leases: LeaseLink) {
    this.beginRev = s.currentRev;
  }

  /** The revision this transaction's reads see: its own changes included. */
  get readRev(): number {
    return this.events.length > 0 ? this.beginRev + 1 : this.beginRev;
  }

  range(r: KeyRange, opts: RangeOptions = {}): RangeResult {
    return this.s.rangeAt(r, opts, this.readRev);
  }

  /** Returns the revision of the put. */
  put(key: Uint8Array, value: Uint8Array, lease: bigint): number {
    const rev = this.beginRev + 1;
    const k = keyString(key);
    const prev = this.s.index.get(k, rev);
    const idxRev: Revision = { main: rev, sub: this.events.length };
    const kv: KeyValue = {
      key,
      value,
      createRevision: prev ? prev.created.main : rev,
      modRevision: rev,
      version: (prev?.version ?? 0) + 1,
      lease,
    };
    const oldLease = prev ? this.leases.leaseOf(k) : 0n;
    kv.encoded = encodeKeyValue(kv);
    this.s.backend.putString("key", revString(idxRev), kv.encoded);
    this.s.index.put(k, idxRev);
    this.events.push({ type: "put", kv });
    if (oldLease !== 0n) this.leases.detach(oldLease, k);
    if (lease !== 0n) this.leases.attach(lease, k);
    return rev;
  }

  /** Deletes every live key in the range; returns how many. */
  deleteRange(r: KeyRange): number {
    const keys: string[] = [];
    this.s.index.range(r, this.readRev, (k) => {
      keys.push(k);
    });
    for (const k of keys) this.delete(k);
    return keys.length;
  }

  private delete(k: string): void {
    const rev = this.beginRev + 1;
    const idxRev: Revision = { main: rev, sub: this.events.length };
    const key = Buffer.from(k, "latin1");
    const tomb: KeyValue = { key, value: new Uint8Array(0), createRevision: 0, modRevision: 0, version: 0, lease: 0n };
    this.s.backend.putString("key", revString(idxRev, true), encodeKeyValue(tomb));
    this.s.index.tombstone(k, idxRev);
    this.events.push({ type: "delete", kv: { ...tomb, modRevision: rev } });
    const lease = this.leases.leaseOf(k);
    if (lease !== 0n) this.leases.detach(lease, k);
  }

  /** The revision the header reports after this transaction. */
  get rev(): number {
    return this.events.length > 0 ? this.beginRev + 1 : this.beginRev;
  }

  end(): void {
    this.s.commitChanges(this.events);
  }
}
