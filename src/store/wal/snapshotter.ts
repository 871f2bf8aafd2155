// Raft snapshot files: one file per snapshot, named %016x-%016x.snap (term, index), written
// atomically (temp file, fdatasync, rename, fsync of the directory).
//
// File layout: "kpsnap01" | u32 LE crc32c(body) | u32 LE 0 | body
// body: index u64 | term u64 | voters: u32 count, u64 each | learners: same | data (rest)

import fs from "node:fs";
import path from "node:path";
import type { NodeId, Snapshot } from "../raft/types.js";
import { crc32c } from "./crc32c.js";
import { WalError } from "./errors.js";
import {
  DIR_MODE,
  closeAsync,
  fdatasyncAsync,
  fsyncAsync,
  listNames,
  openAsync,
  parseHexPair,
  snapFileName,
  writeAsync,
} from "./files.js";
import type { SnapshotMarker } from "./record.js";

const MAGIC = Buffer.from("kpsnap01", "latin1");
const PREFIX = 16;
const TWO_32 = 2 ** 32;

export interface SnapshotFile {
  name: string;
  term: number;
  index: number;
}

function encode(snap: Snapshot): Buffer {
  const { voters, learners } = snap.meta.confState;
  const fixed = 16 + 4 + voters.length * 8 + 4 + learners.length * 8;
  const b = Buffer.allocUnsafe(PREFIX + fixed + snap.data.length);
  MAGIC.copy(b, 0);
  let p = PREFIX;
  const u64 = (n: number) => {
    b.writeUInt32LE(n >>> 0, p);
    b.writeUInt32LE(Math.floor(n / TWO_32), p + 4);
    p += 8;
  };
  const ids = (list: NodeId[]) => {
    b.writeUInt32LE(list.length, p);
    p += 4;
    for (const id of list) {
      b.writeBigUInt64LE(id, p);
      p += 8;
    }
  };
  u64(snap.meta.index);
  u64(snap.meta.term);
  ids(voters);
  ids(learners);
  b.set(snap.data, p);
  b.writeUInt32LE(crc32c(0, b, PREFIX), 8);
  b.writeUInt32LE(0, 12);
  return b;
}

function decode(b: Buffer): Snapshot {
  const bad = (why: string) => new WalError("corrupt", `snap: ${why}`);
  if (b.length < PREFIX + 24 || Buffer.compare(b.subarray(0, 8), MAGIC) !== 0) throw bad("not a snapshot file");
  if (b.readUInt32LE(8) !== crc32c(0, b, PREFIX)) throw bad("crc mismatch");
  let p = PREFIX;
  const need = (n: number) => {
    if (p + n > b.length) throw bad("truncated");
  };
  const u64 = () => {
    need(8);
    const n = b.readUInt32LE(p + 4) * TWO_32 + b.readUInt32LE(p);
    p += 8;
    return n;
  };
  const ids = () => {
    need(4);
    const n = b.readUInt32LE(p);
    p += 4;
    need(n * 8);
    const out: NodeId[] = [];
    for (let i = 0; i < n; i++, p += 8) out.push(b.readBigUInt64LE(p));
    return out;
  };
  const index = u64();
  const term = u64();
  const voters = ids();
  const learners = ids();
  return { meta: { index, term, confState: { voters, learners } }, data: new Uint8Array(b.subarray(p)) };
}

export class Snapshotter {
  constructor(readonly dir: string) {}

  /** Writes the snapshot durably; resolves once the file and its name are on disk. */
  async save(snap: Snapshot): Promise<void> {
    fs.mkdirSync(this.dir, { recursive: true, mode: DIR_MODE });
    const name = snapFileName(snap.meta.term, snap.meta.index);
    const tmp = path.join(this.dir, `${name}.tmp`);
    const bytes = encode(snap);
    const fd = await openAsync(tmp, "w");
    try {
      let done = 0;
      while (done < bytes.length) done += await writeAsync(fd, bytes, done, bytes.length - done, done);
      await fdatasyncAsync(fd);
    } catch (err) {
      await closeAsync(fd);
      await fs.promises.rm(tmp, { force: true });
      throw err;
    }
    await closeAsync(fd);
    await fs.promises.rename(tmp, path.join(this.dir, name));
    const dfd = await openAsync(this.dir, "r");
    try {
      await fsyncAsync(dfd);
    } finally {
      await closeAsync(dfd);
    }
  }

  /** Snapshot files on disk, oldest first (by term, then index). */
  list(): SnapshotFile[] {
    const out: SnapshotFile[] = [];
    for (const name of listNames(this.dir)) {
      const pair = parseHexPair(name, ".snap");
      if (pair) out.push({ name, term: pair[0], index: pair[1] });
    }
    return out.sort((a, b) => a.term - b.term || a.index - b.index);
  }

  /**
   * The newest snapshot that reads back intact (broken files are skipped). With `known`, only
   * snapshots the WAL holds a marker for (Wal.snapshotMarkers) are considered, so a snapshot
   * file written just before a crash, whose marker never made it, is not picked.
   */
  load(known?: readonly SnapshotMarker[]): Snapshot | undefined {
    const files = this.list().reverse();
    for (const f of files) {
      if (known && !known.some((m) => m.index === f.index && m.term === f.term)) continue;
      const snap = this.read(f.name);
      if (snap) return snap;
    }
    return undefined;
  }

  /** Deletes all but the newest `keep` snapshot files; returns how many were removed. */
  async purge(keep: number): Promise<number> {
    const files = this.list();
    const victims = files.slice(0, Math.max(0, files.length - Math.max(0, keep)));
    for (const f of victims) await fs.promises.rm(path.join(this.dir, f.name), { force: true });
    return victims.length;
  }

  private read(name: string): Snapshot | undefined {
    try {
      const snap = decode(fs.readFileSync(path.join(this.dir, name)));
      const pair = parseHexPair(name, ".snap");
      if (!pair || pair[0] !== snap.meta.term || pair[1] !== snap.meta.index) return undefined;
      return snap;
    } catch {
      return undefined;
    }
  }
}
