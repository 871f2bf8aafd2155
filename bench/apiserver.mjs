#!/usr/bin/env node
// npm run bench:apiserver — kplane's API server (`kplane up`: the store in-process, HTTPS, the
// admin client certificate from the kubeconfig it writes) under create, get, list and watch load
// at 1,000 and 10,000 pods; its RSS at 10,000 and 100,000 pods; and `kplane up`'s time to ready.
// There is no real kube-apiserver on this machine, so no ratio is printed.
//
//   node bench/apiserver.mjs [--quick] [--duration 5] [--conns 16] [--sizes 1000,10000]
//        [--no-startup] [--no-rss] [--rss-only] [--no-build] [--from-source] [--entry <bundle>]
//        [--cpu-prof] [--tag -x] [--only get,list,watch] [--server-node-args "..."]
//
// A full run takes 4-5 minutes here, most of it filling 100,000 pods for the RSS case (--no-rss
// skips it; --rss-only runs it alone). --quick: 2 s cases, 10 watchers only, 3 startup runs, RSS at
// 10,000 pods only (about 1.5 minutes). bench/apiserver/memory.mjs runs the memory case with
// heap snapshots and a pause for /proc/<pid>/smaps. --cpu-prof: the throughput server runs under --cpu-prof and the table is
// followed by where its time went (bench/apiserver/profile.mjs). --only: the throughput cases of
// these groups only (the creates always run: they fill the server).
//
// Load comes from separate processes so that their CPU is measured apart from the server's:
// bench/apiserver/load.mjs (a lean keep-alive TLS client with pre-built requests) and, for GET,
// Debian's `wrk` when installed (it cannot present a client certificate, so its GETs are
// anonymous; `kplane up` lets anonymous requests through). Writes bench/results/apiserver-<date>.md
// and .json.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { cpuSeconds, memory, parseStat, schedSeconds } from "./apiserver/proc.mjs";
import { freePort, fsyncsBetween, startUp, timeStartup, walFsyncs } from "./apiserver/server.mjs";
import { summarizeProfile } from "./apiserver/profile.mjs";
import { cliArgs } from "./args.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const here = join(root, "bench", "apiserver");
const { args, opt, flag } = cliArgs(import.meta.url);
const quick = flag("quick");
const duration = Number(opt("duration", quick ? "2" : "5"));
const conns = Number(opt("conns", "16"));
const sizes = opt("sizes", "1000,10000").split(",").map(Number);
const fromSource = flag("from-source");
const cpuProf = flag("cpu-prof");
const tag = opt("tag", "");
const only = opt("only") ? new Set(opt("only").split(",")) : undefined;
const runs = (group) => !only || only.has(group);
// --entry <bundle>: run another build of kplane than dist/ (e.g. to compare two; with --no-build).
// --server-node-args "...": extra node flags for the API server (e.g. "--max-semi-space-size=8"), for experiments.
const serverNodeArgs = (opt("server-node-args", "") || "").split(" ").filter(Boolean);
const upOpts = { fromSource, nodeArgs: serverNodeArgs, ...(opt("entry") ? { entry: opt("entry") } : {}) };

const wrk = ["/usr/bin/wrk", "/usr/local/bin/wrk"].find((p) => existsSync(p));
if (!fromSource && !flag("no-build")) execFileSync(process.execPath, [join(root, "scripts", "build.mjs")], { stdio: "inherit", cwd: root });

const note = (s) => process.stderr.write(`[bench:apiserver] ${s}\n`);
const round = (v, d = 2) => (v === undefined || Number.isNaN(v) ? undefined : Math.round(v * 10 ** d) / 10 ** d);
const pct = (cpuS, wallS) => round((100 * cpuS) / wallS, 0);

/** Runs one workload in its own process (bench/apiserver/load.mjs) and returns its JSON. */
function load(server, spec) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [join(here, "load.mjs"), JSON.stringify({ ...spec, target: server.target, serverPid: server.pid })], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    p.stdout.on("data", (d) => (out += d));
    p.once("exit", (code) => {
      if (code !== 0) return reject(new Error(`load ${spec.kind} exited ${code}`));
      resolve(JSON.parse(out.trim().split("\n").pop()));
    });
  });
}

/** GETs with wrk (one thread, `conns` connections); its CPU from the shell that waited for it. */
function wrkGet(server, o) {
  const url = `https://${server.target.host}:${server.target.port}`;
  const wrkArgs = ["-t1", `-c${o.conns}`, `-d${o.durationS}s`, "--timeout", "10s", "-s", join(here, "get.lua"), url, "--",
    `/api/v1/namespaces/${o.ns}/pods/${o.prefix}-`, String(o.count), o.query ? `?${o.query}` : ""];
  return new Promise((resolve, reject) => {
    // After wrk exits, the shell's /proc stat holds wrk's CPU time in cutime/cstime.
    const p = spawn("sh", ["-c", '"$0" "$@" && cat /proc/$$/stat', wrk, ...wrkArgs], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    p.stdout.on("data", (d) => (out += d));
    const s0 = cpuSeconds(server.pid).self;
    const w0 = schedSeconds(server.pid).wait;
    p.once("exit", (code) => {
      const serverCpuS = cpuSeconds(server.pid).self - s0;
      const serverWaitS = schedSeconds(server.pid).wait - w0;
      if (code !== 0) return reject(new Error(`wrk exited ${code}:\n${out}`));
      const j = JSON.parse(/WRKJSON (.*)/.exec(out)[1]);
      const clientCpuS = parseStat(out.trim().split("\n").pop()).children;
      const errors = j.connectErrors + j.readErrors + j.writeErrors + j.timeouts + j.statusErrors;
      const ms = (us) => us / 1000;
      resolve({
        requests: j.requests, errors, wallS: j.durationUs / 1e6, clientCpuS, serverCpuS, serverWaitS,
        latency: { n: j.requests, p50: ms(j.p50Us), p90: ms(j.p90Us), p99: ms(j.p99Us), max: ms(j.maxUs), mean: ms(j.meanUs) },
      });
    });
    p.once("error", reject);
  });
}

/**
 * The namespaces the pods go in, each with its "default" ServiceAccount: ServiceAccount admission
 * requires it, and `kplane up` runs no controller that would create it.
 */
async function setup(server, namespaces) {
  const objects = [];
  for (const ns of namespaces) {
    objects.push({ path: "/api/v1/namespaces", body: { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } } });
    objects.push({ path: `/api/v1/namespaces/${ns}/serviceaccounts`, body: { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "default", namespace: ns } } });
  }
  const r = await load(server, { kind: "ensure", objects });
  if (!r.ok) throw new Error(`setting up namespaces ${namespaces.join(", ")}: HTTP ${r.statuses.join(", ")}`);
}

const rows = [];
/** client-go's Accept for built-in kinds. */
const protobufAccept = "application/vnd.kubernetes.protobuf, */*";
/** One line of the table: a throughput or latency figure with the server's and client's CPU. */
function row(name, pods, r, target, pass, extra = {}) {
  const rate = r.requests / r.wallS;
  const line = {
    case: name, pods, requests: r.requests, errors: r.errors ?? 0, perSecond: round(rate, 0),
    p50ms: round(r.latency.p50), p99ms: round(r.latency.p99), maxMs: round(r.latency.max),
    serverCpuPct: pct(r.serverCpuS, r.wallS), serverCpuUsPerReq: round((1e6 * r.serverCpuS) / r.requests, 0), serverWaitPct: pct(r.serverWaitS, r.wallS), clientCpuPct: pct(r.clientCpuS, r.wallS), target, pass: pass(r, rate), ...extra,
  };
  rows.push(line);
  note(`${name} @ ${pods}: ${line.perSecond}/s p50 ${line.p50ms} ms p99 ${line.p99ms} ms (server CPU ${line.serverCpuPct} %, waiting for a CPU ${line.serverWaitPct} %; client CPU ${line.clientCpuPct} %)${line.errors ? `, ${line.errors} errors` : ""}${extra.fsyncs ? `; fdatasync > 8 ms: ${extra.fsyncs.slow} of ${extra.fsyncs.count}` : ""}`);
  return line;
}

const started = performance.now();
const results = { date: new Date().toISOString(), node: process.version, cpu: cpus()[0]?.model, cores: cpus().length, loadavgBefore: loadavg().map((v) => round(v)), quick, durationS: duration, conns, wrk: Boolean(wrk) };
const stamp = results.date.slice(0, 10);

// ---- startup ---------------------------------------------------------------------------------
const rssOnly = flag("rss-only");
if (!flag("no-startup") && !rssOnly) {
  const runs = quick ? 3 : 5;
  const fresh = [];
  const restart = [];
  const dir = mkdtempSync(join(tmpdir(), "kplane-bench-up-"));
  try {
    for (let i = 0; i < runs; i++) {
      const d = join(dir, `fresh-${i}`);
      fresh.push(await timeStartup(root, { ...upOpts, dataDir: d }));
    }
    // Restarts reuse the first run's data dir: PKI and store already there.
    for (let i = 0; i < runs; i++) restart.push(await timeStartup(root, { ...upOpts, dataDir: join(dir, "fresh-0") }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const med = (a) => round([...a].sort((x, y) => x - y)[Math.floor(a.length / 2)], 0);
  const figures = (runs) => ({
    ms: runs.map((r) => round(r.ms, 0)), p50Ms: med(runs.map((r) => r.ms)), cpuP50Ms: med(runs.map((r) => r.cpuMs)), waitP50Ms: med(runs.map((r) => r.waitMs)),
  });
  results.startup = { runs, fresh: figures(fresh), restart: figures(restart) };
  note(`kplane up ready: fresh data dir p50 ${results.startup.fresh.p50Ms} ms (CPU ${results.startup.fresh.cpuP50Ms} ms), restart p50 ${results.startup.restart.p50Ms} ms (CPU ${results.startup.restart.cpuP50Ms} ms)`);
}

// ---- throughput and latency at each size ----------------------------------------------------
if (!rssOnly) {
  const profDir = cpuProf ? mkdtempSync(join(tmpdir(), `kplane-bench-apiserver-${stamp}-prof-`)) : undefined;
  // The store's etcd API on loopback too: its /metrics has the WAL's fdatasync times, which
  // every write waits for (the watch rows report them).
  const storeUrl = `http://127.0.0.1:${await freePort()}`;
  const server = await startUp(root, { ...upOpts, ...(profDir ? { cpuProfDir: profDir } : {}), upArgs: ["--etcd-listen-client-urls", storeUrl] });
  const watchNs = "bench-watch";
  try {
    await setup(server, ["default", watchNs]);
    let have = 0;
    for (const size of sizes) {
      const c = await load(server, { kind: "create", ns: "default", prefix: "bench", from: have, to: size, conns });
      if (c.errors) throw new Error(`create: ${c.errors} errors (first HTTP ${c.firstError})`);
      row("create", size, c, ">= 3,000/s", (_r, rate) => rate >= 3000, { from: have });
      have = size;

      if (runs("get")) {
        const getTarget = "p99 < 5 ms, >= 10,000/s";
        const getPass = (r, rate) => r.latency.p99 < 5 && rate >= 10000 && !r.errors;
        const get = { ns: "default", prefix: "bench", count: size, conns, durationS: duration };
        if (wrk) row("get (wrk, anonymous)", size, await wrkGet(server, get), getTarget, getPass);
        row("get (admin cert)", size, await load(server, { kind: "get", ...get }), getTarget, getPass);
        if (wrk) row("get ?resourceVersion=0 (wrk, anonymous)", size, await wrkGet(server, { ...get, query: "resourceVersion=0" }), "", () => undefined);
      }

      if (runs("list")) {
        const reps = quick ? 5 : size >= 10000 ? 20 : 50;
        const listTarget = size >= 10000 ? "< 100 ms" : "";
        const listPass = size >= 10000 ? (r) => r.latency.p50 < 100 : () => undefined;
        const l = await load(server, { kind: "list", ns: "default", expect: size, reps });
        row("list (consistent, from cache)", size, l, listTarget, listPass, { bodyMiB: round(l.bytes / 2 ** 20, 1) });
        row("list ?resourceVersion=0", size, await load(server, { kind: "list", ns: "default", expect: size, reps, query: "resourceVersion=0" }), listTarget, listPass);
        // As client-go lists built-in kinds (informers, kube's controllers): protobuf preferred.
        const lp = await load(server, { kind: "list", ns: "default", expect: size, reps, accept: protobufAccept });
        row("list protobuf (consistent, from cache)", size, lp, listTarget, listPass, { bodyMiB: round(lp.bytes / 2 ** 20, 1) });
        row("list protobuf ?resourceVersion=0", size, await load(server, { kind: "list", ns: "default", expect: size, reps, query: "resourceVersion=0", accept: protobufAccept }), listTarget, listPass);
      }

      for (const [watchers, rate, secs] of !runs("watch") ? [] : quick ? [[10, 200, 1]] : [[10, 200, 5], [100, 100, 5]]) {
        const f0 = await walFsyncs(storeUrl);
        const w = await load(server, { kind: "watch", ns: watchNs, prefix: `w${size}x${watchers}`, watchers, rate, count: rate * secs, conns: 8 });
        const fs = fsyncsBetween(f0, await walFsyncs(storeUrl));
        if (w.outcome !== "ok") note(`watch with ${watchers} watchers: ${w.outcome} (${w.events}/${w.expected} events)`);
        row(`watch delivery, ${watchers} watchers, ${rate} creates/s`, size, { ...w, requests: w.events, errors: w.expected - w.events + w.createErrors }, "p99 < 10 ms",
          (r) => r.latency.p99 < 10 && w.outcome === "ok", { createP99ms: round(w.createLatency.p99), loadStallMs: w.clientLoopDelayMs?.max, fsyncs: fs });
      }
    }
    results.throughputServerMemory = memory(server.pid);
  } finally {
    await server.stop();
  }
  if (profDir) {
    // Tens of MB: left in the temp dir beside the source map it was read with.
    const file = readdirSync(profDir).find((f) => f.endsWith(".cpuprofile"));
    if (file) {
      const saved = join(profDir, file);
      results.profile = { file: saved, ...summarizeProfile(JSON.parse(readFileSync(saved, "utf8")), 25, profDir) };
    }
  }
}

// ---- memory -----------------------------------------------------------------------------------
if (!flag("no-rss")) {
  // probe.mjs in the server: after the RSS is read, a full GC splits it into live heap and the rest.
  const server = await startUp(root, { ...upOpts, probe: true });
  await setup(server, ["default"]);
  const settle = () => new Promise((r) => setTimeout(r, 2000));
  const measure = async (pods, after = "") => {
    const m = { pods, ...(after ? { after } : {}), ...memory(server.pid) };
    const h = await server.heap();
    await new Promise((r) => setTimeout(r, 500));
    Object.assign(m, { heapUsedMiB: h.before.heapUsed, liveHeapMiB: h.after.heapUsed, externalMiB: h.after.external, rssAfterGcMiB: memory(server.pid).rssMiB });
    results.rss.push(m);
    note(`RSS at ${pods} pods${after ? ` (${after})` : ""}: ${m.rssMiB} MiB (anon ${m.anonMiB}, file ${m.fileMiB}); JS heap ${m.heapUsedMiB} MiB, live after a full GC ${m.liveHeapMiB} MiB; RSS after GC ${m.rssAfterGcMiB} MiB`);
  };
  try {
    results.rss = [];
    await settle();
    await measure(0);
    let have = 0;
    for (const size of quick ? [10000] : [10000, 100000]) {
      // More connections for the bulk fill: the store commits them in larger groups.
      const fillConns = Math.max(conns, 64);
      const c = await load(server, { kind: "create", ns: "default", prefix: "bench", from: have, to: size, conns: fillConns });
      if (c.errors) throw new Error(`create: ${c.errors} errors (first HTTP ${c.firstError})`);
      if (size > 10000) row(`create (${fillConns} connections)`, size, c, ">= 3,000/s", (_r, rate) => rate >= 3000, { from: have });
      have = size;
      await settle();
      await measure(size);
      // Protobuf lists keep every pod's protobuf encoding (packed) in the watch cache.
      await load(server, { kind: "list", ns: "default", expect: size, reps: 1, accept: protobufAccept });
      await settle();
      await measure(size, "after a protobuf list");
    }
  } finally {
    await server.stop();
  }
}
results.rows = rows;
results.loadavgAfter = loadavg().map((v) => round(v));
results.wallS = round((performance.now() - started) / 1000, 0);

// ---- report ------------------------------------------------------------------------------------
const fmt = (v) => (v === undefined ? "" : typeof v === "number" ? v.toLocaleString("en-US") : String(v));
const mark = (p) => (p === undefined ? "" : p ? "ok" : "**miss**");
let md = `# bench:apiserver ${stamp}${quick ? " (quick)" : ""}\n\n`;
md += `kplane up (store in-process, HTTPS, admin client cert), ${results.cores} cores (${results.cpu}), node ${results.node}; ` +
  `${conns} keep-alive connections, ${duration} s per GET case; load average ${results.loadavgBefore.join(" ")} before, ${results.loadavgAfter.join(" ")} after.\n` +
  `No real kube-apiserver runs on this machine, so there is no ratio: the targets are absolute.\n\n`;
md += "| case | pods | req/s | p50 ms | p99 ms | max ms | server CPU % | server CPU µs/req | server waits % | client CPU % | target | |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n";
for (const r of rows) {
  md += `| ${r.case}${r.errors ? ` (${r.errors} errors)` : ""}${r.bodyMiB ? ` (${r.bodyMiB} MiB)` : ""}${r.createP99ms !== undefined ? ` (create p99 ${r.createP99ms} ms${r.fsyncs ? `; fdatasync > 8 ms: ${r.fsyncs.slow} of ${r.fsyncs.count}, slowest <= ${r.fsyncs.slowestMs ?? "?"} ms` : ""}${r.loadStallMs !== undefined ? `; load process stalled up to ${r.loadStallMs} ms` : ""})` : ""} | ${fmt(r.pods)} | ${fmt(r.perSecond)} | ${fmt(r.p50ms)} | ${fmt(r.p99ms)} | ${fmt(r.maxMs)} | ${fmt(r.serverCpuPct)} | ${fmt(r.serverCpuUsPerReq)} | ${fmt(r.serverWaitPct)} | ${fmt(r.clientCpuPct)} | ${r.target} | ${mark(r.pass)} |\n`;
}
const busyRows = rows.filter((r) => r.serverWaitPct >= 20).length;
if (busyRows) md += `\n**The machine was busy**: in ${busyRows} of ${rows.length} rows the server waited for a CPU >= 20 % of the time; their req/s and latencies understate kplane — compare server CPU µs/req.\n`;
md += "\nCPU % is of one core over the measured window (the server's from /proc/<pid>/stat, all threads; the load process's own). " +
  "Server CPU µs/req is the server's CPU time per request (per event delivered, for watch): the figure least moved by other load. " +
  "\"Server waits\" is the time the server's main thread was runnable but waiting for a CPU (/proc/<pid>/schedstat): other load on the machine. " +
  "wrk cannot present a client certificate: its GETs are anonymous. Watch latency: create request written -> event read at each watcher; " +
  "a create is answered, and its event sent, after the store's WAL fdatasync: the row gives how many of those took over 8 ms in its window " +
  "(the store's etcd_disk_wal_fsync_duration_seconds; the slowest as its histogram bucket's bound), " +
  "and the load process's own event-loop stalls (\"stalled up to\") delay what it measures.\n";
if (results.rss) {
  md += "\n| pods | RSS MiB | anon MiB | file MiB | peak MiB | JS heap MiB | live heap MiB | external (Buffers) MiB | RSS after GC MiB | target |\n|---|---|---|---|---|---|---|---|---|---|\n";
  for (const m of results.rss) {
    const t = m.pods === 100000 ? `< 500 MiB ${mark(m.rssMiB < 500)}` : "";
    md += `| ${fmt(m.pods)}${m.after ? ` (${m.after})` : ""} | ${fmt(m.rssMiB)} | ${fmt(m.anonMiB)} | ${fmt(m.fileMiB)} | ${fmt(m.peakMiB)} | ${fmt(m.heapUsedMiB)} | ${fmt(m.liveHeapMiB)} | ${fmt(m.externalMiB)} | ${fmt(m.rssAfterGcMiB)} | ${t} |\n`;
  }
  md += "\nRSS 2 s after the last create (file-backed pages are mostly the store's memory-mapped LMDB file); " +
    "then a full GC (bench/apiserver/probe.mjs, preloaded in this server only) gives the live JS heap and the RSS after it.\n";
}
if (results.startup) {
  const s = results.startup;
  const line = (name, f) => `| ${name} | **${fmt(f.p50Ms)}** | ${f.ms.map(fmt).join(", ")} | ${fmt(f.cpuP50Ms)} | ${fmt(f.waitP50Ms)} | < 1,000 ms ${mark(f.p50Ms < 1000)} |\n`;
  md += `\n\`kplane up\`, spawn -> first /readyz 200 (${s.runs} runs each; CPU is the server's, all threads, up to ready):\n\n` +
    "| data dir | p50 ms | runs ms | CPU p50 ms | waited for a CPU p50 ms | target |\n|---|---|---|---|---|---|\n" +
    line("fresh (PKI, store, bootstrap objects created)", s.fresh) + line("existing (restart)", s.restart);
}
if (results.profile) {
  md += `\nServer CPU profile of the throughput run (wall-clock samples: time the server spent preempted lands on whatever it was running, often a socket write): ` +
    `${results.profile.file}; more views with \`node bench/apiserver/profile.mjs <file> --inclusive\` or \`--callers <function>\`.\n\n${results.profile.text}\n`;
}
md += `\nWall time of the run: ${results.wallS} s.\n`;

const outDir = join(root, "bench", "results");
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, `apiserver-${stamp}${tag}.md`), md);
writeFileSync(join(outDir, `apiserver-${stamp}${tag}.json`), JSON.stringify(results, null, 2) + "\n");
process.stdout.write("\n" + md + "\n" + JSON.stringify(results) + "\n");
