#!/usr/bin/env node
// The memory case of bench:apiserver on its own, for looking into where the memory goes:
// `kplane up` (probe.mjs preloaded) filled with the bench's pods, RSS and heap figures at each
// size, optionally a heap snapshot at the end and a pause to look at the process.
//
//   node bench/apiserver/memory.mjs [--sizes 10000,100000] [--entry dist/kplane.mjs]
//        [--from-source] [--snapshot] [--hold <file>] [--node-args "--flag ..."] [--lists protobuf,json]
//
// --entry: the bundle to run (default bin/kplane.mjs, i.e. dist/kplane.mjs as built; nothing is
// built here). --snapshot: `node --heapsnapshot-signal=SIGUSR1`, one .heapsnapshot in
// --snapshot-dir (default /tmp/kplane-memory-snapshots) after the last size. --hold <file>: print
// the pid and keep the server up until <file> exists (to read /proc/<pid>/smaps and the like).
// --lists: after each size, list the pods once in each of these encodings and measure again
// after each (a protobuf list leaves each pod's protobuf encoding kept, packed, in the cache).
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { spawn } from "node:child_process";
import { memory } from "./proc.mjs";
import { startUp } from "./server.mjs";
import { cliArgs } from "../args.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const here = join(root, "bench", "apiserver");
const { args, opt, flag } = cliArgs(import.meta.url);
const sizes = opt("sizes", "10000,100000").split(",").map(Number);
const snapshot = flag("snapshot");
const snapDir = opt("snapshot-dir", "/tmp/kplane-memory-snapshots");
const nodeArgs = [...(opt("node-args", "") || "").split(" ").filter(Boolean), ...(snapshot ? ["--heapsnapshot-signal=SIGUSR1", `--diagnostic-dir=${snapDir}`] : [])];
const note = (s) => process.stderr.write(`[memory] ${s}\n`);

function load(server, spec) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [join(here, "load.mjs"), JSON.stringify({ ...spec, target: server.target, serverPid: server.pid })], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    p.stdout.on("data", (d) => (out += d));
    p.once("exit", (code) => (code === 0 ? resolve(JSON.parse(out.trim().split("\n").pop())) : reject(new Error(`load ${spec.kind} exited ${code}`))));
  });
}

const server = await startUp(root, { fromSource: flag("from-source"), entry: opt("entry"), nodeArgs, probe: true });
const results = [];
try {
  const r = await load(server, { kind: "ensure", objects: [
    { path: "/api/v1/namespaces", body: { apiVersion: "v1", kind: "Namespace", metadata: { name: "default" } } },
    { path: "/api/v1/namespaces/default/serviceaccounts", body: { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "default", namespace: "default" } } },
  ] });
  if (!r.ok) throw new Error(`setup: HTTP ${r.statuses.join(", ")}`);
  const settle = () => new Promise((res) => setTimeout(res, 2000));
  const measure = async (pods, after = "") => {
    const m = { pods, ...(after ? { after } : {}), ...memory(server.pid) };
    const h = await server.heap();
    await new Promise((res) => setTimeout(res, 500));
    Object.assign(m, { heapUsedMiB: h.before.heapUsed, liveHeapMiB: h.after.heapUsed, externalMiB: h.after.external, arrayBuffersMiB: h.after.arrayBuffers, rssAfterGcMiB: memory(server.pid).rssMiB });
    results.push(m);
    note(`${pods} pods${after ? ` (${after})` : ""}: RSS ${m.rssMiB} MiB (anon ${m.anonMiB}, file ${m.fileMiB}, peak ${m.peakMiB}); JS heap ${m.heapUsedMiB}, live ${m.liveHeapMiB}; external ${m.externalMiB} (ArrayBuffers ${m.arrayBuffersMiB}); RSS after GC ${m.rssAfterGcMiB}`);
  };
  await settle();
  await measure(0);
  let have = 0;
  for (const size of sizes) {
    const t0 = performance.now();
    const c = await load(server, { kind: "create", ns: "default", prefix: "bench", from: have, to: size, conns: 64 });
    if (c.errors) throw new Error(`create: ${c.errors} errors (first HTTP ${c.firstError})`);
    note(`created ${size - have} pods in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    have = size;
    await settle();
    await measure(size);
    for (const enc of (opt("lists", "") || "").split(",").filter(Boolean)) {
      const accept = enc === "protobuf" ? "application/vnd.kubernetes.protobuf, */*" : "application/json";
      await load(server, { kind: "list", ns: "default", expect: size, reps: 1, accept });
      await settle();
      await measure(size, `after a ${enc} list`);
    }
  }
  if (snapshot) {
    // Written into --diagnostic-dir; the server's main thread is busy until it is complete.
    mkdirSync(snapDir, { recursive: true });
    const before = new Set(readdirSync(snapDir));
    process.kill(server.pid, "SIGUSR1");
    await new Promise((res) => setTimeout(res, 1000));
    await load(server, { kind: "ensure", objects: [] });
    const f = readdirSync(snapDir).find((n) => n.endsWith(".heapsnapshot") && !before.has(n));
    note(`heap snapshot: ${f ? join(snapDir, f) : "(none found)"}`);
  }
  const hold = opt("hold");
  if (hold) {
    // For a look at /proc/<pid>/smaps and the like: the server stays up until `hold` exists.
    note(`server pid ${server.pid}; stops once ${hold} exists`);
    while (!existsSync(hold)) await new Promise((res) => setTimeout(res, 500));
  }
} finally {
  await server.stop();
}
process.stdout.write(JSON.stringify(results) + "\n");
