// Child process of wal.crash.test.ts: appends batches with several concurrent writers, printing
// "ack <index>" only after the sync covering that batch resolved, until it is SIGKILLed.
// Every ~400 entries it writes a snapshot marker, syncs, and releases older segments.
import { fileURLToPath } from "node:url";
import type { Entry } from "../raft/types.js";
import { Wal } from "./wal.js";

/** The content of entry `index` (the parent checks every replayed entry against it). */
export function payload(index: number, size: number): Uint8Array {
  const d = new Uint8Array(size);
  for (let i = 0; i < size; i++) d[i] = (index * 31 + i) & 0xff;
  return d;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main(process.argv[2]!, Number(process.argv[3] ?? 1));

async function main(dir: string, seedArg: number): Promise<void> {
let seed = seedArg >>> 0 || 1;
function rand(n: number): number {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) % n;
}

const opts = { segmentBytes: 64 * 1024 };
let wal: Wal;
let next: number;
if (!Wal.exists(dir)) {
  wal = await Wal.create(dir, new TextEncoder().encode("crash-test"), opts);
  next = 1;
} else {
  const markers = await Wal.snapshotMarkers(dir);
  const snap = markers[markers.length - 1];
  const r = await Wal.open(dir, { ...opts, ...(snap ? { fromSnapshot: snap } : {}) });
  wal = r.wal;
  next = (r.entries[r.entries.length - 1]?.index ?? snap?.index ?? 0) + 1;
}
process.stdout.write(`ready ${next}\n`);

let acked = next - 1;
let lastMarker = 0;
async function writer(): Promise<void> {
  for (;;) {
    const n = 1 + rand(8);
    const batch: Entry[] = [];
    for (let k = 0; k < n; k++) batch.push({ index: next + k, term: 1, type: "normal", data: payload(next + k, 20 + rand(700)) });
    next += n;
    const last = batch[n - 1]!.index;
    wal.save({ term: 1, commit: last, vote: 0n }, batch);
    await wal.sync();
    process.stdout.write(`ack ${last}\n`);
    if (last > acked) acked = last;
    if (acked - lastMarker > 400) {
      const m = acked - 50;
      lastMarker = acked;
      wal.saveSnapshotMarker({ index: m, term: 1 });
      await wal.sync();
      await wal.releaseTo(m);
    }
  }
}
await Promise.all([writer(), writer(), writer(), writer()]);
}
