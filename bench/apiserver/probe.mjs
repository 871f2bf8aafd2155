// Preloaded into the server for the memory cases only (`node --expose-gc --import probe.mjs`):
// on SIGUSR2 it writes the process's memory figures before and after a full GC to the file
// named by KPLANE_BENCH_PROBE, so the RSS can be split into live heap, garbage and the rest.
import { renameSync, writeFileSync } from "node:fs";
import v8 from "node:v8";

const out = process.env.KPLANE_BENCH_PROBE;
const mib = (v) => Math.round((v / 2 ** 20) * 10) / 10;
const usage = () => Object.fromEntries(Object.entries(process.memoryUsage()).map(([k, v]) => [k, mib(v)]));
if (out) {
  process.on("SIGUSR2", () => {
    const before = usage();
    globalThis.gc?.();
    const after = usage();
    const spaces = Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name, mib(s.space_used_size)]));
    // Written whole, then renamed: the reader polls for the name.
    writeFileSync(`${out}.tmp`, JSON.stringify({ before, after, spacesAfter: spaces }));
    renameSync(`${out}.tmp`, out);
  });
}
