import { open, type Database, type RootDatabase } from "lmdb";
import { existsSync, mkdirSync, statSync, renameSync, rmSync, truncateSync } from "node:fs";
import { join } from "node:path";
import { execFile } from "node:child_process";
import { createRequire } from "node:module";

/**
 * The ordered on-disk store under MVCC (the role bbolt plays in etcd), on LMDB.
 *
 * Writes land in a write buffer that reads consult first, and are committed to LMDB in batches,
 * every 100 ms or 10,000 writes, each batch one LMDB transaction (etcd's backend commits bbolt on
 * the same schedule). Committing per request would put a data-file flush beside every WAL
 * fdatasync and slow both (measured: WAL fsyncs went from ~0.4 ms to ~5 ms).
 * Durability does not come from here: the WAL is fsynced before anything is applied, and after a
 * crash the entries past the stored consistent index are applied again. `flushed()` commits and
 * waits until everything is on disk, which must hold before the WAL is cut.
 */
const lmdbModule = createRequire(import.meta.url).resolve("lmdb");

/** Copies the LMDB environment at src into the directory dst from a short-lived child process. */
function copyInChild(src: string, dst: string): Promise<void> {
  const script = `const l = require(${JSON.stringify(lmdbModule)});
const env = l.open({ path: process.argv[1], readOnly: true, maxDbs: 16, mapSize: ${64 * 1024 ** 3} });
env.backup(process.argv[2], false).then(() => env.close()).then(() => process.exit(0), (e) => { console.error(e && e.message); process.exit(1); });`;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ["-e", script, src, dst], (err, _out, stderr) => {
      if (err) reject(new Error(`backend copy failed: ${stderr.trim() || err.message}`));
      else resolve();
    });
  });
}

export type Bucket = "key" | "meta" | "lease" | "alarm";
const buckets: Bucket[] = ["key", "meta", "lease", "alarm"];

type Buffered = Map<string, Uint8Array | null>; // latin1 key -> value, null = pending delete
/** Writes not yet in LMDB, per bucket. */
type Layer = Record<Bucket, Buffered>;
const newLayer = (): Layer => ({ key: new Map(), meta: new Map(), lease: new Map(), alarm: new Map() });

export class Backend {
  private root!: RootDatabase<Uint8Array, Buffer>;
  private dbs = new Map<Bucket, Database<Uint8Array, Buffer>>();
  /**
   * Writes since the last commit; reads consult it first. A commit hands it over whole to
   * `committing` (read next, newest first) until LMDB has it: nothing per write beyond its map
   * entry (a write list and key buffers held for a second made most of what scavenges copy).
   */
  private buffer: Layer = newLayer();
  private committing: Layer[] = [];
  private lastWrite: Promise<unknown> = Promise.resolve();
  private pendingCount = 0;
  private commitTimer: NodeJS.Timeout | undefined;
  private commitQueued = false;
  /** Told how long each batch commit took, in seconds (etcd_disk_backend_commit_duration_seconds). */
  onCommit: ((seconds: number) => void) | undefined;
  /** Called as a batch is about to commit, to queue writes that only the last value of matters. */
  beforeCommit: (() => void) | undefined;
  /**
   * Batch limits, as etcd's backend (--backend-batch-interval, --backend-batch-limit), with a
   * longer interval (etcd: 100 ms) and a bound on the bytes held. Each commit makes LMDB read the
   * tree pages it has just written (the new path to the last leaf) through its map, and the
   * kernel maps the 64 KiB around each such page (fault-around) — mostly values just written —
   * into this process: ~60-130 KB of file-backed RSS per commit. Filling 100,000 pods through
   * `kplane up` left 111 MiB of the file resident at 10 commits a second, 14 MiB at one. A commit
   * of a second's writes (~1,000 pods) holds the event loop ~3 ms.
   */
  batchIntervalMs = 1000;
  batchLimit = 10_000;
  batchBytes = 8 * 1024 * 1024;
  private pendingBytes = 0;

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    // A defragment interrupted between its two renames left the new copy beside no live one.
    if (!existsSync(join(dir, "db")) && existsSync(join(dir, "db_defrag"))) renameSync(join(dir, "db_defrag"), join(dir, "db"));
    this.openEnv(join(dir, "db"));
  }

  private envPath = "";

  /** Opens the environment at path and switches to it only once every bucket opened. */
  private openEnv(path: string): void {
    this.envPath = path;
    const root = open<Uint8Array, Buffer>({
      path,
      keyEncoding: "binary",
      encoding: "binary",
      maxDbs: 16,
      // 64 GiB of address space; the file only grows as pages are used.
      mapSize: 64 * 1024 ** 3,
      cache: false,
    }) as RootDatabase<Uint8Array, Buffer>;
    const dbs = new Map<Bucket, Database<Uint8Array, Buffer>>();
    for (const b of buckets) dbs.set(b, root.openDB<Uint8Array, Buffer>({ name: b, keyEncoding: "binary", encoding: "binary" }));
    this.root = root;
    this.dbs = dbs;
  }

  put(bucket: Bucket, key: Buffer, value: Uint8Array): void {
    this.queue(bucket, key.toString("latin1"), value);
  }

  /** put() with the key as a binary string (one char per byte). */
  putString(bucket: Bucket, key: string, value: Uint8Array): void {
    this.queue(bucket, key, value);
  }

  delete(bucket: Bucket, key: Buffer): void {
    this.queue(bucket, key.toString("latin1"), null);
  }

  private queue(bucket: Bucket, k: string, value: Uint8Array | null): void {
    this.buffer[bucket].set(k, value);
    this.pendingCount++;
    this.pendingBytes += value === null ? 0 : value.length;
    // At the limit, commit when the current turn is done, never in the middle of it: an apply
    // batch (its revisions, lease changes, then the consistent index) must land in one LMDB
    // transaction, or a crash between two could keep changes whose entries are applied again.
    if (this.pendingCount >= this.batchLimit || this.pendingBytes >= this.batchBytes) {
      if (!this.commitQueued) {
        this.commitQueued = true;
        queueMicrotask(() => {
          this.commitQueued = false;
          this.commit();
        });
      }
    } else this.commitTimer ??= setTimeout(() => this.commit(), this.batchIntervalMs);
  }

  /** Makes sure a commit comes within the batch interval, even with nothing queued yet. */
  requestCommit(): void {
    this.commitTimer ??= setTimeout(() => this.commit(), this.batchIntervalMs);
  }

  /** Commits every pending write as one LMDB transaction. */
  commit(): void {
    this.beforeCommit?.();
    clearTimeout(this.commitTimer);
    this.commitTimer = undefined;
    if (this.pendingCount === 0) return;
    const batch = this.buffer;
    this.buffer = newLayer();
    this.committing.push(batch);
    this.pendingCount = 0;
    this.pendingBytes = 0;
    const dbs = this.dbs;
    const started = performance.now();
    const done = this.root.transaction(() => {
      for (const b of buckets) {
        const db = dbs.get(b)!;
        for (const [k, v] of batch[b]) {
          const key = Buffer.from(k, "latin1");
          if (v === null) db.removeSync(key);
          else db.putSync(key, v);
        }
      }
    });
    this.lastWrite = done;
    done.then(
      () => {
        this.onCommit?.((performance.now() - started) / 1000);
        this.refreshSize();
        const i = this.committing.indexOf(batch);
        if (i >= 0) this.committing.splice(i, 1);
      },
      (err: unknown) => {
        // A failed backend write leaves memory and disk apart; stopping is the only safe answer.
        console.error("kplane: backend write failed", err);
        process.exit(70);
      },
    );
  }

  /** The newest buffered value of k (null: deleted), or undefined when only LMDB knows it. */
  private buffered(bucket: Bucket, k: string): Uint8Array | null | undefined {
    const b = this.buffer[bucket];
    if (b.size > 0) {
      const v = b.get(k);
      if (v !== undefined) return v;
    }
    for (let i = this.committing.length - 1; i >= 0; i--) {
      const c = this.committing[i]![bucket];
      if (c.size === 0) continue;
      const v = c.get(k);
      if (v !== undefined) return v;
    }
    return undefined;
  }

  private hasBuffered(bucket: Bucket): boolean {
    if (this.buffer[bucket].size > 0) return true;
    for (const c of this.committing) if (c[bucket].size > 0) return true;
    return false;
  }

  /** Like get, but the bytes are only valid until the next backend read: copy them at once. */
  getTransient(bucket: Bucket, key: Buffer): Uint8Array | undefined {
    const b = this.hasBuffered(bucket) ? this.buffered(bucket, key.toString("latin1")) : undefined;
    if (b !== undefined) return b === null ? undefined : b;
    const v = this.dbs.get(bucket)!.getBinaryFast(key);
    // lmdb-js hands back its reusable buffer with a patched `length`; typed-array copies use the
    // real one, so take a view of exactly the value.
    return v === undefined ? undefined : v.subarray(0, v.length);
  }

  get(bucket: Bucket, key: Buffer): Uint8Array | undefined {
    const b = this.hasBuffered(bucket) ? this.buffered(bucket, key.toString("latin1")) : undefined;
    if (b !== undefined) return b === null ? undefined : b;
    return this.dbs.get(bucket)!.get(key) ?? undefined;
  }

  /**
   * Calls fn for each entry with start <= key < end (end undefined = to the end) in key order.
   * Buffered writes are newer than everything committed (true for every bucket's use here:
   * revisions grow, and the small buckets are read whole), so they come last.
   */
  forEach(bucket: Bucket, start: Buffer | undefined, end: Buffer | undefined, fn: (key: Buffer, value: Uint8Array) => boolean | void): void {
    // The buffered writes, newest winning (deletes included, to hide what LMDB still has).
    let buf: Buffered | undefined;
    if (this.hasBuffered(bucket)) {
      buf = new Map();
      for (const c of this.committing) for (const [k, v] of c[bucket]) buf.set(k, v);
      for (const [k, v] of this.buffer[bucket]) buf.set(k, v);
    }
    const range = this.dbs.get(bucket)!.getRange({ start, end });
    for (const { key, value } of range) {
      if (buf?.has(key.toString("latin1"))) continue;
      if (fn(key, value) === false) return;
    }
    if (!buf) return;
    const s = start?.toString("latin1");
    const e = end?.toString("latin1");
    const pending = [...buf.entries()].filter(([k, v]) => v !== null && (s === undefined || k >= s) && (e === undefined || k < e));
    pending.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    for (const [k, v] of pending) if (fn(Buffer.from(k, "latin1"), v!) === false) return;
  }

  /** Resolves when every write queued so far is committed and synced to disk. */
  async flushed(): Promise<void> {
    this.commit();
    await this.lastWrite;
    await this.root.flushed;
  }

  private fileSize = -1;

  /** Bytes of the database file (read from disk after each commit; the quota check asks per write). */
  size(): number {
    if (this.fileSize < 0) this.refreshSize();
    return this.fileSize;
  }

  private refreshSize(): void {
    try {
      this.fileSize = statSync(join(this.dir, "db", "data.mdb")).size;
    } catch {
      this.fileSize = 0;
    }
  }

  /** Bytes of pages holding data (the file keeps freed pages until defragmented). */
  sizeInUse(): number {
    const s = this.root.getStats() as { pageSize?: number; treeBranchPageCount?: number; treeLeafPageCount?: number; overflowPages?: number };
    let pages = 0;
    const count = (st: typeof s) => (st.treeBranchPageCount ?? 0) + (st.treeLeafPageCount ?? 0) + (st.overflowPages ?? 0);
    pages += count(s);
    for (const db of this.dbs.values()) pages += count(db.getStats() as typeof s);
    // Two meta pages, as LMDB keeps.
    return (pages + 2) * (s.pageSize ?? 4096);
  }

  /**
   * Writes a consistent copy of the database to file (snapshots). The size is padded to a
   * multiple of 512 bytes, which etcdctl checks for.
   */
  async copyTo(file: string): Promise<void> {
    await this.flushed();
    // LMDB copies an environment into a directory, as data.mdb. The copy runs in a child
    // process: reading every page through the map would leave the whole file resident in this
    // process (measured: RSS 370 -> 584 MiB after snapshots of a 200 MiB store).
    const tmp = `${file}_copy`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp);
    await copyInChild(this.envPath, tmp);
    renameSync(join(tmp, "data.mdb"), file);
    rmSync(tmp, { recursive: true, force: true });
    const size = statSync(file).size;
    if (size % 512 !== 0) truncateSync(file, size + 512 - (size % 512));
  }

  /**
   * Rewrites the database without free pages (etcd's defragment). The caller must stop writes
   * first. Reads go on: the compacted copy is opened beside the old one and swapped in at once.
   */
  async defragment(): Promise<void> {
    await this.flushed();
    const live = join(this.dir, "db");
    // (No dots in these names: lmdb-js treats a path with an extension as a file, not a directory.)
    const next = join(this.dir, "db_defrag");
    rmSync(next, { recursive: true, force: true });
    mkdirSync(next);
    await this.root.backup(next, true);
    // A defragment killed after its renames left the old copy behind; the rename below needs
    // the name free (a non-empty directory is not replaced).
    rmSync(join(this.dir, "db_old"), { recursive: true, force: true });
    const old = this.root;
    this.openEnv(next);
    // Renaming the directories of open environments is safe: LMDB holds file descriptors.
    renameSync(live, join(this.dir, "db_old"));
    renameSync(next, live);
    await old.close();
    rmSync(join(this.dir, "db_old"), { recursive: true, force: true });
    this.refreshSize();
  }

  async close(): Promise<void> {
    await this.flushed();
    await this.root.close();
  }
}
