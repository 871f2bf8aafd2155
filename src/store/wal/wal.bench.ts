// WAL throughput: records/s of 300-byte entries for several batch sizes, one writer doing
// save(batch) + await sync() in a loop, plus group commit with many concurrent writers.
// Run: node --import tsx src/store/wal/wal.bench.ts [--seconds 2] [--dir /tmp]
// Prints a table, then one JSON line.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Entry } from "../raft/types.js";
import { crc32c } from "./crc32c.js";
import { Wal, type WalOptions } from "./wal.js";

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : dflt;
}
const SECONDS = Number(arg("seconds", "2"));
const BASE = arg("dir", os.tmpdir());
const ENTRY_BYTES = 300;

interface Row {
  case: string;
  batch: number;
  writers: number;
  preallocate: boolean;
  recordsPerSec: number;
  fsyncsPerSec: number;
  recordsPerFsync: number;
  syncP50ms: number;
  syncP99ms: number;
}

function quantile(sorted: number[], q: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : 0;
}

async function run(batch: number, writers: number, preallocate: boolean): Promise<Row> {
  const dir = fs.mkdtempSync(path.join(BASE, "kplane-wal-bench-"));
  const opts: WalOptions = { preallocate };
  const wal = await Wal.create(dir, new Uint8Array(16), opts);
  const data = new Uint8Array(ENTRY_BYTES).fill(7);
  let next = 1;
  let records = 0;
  const lat: number[] = [];
  const deadline = performance.now() + SECONDS * 1000;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async () => {
      while (performance.now() < deadline) {
        const ents: Entry[] = [];
        for (let k = 0; k < batch; k++) ents.push({ index: next++, term: 1, type: "normal", data });
        const s = performance.now();
        wal.save({ term: 1, vote: 0n, commit: next - 1 }, ents);
        await wal.sync();
        lat.push(performance.now() - s);
        records += batch;
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  const st = wal.stats();
  await wal.close();
  fs.rmSync(dir, { recursive: true, force: true });
  lat.sort((a, b) => a - b);
  return {
    case: writers > 1 ? `${writers} writers x batch ${batch}` : `batch ${batch}`,
    batch,
    writers,
    preallocate,
    recordsPerSec: Math.round(records / secs),
    fsyncsPerSec: Math.round(st.fsyncs / secs),
    recordsPerFsync: Math.round((records / st.fsyncs) * 10) / 10,
    syncP50ms: Math.round(quantile(lat, 0.5) * 1000) / 1000,
    syncP99ms: Math.round(quantile(lat, 0.99) * 1000) / 1000,
  };
}

function crcGBps(): number {
  const b = new Uint8Array(1 << 20).map((_, i) => i & 0xff);
  let x = 0;
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < 500) {
    x ^= crc32c(x, b);
    n++;
  }
  return Math.round(((n * b.length) / ((performance.now() - t0) / 1000) / 1e9) * 100) / 100;
}

const rows: Row[] = [];
for (const batch of [1, 8, 64, 256]) rows.push(await run(batch, 1, true));
for (const batch of [1, 64]) rows.push(await run(batch, 1, false));
rows.push(await run(1, 64, true));
rows.push(await run(8, 16, true));
const crc = crcGBps();

console.log(`WAL bench: ${ENTRY_BYTES}-byte entries, ${SECONDS}s per case, dir ${BASE}, node ${process.version}`);
console.log("case                      | segments  | records/s  | fsyncs/s | rec/fsync | sync p50 ms | p99 ms");
console.log("--------------------------|-----------|------------|----------|-----------|-------------|-------");
for (const r of rows) {
  console.log(
    [
      r.case.padEnd(25),
      (r.preallocate ? "zeroed" : "sparse").padEnd(9),
      String(r.recordsPerSec).padStart(10),
      String(r.fsyncsPerSec).padStart(8),
      String(r.recordsPerFsync).padStart(9),
      r.syncP50ms.toFixed(3).padStart(11),
      r.syncP99ms.toFixed(3).padStart(6),
    ].join(" | "),
  );
}
console.log(`crc32c: ${crc} GB/s`);
console.log(JSON.stringify({ bench: "wal", entryBytes: ENTRY_BYTES, seconds: SECONDS, rows, crc32cGBps: crc }));
