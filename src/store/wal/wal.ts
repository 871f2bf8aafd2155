// The write-ahead log: an append-only chain of preallocated segment files holding raft entries,
// hard states and snapshot markers. save() encodes into memory; sync() writes and fdatasyncs,
// batching every save made before it starts into one fdatasync (group commit). See README.md.

import fs from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import type { Entry, HardState } from "../raft/types.js";
import { WalError } from "./errors.js";
import {
  DIR_MODE,
  FILE_MODE,
  type SegmentName,
  closeAsync,
  fdatasyncAsync,
  fsyncDirSync,
  listSegments,
  openAsync,
  removeTmpFiles,
  segmentFileName,
  writeAllSync,
  zeroFill,
} from "./files.js";
import {
  RecordBuffer,
  RecordType,
  type RecordTypeCode,
  type SnapshotMarker,
  decodeEntry,
  decodeSnapshot,
  decodeState,
  entryRecordSize,
  recordSize,
  scanSegment,
} from "./record.js";

export type { SnapshotMarker } from "./record.js";

export const DEFAULT_SEGMENT_SIZE = 64 * 1024 * 1024;

export interface WalOptions {
  /** Bytes per segment file (preallocated); a segment is cut when the next record would not fit. */
  segmentBytes?: number;
  /**
   * Zero-fill segments ahead of time (default true). Off: segments are sparse (ftruncate), which
   * is correct but makes every fdatasync also journal block allocations (~1.5-2x slower).
   */
  preallocate?: boolean;
  /** Pending bytes at which save() already writes to the OS rather than waiting for sync(). */
  flushThreshold?: number;
  /** Called once per group-commit round with the fdatasync time (etcd_disk_wal_fsync_duration_seconds). */
  onFsync?: (seconds: number) => void;
}

export interface WalOpenOptions extends WalOptions {
  /** Replay from this snapshot: entries at or below its index are skipped; its marker must be in the log. */
  fromSnapshot?: SnapshotMarker;
}

export interface WalOpenResult {
  wal: Wal;
  metadata: Uint8Array;
  hardState: HardState | undefined;
  /** Entries after the snapshot index, with overwritten suffixes already replaced. */
  entries: Entry[];
  /** The newest snapshot marker among the segments read. */
  snapshot?: SnapshotMarker;
  /** Set when open() cut off a torn last record. */
  repairedTail?: { segment: string; offset: number; reason: string };
}

export interface WalStats {
  /** Group-commit rounds (each one fdatasync per written segment, plus the directory when needed). */
  fsyncs: number;
  fsyncSeconds: number;
  /** Bytes handed to the OS (records, padding, segment heads). */
  bytesWritten: number;
  recordsWritten: number;
  /** Segments this instance started (rotations, plus the first one for create()). */
  segmentsCreated: number;
  /** Rotations that found no zero-filled segment ready and fell back to a sparse file. */
  sparseSegments: number;
  /** Segment files currently on disk. */
  segments: number;
  lastIndex: number;
}

/** Called once the round covering a sync request ended: no error = durable. */
export type SyncCallback = (err: Error | undefined) => void;

interface Waiter {
  target: number;
  cb: SyncCallback;
}

interface SpareFile {
  fd: number;
  path: string;
}

interface Resolved {
  segmentBytes: number;
  preallocate: boolean;
  flushThreshold: number;
  onFsync: ((seconds: number) => void) | undefined;
}

function resolveOptions(o: WalOptions | undefined): Resolved {
  const segmentBytes = o?.segmentBytes ?? DEFAULT_SEGMENT_SIZE;
  if (!Number.isSafeInteger(segmentBytes) || segmentBytes < 4096) throw new RangeError("wal: segmentBytes must be >= 4096");
  return {
    segmentBytes,
    preallocate: o?.preallocate ?? true,
    flushThreshold: o?.flushThreshold ?? 1024 * 1024,
    onFsync: o?.onFsync,
  };
}

const STATE_RECORD_SIZE = recordSize(24);
const SNAPSHOT_RECORD_SIZE = recordSize(16);

export class Wal {
  private readonly dirFd: number;
  private readonly pending: RecordBuffer;
  /** Bytes of the current segment already handed to the OS. */
  private written: number;
  /** Whether the current segment holds anything beyond its head (else a big record just extends it). */
  private hasBody: boolean;
  private lastHardState: HardState | undefined;
  private lastIndex: number;

  /** Counts save() calls; sync() waits until syncedSeq reaches the count at the time it was called. */
  private saveSeq = 0;
  private syncedSeq = 0;
  private syncing = false;
  /** close() waits here for the round in flight before closing fds. */
  private roundEnded: Array<() => void> = [];
  private waiters: Waiter[] = [];
  // The round in flight: its target, its fdatasync/fsync jobs still running, the first error,
  // and when it started. Rounds run on fs callbacks, not promises: one per write on the hot path.
  private roundTarget = 0;
  private roundJobs = 0;
  private roundErr: Error | undefined;
  private roundStart = 0;
  private readonly jobDone = (err: Error | null): void => this.onJobDone(err);
  private readonly dirty = new Set<number>();
  /** fds whose fdatasync is running now: never closed under it (the number could be reused). */
  private readonly inFlight: number[] = [];
  /** fds of segments that were cut: closed once a round has synced their last writes. */
  private readonly retired = new Set<number>();
  private dirDirty = false;

  /** Deletions of released segments, one at a time, oldest first, across releaseTo calls. */
  private releasing: Promise<void> = Promise.resolve();
  private spare: SpareFile | undefined;
  private preparing: Promise<void> | undefined;
  private failure: WalError | undefined;
  private closed = false;

  private readonly st = { fsyncs: 0, fsyncSeconds: 0, bytesWritten: 0, recordsWritten: 0, segmentsCreated: 0, sparseSegments: 0 };

  private constructor(
    readonly dir: string,
    private readonly opts: Resolved,
    private readonly metadata: Uint8Array,
    private segments: SegmentName[],
    private fd: number,
    state: { written: number; crc: number; hasBody: boolean; hardState: HardState | undefined; lastIndex: number },
  ) {
    this.dirFd = fs.openSync(dir, "r");
    this.pending = new RecordBuffer(state.crc);
    this.written = state.written;
    this.hasBody = state.hasBody;
    this.lastHardState = state.hardState ? { ...state.hardState } : undefined;
    this.lastIndex = state.lastIndex;
  }

  /** True if dir holds at least one segment. */
  static exists(dir: string): boolean {
    return listSegments(dir).length > 0;
  }

  /** Starts a new log in dir (created if missing); metadata is repeated at the head of every segment. */
  static async create(dir: string, metadata: Uint8Array, opts?: WalOptions): Promise<Wal> {
    const o = resolveOptions(opts);
    if (Wal.exists(dir)) throw new WalError("exists", `wal: ${dir} already holds a log`);
    const parent = path.dirname(path.resolve(dir));
    const created = !fs.existsSync(dir);
    fs.mkdirSync(dir, { recursive: true, mode: DIR_MODE });
    if (created) fsyncDirSync(parent);
    removeTmpFiles(dir);

    // Build the first segment under a temporary name, so a crash never leaves a headless log.
    const tmp = path.join(dir, "create.tmp");
    const fd = await openAsync(tmp, "w+");
    try {
      if (o.preallocate) await zeroFill(fd, 0, o.segmentBytes);
      else fs.ftruncateSync(fd, o.segmentBytes);
      const head = new RecordBuffer(0, 4096);
      head.appendCrc();
      head.appendMetadata(metadata);
      writeAllSync(fd, head.bytes(), 0);
      await fdatasyncAsync(fd);
      const name = segmentFileName(0, 0);
      fs.renameSync(tmp, path.join(dir, name));
      fsyncDirSync(dir);
      const wal = new Wal(dir, o, new Uint8Array(metadata), [{ seq: 0, index: 0, name }], fd, {
        written: head.len,
        crc: head.crc,
        hasBody: false,
        hardState: undefined,
        lastIndex: 0,
      });
      wal.st.bytesWritten += head.len;
      wal.st.recordsWritten += 2;
      wal.st.segmentsCreated = 1;
      wal.prepareNext();
      return wal;
    } catch (err) {
      fs.closeSync(fd);
      fs.rmSync(tmp, { force: true });
      throw err;
    }
  }

  /**
   * Opens an existing log for appending and replays it from a snapshot. A torn last record in
   * the last segment is cut off; any other damage is an error.
   */
  static async open(dir: string, opts?: WalOpenOptions): Promise<WalOpenResult> {
    const o = resolveOptions(opts);
    const snap = opts?.fromSnapshot ?? { index: 0, term: 0 };
    let segments = listSegments(dir);
    if (segments.length === 0) throw new WalError("notFound", `wal: no segments in ${dir}`);
    removeTmpFiles(dir);

    const entries: Entry[] = [];
    let hardState: HardState | undefined;
    let newest: SnapshotMarker | undefined;
    let found = snap.index === 0;
    let lastIndex = 0;
    const read = await readLog(dir, segments, snap.index, true, (type, payload) => {
      switch (type) {
        case RecordType.entry: {
          const e = decodeEntry(payload);
          lastIndex = e.index;
          if (e.index <= snap.index) break;
          const at = e.index - snap.index - 1;
          if (at > entries.length) {
            throw new WalError("corrupt", `wal: entry ${e.index} follows ${snap.index + entries.length}: missing entries`);
          }
          // A later entry at index i replaces what the log held from i on (raft truncation).
          entries.length = at;
          entries.push(e);
          break;
        }
        case RecordType.state:
          hardState = decodeState(payload);
          break;
        case RecordType.snapshot: {
          const m = decodeSnapshot(payload);
          if (m.index === snap.index && snap.index !== 0) {
            if (m.term !== snap.term) {
              throw new WalError("snapshotMismatch", `wal: snapshot marker at ${m.index} has term ${m.term}, not ${snap.term}`);
            }
            found = true;
          }
          if (!newest || m.index >= newest.index) newest = m;
          if (m.index > lastIndex) lastIndex = m.index;
          break;
        }
      }
    });
    if (!found) throw new WalError("snapshotNotFound", `wal: no marker for snapshot ${snap.index} (term ${snap.term}) in ${dir}`);
    segments = read.segments;
    const tail = read.tail;

    const tailPath = path.join(dir, tail.name);
    const fd = fs.openSync(tailPath, "r+");
    try {
      // Make the tail look as if freshly preallocated: torn bytes gone, zeros up to the segment size.
      let touched = false;
      if (tail.torn) {
        fs.ftruncateSync(fd, tail.end);
        touched = true;
      }
      const size = fs.fstatSync(fd).size;
      if (size < o.segmentBytes) {
        if (o.preallocate) await zeroFill(fd, size, o.segmentBytes);
        else fs.ftruncateSync(fd, o.segmentBytes);
        touched = true;
      }
      if (touched) await fdatasyncAsync(fd);
    } catch (err) {
      fs.closeSync(fd);
      throw err;
    }
    const wal = new Wal(dir, o, read.metadata, segments, fd, {
      written: tail.end,
      crc: tail.crc,
      hasBody: tail.hasBody,
      hardState,
      lastIndex,
    });
    wal.prepareNext();
    const result: WalOpenResult = { wal, metadata: read.metadata, hardState, entries };
    if (newest) result.snapshot = newest;
    if (tail.torn) result.repairedTail = { segment: tail.name, offset: tail.end, reason: tail.torn };
    return result;
  }

  /**
   * The snapshot markers in the whole log, oldest first, without opening it for writing
   * (a torn tail is tolerated, not repaired). Lets the caller pick the newest snapshot file
   * that the log knows about.
   */
  static async snapshotMarkers(dir: string): Promise<SnapshotMarker[]> {
    const segments = listSegments(dir);
    if (segments.length === 0) throw new WalError("notFound", `wal: no segments in ${dir}`);
    const out: SnapshotMarker[] = [];
    await readLog(dir, segments, undefined, false, (type, payload) => {
      if (type === RecordType.snapshot) out.push(decodeSnapshot(payload));
    });
    return out;
  }

  /** Appends a hard state and entries (entries first); durable only once a later sync() resolves. */
  save(hardState: HardState | undefined, entries: readonly Entry[]): void {
    if (hardState === undefined && entries.length === 0) return;
    this.usable();
    try {
      for (let i = 0; i < entries.length; i++) {
        const e = entries[i]!;
        this.ensureRoom(entryRecordSize(e));
        this.pending.appendEntry(e);
        this.lastIndex = e.index;
        this.hasBody = true;
      }
      if (hardState !== undefined) {
        this.ensureRoom(STATE_RECORD_SIZE);
        this.pending.appendState(hardState);
        // A copy (the caller's object may change), made in place once there is one.
        if (this.lastHardState === undefined) this.lastHardState = { ...hardState };
        else {
          this.lastHardState.term = hardState.term;
          this.lastHardState.vote = hardState.vote;
          this.lastHardState.commit = hardState.commit;
        }
      }
      this.st.recordsWritten += entries.length + (hardState ? 1 : 0);
      this.saveSeq++;
      if (this.pending.len >= this.opts.flushThreshold) this.flush();
    } catch (err) {
      throw this.fail(err);
    }
  }

  /** Notes that a snapshot up to meta.index exists (write the .snap file first, then this, then sync). */
  saveSnapshotMarker(meta: SnapshotMarker): void {
    this.usable();
    try {
      this.ensureRoom(SNAPSHOT_RECORD_SIZE);
      this.pending.appendSnapshot({ index: meta.index, term: meta.term });
      this.hasBody = true;
      if (meta.index > this.lastIndex) this.lastIndex = meta.index;
      this.st.recordsWritten++;
      this.saveSeq++;
    } catch (err) {
      throw this.fail(err);
    }
  }

  /**
   * Resolves once everything saved before this call is on disk. Calls made while a round is in
   * flight share the next round: one fdatasync for all of them.
   */
  sync(): Promise<void> {
    if (this.closed) return Promise.reject(new WalError("closed", "wal: closed"));
    return this.syncSaved();
  }

  /**
   * sync() without a promise, for the write path: returns true when everything saved is already
   * durable (cb is not called); otherwise cb is called once, when the round covering this call
   * ended (with its error, if any; after a failure it may be called before this returns).
   */
  syncThen(cb: SyncCallback): boolean {
    if (this.closed) {
      cb(new WalError("closed", "wal: closed"));
      return false;
    }
    return this.requestSync(cb);
  }

  private requestSync(cb: SyncCallback): boolean {
    if (this.failure) {
      cb(this.failure);
      return false;
    }
    const target = this.saveSeq;
    if (target <= this.syncedSeq) return true;
    this.waiters.push({ target, cb });
    if (!this.syncing) this.startRound();
    return false;
  }

  private syncSaved(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.saveSeq <= this.syncedSeq) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.requestSync((err) => (err ? reject(err) : resolve()));
    });
  }

  /**
   * Deletes segment files that only hold entries before index: keeps the last segment started
   * at or below index (it may contain index) and everything after it.
   */
  async releaseTo(index: number): Promise<void> {
    this.usable();
    let keep = -1;
    for (let i = this.segments.length - 1; i >= 0; i--) {
      if (this.segments[i]!.index <= index) {
        keep = i;
        break;
      }
    }
    if (keep <= 0) return;
    const victims = this.segments.slice(0, keep);
    this.segments = this.segments.slice(keep);
    // Serialized and oldest first, so a crash midway leaves a contiguous run of segments even
    // when several calls overlap.
    const run = this.releasing.then(async () => {
      for (const v of victims) await fs.promises.rm(path.join(this.dir, v.name), { force: true });
    });
    this.releasing = run.catch(() => undefined);
    return run;
  }

  stats(): WalStats {
    return { ...this.st, segments: this.segments.length, lastIndex: this.lastIndex };
  }

  /** Syncs what was saved, then releases the files. */
  async close(): Promise<void> {
    if (this.closed) return;
    // Closed first: saves from here on throw, so the final round covers everything.
    this.closed = true;
    let err: unknown;
    if (!this.failure) {
      try {
        await this.syncSaved();
      } catch (e) {
        err = e;
      }
    }
    while (this.syncing) await new Promise<void>((r) => this.roundEnded.push(r));
    await this.releasing;
    await this.preparing;
    if (this.spare) {
      fs.closeSync(this.spare.fd);
      fs.rmSync(this.spare.path, { force: true });
      this.spare = undefined;
    }
    for (const fd of this.retired) fs.closeSync(fd);
    this.retired.clear();
    fs.closeSync(this.fd);
    fs.closeSync(this.dirFd);
    if (err) throw err;
  }

  private usable(): void {
    if (this.failure) throw this.failure;
    if (this.closed) throw new WalError("closed", "wal: closed");
  }

  /** After a failed write or fsync nothing is trustworthy (the page cache may have dropped data). */
  private fail(err: unknown): WalError {
    if (!this.failure) {
      this.failure = err instanceof WalError ? err : new WalError("failed", `wal: ${String(err)}`, { cause: err });
      const waiters = this.waiters;
      this.waiters = [];
      for (const w of waiters) w.cb(this.failure);
    }
    return this.failure;
  }

  private ensureRoom(size: number): void {
    if (this.hasBody && this.written + this.pending.len + size > this.opts.segmentBytes) this.cut();
  }

  /** Hands the pending records to the OS at their place in the current segment. */
  private flush(): void {
    const n = this.pending.len;
    if (n === 0) return;
    writeAllSync(this.fd, this.pending.buf, this.written, n);
    this.written += n;
    this.st.bytesWritten += n;
    this.dirty.add(this.fd);
    this.pending.reset();
  }

  /** Starts the next segment: the zero-filled spare if ready, else a sparse file. */
  private cut(): void {
    this.flush();
    const old = this.fd;
    if (this.dirty.has(old) || this.inFlight.includes(old)) this.retired.add(old);
    else fs.closeSync(old);

    let file = this.spare;
    this.spare = undefined;
    if (!file) {
      const p = path.join(this.dir, "sparse.tmp");
      const fd = fs.openSync(p, "w+", FILE_MODE);
      fs.ftruncateSync(fd, this.opts.segmentBytes);
      file = { fd, path: p };
      this.st.sparseSegments++;
    }
    const last = this.segments[this.segments.length - 1]!;
    const name = segmentFileName(last.seq + 1, this.lastIndex + 1);
    // The head goes in before the rename: a named segment always starts with a readable head.
    this.pending.appendCrc();
    this.pending.appendMetadata(this.metadata);
    if (this.lastHardState) this.pending.appendState(this.lastHardState);
    this.fd = file.fd;
    this.written = 0;
    this.flush();
    fs.renameSync(file.path, path.join(this.dir, name));
    this.dirDirty = true;
    this.hasBody = false;
    this.segments.push({ seq: last.seq + 1, index: this.lastIndex + 1, name });
    this.st.segmentsCreated++;
    this.st.recordsWritten += this.lastHardState ? 3 : 2;
    this.prepareNext();
  }

  /** Zero-fills the next segment on the thread pool, so a cut does not stall a write. */
  private prepareNext(): void {
    if (!this.opts.preallocate || this.spare || this.preparing || this.closed || this.failure) return;
    const p = path.join(this.dir, "prealloc.tmp");
    this.preparing = (async () => {
      const fd = await openAsync(p, "w+");
      try {
        await zeroFill(fd, 0, this.opts.segmentBytes);
        await fdatasyncAsync(fd);
      } catch (err) {
        await closeAsync(fd);
        throw err;
      }
      if (this.closed) {
        await closeAsync(fd);
        await fs.promises.rm(p, { force: true });
        return;
      }
      this.spare = { fd, path: p };
    })()
      // A failed preallocation only costs speed: the next cut uses a sparse file.
      .catch(() => undefined)
      .finally(() => {
        this.preparing = undefined;
      });
  }

  private startRound(): void {
    this.syncing = true;
    this.roundTarget = this.saveSeq;
    try {
      this.flush();
    } catch (err) {
      this.syncing = false;
      this.fail(err);
      this.endRound();
      return;
    }
    // Usually one fd (the current segment); after a cut also the old one and the directory.
    const fds = this.inFlight;
    for (const fd of this.dirty) fds.push(fd);
    this.dirty.clear();
    this.roundErr = undefined;
    this.roundJobs = fds.length + (this.dirDirty ? 1 : 0);
    this.roundStart = performance.now();
    // Every job reports back before the round ends: no fd is closed while another job runs on it.
    for (const fd of fds) fs.fdatasync(fd, this.jobDone);
    if (this.dirDirty) {
      this.dirDirty = false;
      fs.fsync(this.dirFd, this.jobDone);
    }
    // (Not reached: a round always has a dirty fd. Never complete synchronously, though: callers
    // rely on a successful round ending after syncThen returned.)
    if (this.roundJobs === 0) queueMicrotask(() => this.onJobDone(null, true));
  }

  private onJobDone(err: Error | null, none = false): void {
    if (err && !this.roundErr) this.roundErr = err;
    if (!none && --this.roundJobs > 0) return;
    const fds = this.inFlight;
    this.syncing = false;
    if (this.roundErr) {
      fds.length = 0;
      this.fail(this.roundErr);
      this.endRound();
      return;
    }
    const seconds = (performance.now() - this.roundStart) / 1000;
    const target = this.roundTarget;
    this.st.fsyncs++;
    this.st.fsyncSeconds += seconds;
    this.syncedSeq = target;
    for (let i = 0; i < fds.length; i++) {
      const fd = fds[i]!;
      if (this.retired.has(fd) && !this.dirty.has(fd)) {
        this.retired.delete(fd);
        fs.closeSync(fd);
      }
    }
    fds.length = 0;
    try {
      this.opts.onFsync?.(seconds);
    } catch {
      // A metrics hook must not break durability.
    }
    // Waiters are in target order: the covered ones are a prefix.
    const waiters = this.waiters;
    let n = 0;
    while (n < waiters.length && waiters[n]!.target <= target) n++;
    if (n === waiters.length) this.waiters = [];
    else this.waiters = waiters.slice(n);
    for (let i = 0; i < n; i++) waiters[i]!.cb(undefined);
    if (this.waiters.length > 0 && !this.failure && !this.syncing) this.startRound();
    this.endRound();
  }

  private endRound(): void {
    if (this.roundEnded.length === 0 || this.syncing) return;
    const fns = this.roundEnded;
    this.roundEnded = [];
    for (const f of fns) f();
  }
}

interface ReadResult {
  metadata: Uint8Array;
  /** Segments still on disk after dropping an empty last one. */
  segments: SegmentName[];
  tail: { name: string; end: number; crc: number; hasBody: boolean; torn: string | undefined };
}

/**
 * Reads the segments that can hold entries after `fromIndex`, checking the CRC chain, the
 * sequence, and that each starts with crc + metadata records. With repair, an empty last
 * segment (a cut whose head never reached the disk) is deleted.
 */
async function readLog(
  dir: string,
  all: SegmentName[],
  /** undefined: from the first segment. */
  fromIndex: number | undefined,
  repair: boolean,
  visit: (type: RecordTypeCode, payload: Buffer) => void,
): Promise<ReadResult> {
  let start = fromIndex === undefined ? 0 : -1;
  for (let i = all.length - 1; i >= 0 && fromIndex !== undefined; i--) {
    if (all[i]!.index <= fromIndex) {
      start = i;
      break;
    }
  }
  if (start < 0) throw new WalError("snapshotNotFound", `wal: log in ${dir} starts after index ${fromIndex}`);
  // Only the replayed range must be contiguous; older segments are on their way out.
  for (let i = start + 1; i < all.length; i++) {
    if (all[i]!.seq !== all[i - 1]!.seq + 1) {
      throw new WalError("corrupt", `wal: segment sequence gap between ${all[i - 1]!.name} and ${all[i]!.name}`);
    }
  }

  let segments = all;
  let chain: number | undefined;
  let metadata: Uint8Array | undefined;
  let tail: ReadResult["tail"] | undefined;
  for (let i = start; i < all.length; i++) {
    const seg = all[i]!;
    const isLast = i === all.length - 1;
    const buf = await fs.promises.readFile(path.join(dir, seg.name));
    let n = 0;
    let hasBody = false;
    let res;
    try {
      res = scanSegment(buf, chain, (type, payload, offset) => {
        if (n === 0 && type !== RecordType.crc) throw new WalError("corrupt", `does not start with a crc record`);
        if (n === 1) {
          if (type !== RecordType.metadata) throw new WalError("corrupt", `no metadata record at offset ${offset}`);
          if (metadata === undefined) metadata = new Uint8Array(payload);
          else if (Buffer.compare(payload, metadata) !== 0) throw new WalError("corrupt", "conflicting metadata");
        } else if (type === RecordType.metadata && n !== 1) {
          throw new WalError("corrupt", `stray metadata record at offset ${offset}`);
        }
        if (type === RecordType.entry || type === RecordType.snapshot) hasBody = true;
        n++;
        visit(type, payload);
      });
    } catch (err) {
      if (err instanceof WalError) throw new WalError(err.code, `wal: ${seg.name}: ${err.message.replace(/^wal: /, "")}`);
      throw err;
    }
    let torn: string | undefined;
    const stop = res.stop;
    if (stop.kind === "corrupt") throw new WalError("corrupt", `wal: ${seg.name}: ${stop.reason}`);
    if (stop.kind === "bad") {
      if (!isLast || !stop.restIsZero) {
        throw new WalError("corrupt", `wal: ${seg.name}: ${stop.reason} at offset ${res.end}, and the log goes on after it`);
      }
      torn = `${stop.reason} at offset ${res.end}`;
    }
    if (res.records < 2) {
      // A segment without its head can only be the last one, cut right before a crash that
      // lost its (never synced) head; the previous segment is then the real tail.
      if (isLast && repair && i > start && tail) {
        fs.rmSync(path.join(dir, seg.name), { force: true });
        fsyncDirSync(dir);
        segments = all.slice(0, i);
        break;
      }
      if (isLast && !repair && tail) break;
      throw new WalError("corrupt", `wal: ${seg.name}: segment has no head`);
    }
    chain = res.crc;
    tail = { name: seg.name, end: res.end, crc: res.crc!, hasBody, torn };
  }
  if (!tail || metadata === undefined) throw new WalError("corrupt", `wal: no readable segment in ${dir}`);
  return { metadata, segments, tail };
}
