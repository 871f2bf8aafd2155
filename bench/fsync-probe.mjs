// The disk's fdatasync latency as the store's WAL sees it: appends of 3 KB (about one pod's
// entry) to one file, each followed by fdatasync, at a fixed rate; prints percentiles. A write is
// acknowledged only after its fdatasync, so this distribution bounds write and watch latency tails
// from below on this machine, whatever the server does.
//   node bench/fsync-probe.mjs [dir=os.tmpdir()] [rate=100] [count=3000]
import { closeSync, fdatasyncSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const dir = process.argv[2] ?? tmpdir();
const rate = Number(process.argv[3] ?? 100);
const count = Number(process.argv[4] ?? 3000);
const file = join(dir, `kplane-fsync-probe-${process.pid}.bin`);
const fd = openSync(file, "w");
const entry = Buffer.alloc(3000, 0x61);
const ms = [];
try {
  let at = 0;
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    writeSync(fd, entry, 0, entry.length, at);
    at += entry.length;
    fdatasyncSync(fd);
    ms.push(performance.now() - t0);
    const due = start + ((i + 1) * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
} finally {
  closeSync(fd);
  rmSync(file, { force: true });
}
ms.sort((a, b) => a - b);
const q = (p) => ms[Math.min(ms.length - 1, Math.floor(p * ms.length))].toFixed(2);
console.log(`${dir}: ${count} fdatasyncs of 3 KB appends at ${rate}/s: p50 ${q(0.5)} ms, p99 ${q(0.99)} ms, p99.9 ${q(0.999)} ms, max ${ms[ms.length - 1].toFixed(2)} ms; over 10 ms: ${ms.filter((x) => x > 10).length}`);
