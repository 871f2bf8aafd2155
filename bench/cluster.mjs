#!/usr/bin/env node
// npm run bench:cluster — the control loop at scale (issue 5): 1,000 simulated nodes to Ready;
// 10,000 pods through Deployments to Running; a quiet spell with all of them up; then the
// Deployments deleted until no pod is left. Times, the API server's CPU and RSS, the other
// processes' CPU, pod startup latency p50/p99, and the API requests each phase cost.
//
//   node bench/cluster.mjs [--quick] [--nodes 1000] [--pods 10000] [--deployments 10]
//        [--latency-pods 100] [--latency-interval 200] [--idle 10] [--timeout 180]
//        [--cpu-prof] [--no-build] [--from-source] [--tag -x] [--server-node-args "..."]
//
// After the burst, --latency-pods more pods are started one at a time every --latency-interval
// ms (by scaling one more Deployment), with the burst's pods still running: their startup
// latency is kube's SLO as clusterloader2 measures it (latency pods at a steady rate in a
// loaded cluster), where the burst's measures a saturated pipeline.
//
// --quick: 100 nodes, 1,000 pods, 30 latency pods, 5 s idle (about 40 s). --cpu-prof: every process runs under
// --cpu-prof; the report ends with where the API server, the controller manager, the scheduler
// and the nodes spent their time (bench/apiserver/profile.mjs; more views with its CLI).
//
// Layout: `kplane up --no-control-loop` (API server + store) and, each in its own process,
// `kplane controller-manager`, `kplane scheduler` and `kplane node --count N`, all over HTTPS with
// the admin certificate, so /proc gives each one's CPU and memory. Writes
// bench/results/cluster-<date><tag>.md and .json. Method: bench/cluster/README.md.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { summarize } from "./apiserver/client.mjs";
import { inclusive, summarizeProfile } from "./apiserver/profile.mjs";
import { startUp } from "./apiserver/server.mjs";
import { apiClient, logSummary, profileFile, requestDelta, sample, scrapeRequests, startKplane } from "./cluster/procs.mjs";
import { keepWatching, NodeTracker, PodTracker } from "./cluster/watch.mjs";
import { cliArgs } from "./args.mjs";
import { referenceWorkMs } from "./calibrate.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { args, opt, flag } = cliArgs(import.meta.url);
const quick = flag("quick");
const nodeCount = Number(opt("nodes", quick ? "100" : "1000"));
const podCount = Number(opt("pods", quick ? "1000" : "10000"));
const deployments = Number(opt("deployments", "10"));
const idleS = Number(opt("idle", quick ? "5" : "10"));
const latencyPods = Number(opt("latency-pods", quick ? "30" : "100"));
const latencyEveryMs = Number(opt("latency-interval", "200"));
const timeoutS = Number(opt("timeout", "180"));
const fromSource = flag("from-source");
const cpuProf = flag("cpu-prof");
const tag = opt("tag", "");
if (podCount % deployments !== 0) throw new Error(`--pods ${podCount} is not a multiple of --deployments ${deployments}`);
const replicas = podCount / deployments;
const NS = "bench-cluster";

if (!fromSource && !flag("no-build")) execFileSync(process.execPath, [join(root, "scripts", "build.mjs")], { stdio: "inherit", cwd: root });

const note = (s) => process.stderr.write(`[bench:cluster] ${s}\n`);
const round = (v, d = 1) => (v === undefined || Number.isNaN(v) ? undefined : Math.round(v * 10 ** d) / 10 ** d);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** Resolves to true when `p` settles within `ms`, false otherwise. */
const within = (p, ms) => Promise.race([p.then(() => true), sleep(ms).then(() => false)]);

const results = {
  date: new Date().toISOString(), node: process.version, cpu: cpus()[0]?.model, cores: cpus().length, quick,
  nodes: nodeCount, pods: podCount, deployments, replicasPerDeployment: replicas, latencyPods, latencyEveryMs, idleS,
  layout: "kplane up --no-control-loop | kplane controller-manager | kplane scheduler | kplane node (separate processes)",
  loadavgBefore: loadavg().map((v) => round(v, 2)),
  // The machine's speed drifts by up to ~30 % between runs here (bench/calibrate.mjs).
  referenceWorkMsBefore: referenceWorkMs(),
};
const stamp = results.date.slice(0, 10);
const work = mkdtempSync(join(tmpdir(), "kplane-bench-cluster-"));
const profDir = cpuProf ? join(work, "prof") : undefined;
if (profDir) mkdirSync(profDir);
// --loop-semi-space N: the loop processes' young generation (MiB), for experiments (V8's default otherwise).
const loopSemiSpace = opt("loop-semi-space", undefined);
// --server-node-args "...": extra node flags for the API server (e.g. "--max-semi-space-size=8"), for experiments.
const serverNodeArgs = (opt("server-node-args", "") || "").split(" ").filter(Boolean);
results.serverNodeArgs = serverNodeArgs;
const procOpts = (name) => ({ name, fromSource, ...(profDir ? { cpuProfDir: profDir } : {}), ...(loopSemiSpace ? { semiSpace: Number(loopSemiSpace) } : {}) });

let server;
const procs = [];
const watches = [];
let api;
const cleanup = async () => {
  for (const w of watches) w.close();
  api?.close();
  // Nodes first (as kubelets going away), then the controllers, then the server.
  for (const p of [...procs].reverse()) await p.stop();
  await server?.stop();
};
process.once("SIGINT", () => void cleanup().then(() => process.exit(130)));

try {
  server = await startUp(root, { fromSource, nodeArgs: serverNodeArgs, ...(profDir ? { cpuProfDir: profDir } : {}) });
  note(`API server up (pid ${server.pid}) at ${server.url}`);
  api = await apiClient(server.target);
  const kubeconfig = join(server.dataDir, "kubeconfig");
  const nodes = new NodeTracker();
  const pods = new PodTracker();
  watches.push(keepWatching(api.tls, "/api/v1/nodes", (t, o, at) => nodes.onEvent(t, o, at)));
  watches.push(keepWatching(api.tls, "/api/v1/pods", (t, o, at) => pods.onEvent(t, o, at)));
  await Promise.all(watches.map((w) => w.opened));

  const loop = (name, cmd) => {
    const p = startKplane(root, procOpts(name), [...cmd, "--kubeconfig", kubeconfig], join(work, `${name}.log`));
    procs.push(p);
    return p;
  };
  // kube's separate binaries lead through Leases by default; here one copy each runs, as in `kplane up`.
  loop("controller-manager", ["controller-manager", "--leader-elect=false"]);
  loop("scheduler", ["scheduler", "--leader-elect=false"]);

  // The namespace, and its "default" ServiceAccount from the controller manager (pods need it).
  const ns = await api.json("POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
  if (ns.status !== 201) throw new Error(`creating namespace ${NS}: HTTP ${ns.status}`);
  const saDeadline = performance.now() + 60_000;
  while ((await api.send("GET", `/api/v1/namespaces/${NS}/serviceaccounts/default`)).status !== 200) {
    if (performance.now() > saDeadline) throw new Error("the controller manager did not create the default ServiceAccount in 60 s");
    await sleep(50);
  }

  /** CPU, run-queue wait and memory of every process, the bench's own CPU, and the server's request counters. */
  const snapshot = async () => {
    const own = process.cpuUsage();
    // CLOCK_MONOTONIC in µs, the time base of V8's .cpuprofile: profiles can be cut per phase (cluster/phaseprof.mjs).
    const s = { at: performance.now(), monoUs: Number(process.hrtime.bigint() / 1000n), bench: (own.user + own.system) / 1e6, server: sample(server.pid), requests: await scrapeRequests(api) };
    for (const p of procs) s[p.name] = sample(p.pid);
    return s;
  };
  const phases = [];
  /** Runs one phase between two snapshots; `run` answers { ok, ...figures }. */
  const phase = async (name, target, run) => {
    const before = await snapshot();
    note(`${name}: started`);
    const out = await run(before.at);
    const after = await snapshot();
    const wallS = out.wallS ?? (after.at - before.at) / 1000;
    const cpu = {};
    const wait = {};
    const rss = {};
    for (const k of ["server", ...procs.map((p) => p.name)]) {
      const a = after[k];
      const b = before[k] ?? { cpuS: 0, waitS: 0 };
      if (!a) continue;
      cpu[k] = round(a.cpuS - b.cpuS, 2);
      wait[k] = round(a.waitS - b.waitS, 2);
      rss[k] = { rssMiB: a.rssMiB, peakMiB: a.peakMiB };
    }
    cpu.bench = round(after.bench - before.bench, 2);
    const p = {
      phase: name, target, ...out, wallS: round(wallS, 2), measuredS: round((after.at - before.at) / 1000, 2), monoUs: [before.monoUs, after.monoUs], cpuS: cpu, waitS: wait, rss,
      requests: requestDelta(before.requests, after.requests, (after.at - before.at) / 1000),
      loadavg: loadavg().map((v) => round(v, 2)),
    };
    phases.push(p);
    note(`${name}: ${p.ok ? "done" : "NOT DONE"} in ${p.wallS} s (API server CPU ${cpu.server} s, waited ${wait.server} s; ${Object.entries(cpu).filter(([k]) => k !== "server").map(([k, v]) => `${k} ${v} s`).join(", ")})`);
    return p;
  };
  const progress = (what) => {
    const t = setInterval(() => note(what()), 2000);
    return () => clearInterval(t);
  };

  // ---- nodes to Ready ---------------------------------------------------------------------------
  await phase("nodes Ready", `${nodeCount.toLocaleString("en")} nodes <= 10 s`, async (t0) => {
    loop("nodes", ["node", "--count", String(nodeCount)]);
    const stop = progress(() => `nodes: ${nodes.nodes.size} registered, ${nodes.ready} Ready`);
    const ok = await within(nodes.whenReady(nodeCount), timeoutS * 1000);
    stop();
    const firstSeen = Math.min(...[...nodes.nodes.values()].map((n) => n.seenAt));
    const lastReady = Math.max(...[...nodes.nodes.values()].map((n) => n.readyAt ?? 0));
    return {
      ok, ready: nodes.ready, wallS: (lastReady - t0) / 1000,
      // The process's own start (Node, the bundle, informers' first list) before its first node appears.
      firstNodeS: round((firstSeen - t0) / 1000, 2), pass: ok && (lastReady - t0) / 1000 <= 10,
    };
  });

  // ---- pods through Deployments to Running ------------------------------------------------------
  const deployment = (i, n = replicas) => ({
    apiVersion: "apps/v1", kind: "Deployment",
    metadata: { name: `bench-${i}`, namespace: NS, labels: { app: `bench-${i}` } },
    spec: {
      replicas: n,
      selector: { matchLabels: { app: `bench-${i}` } },
      template: {
        metadata: { labels: { app: `bench-${i}` } },
        spec: { containers: [{ name: "app", image: "registry.k8s.io/pause:3.10", resources: { requests: { cpu: "100m", memory: "64Mi" } } }] },
      },
    },
  });
  let podsT0 = 0;
  await phase("pods Running", `${podCount.toLocaleString("en")} pods <= 30 s`, async (t0) => {
    podsT0 = t0;
    for (let i = 0; i < deployments; i++) {
      const r = await api.send("POST", `/apis/apps/v1/namespaces/${NS}/deployments`, deployment(i));
      if (r.status !== 201) throw new Error(`creating deployment bench-${i}: HTTP ${r.status} ${r.text.slice(0, 300)}`);
    }
    const stop = progress(() => {
      let bound = 0;
      for (const p of pods.pods.values()) if (p.boundAt !== undefined && p.goneAt === undefined) bound++;
      return `pods: ${pods.live} created, ${bound} bound, ${pods.running} Running`;
    });
    const ok = await within(pods.when((t) => t.running >= podCount), timeoutS * 1000);
    stop();
    let last = 0;
    for (const p of pods.pods.values()) if (p.runningAt !== undefined) last = Math.max(last, p.runningAt);
    const wallS = ok ? (last - t0) / 1000 : (performance.now() - t0) / 1000;
    return { ok, running: pods.running, created: pods.live, wallS, pass: ok && wallS <= 30 };
  });
  const lat = pods.startup(podsT0, (name) => !name.startsWith("bench-latency-"));
  const pct = (a) => {
    const s = summarize(a);
    return s.n ? { n: s.n, p50: round(s.p50, 0), p90: round(s.p90, 0), p99: round(s.p99, 0), max: round(s.max, 0) } : { n: 0 };
  };
  results.startupLatencyMs = {
    watch: pct(lat.watch), fromCreationTimestamp: pct(lat.fromTimestamp), createdToBound: pct(lat.scheduling), boundToRunning: pct(lat.afterBinding),
  };
  const p99 = results.startupLatencyMs.watch.p99;
  note(`pod startup latency (watch): p50 ${results.startupLatencyMs.watch.p50} ms, p99 ${p99} ms`);

  // ---- latency pods: one at a time at a steady rate, the burst's pods still up ------------------
  let latencyP99;
  if (latencyPods > 0) {
    const r = await api.send("POST", `/apis/apps/v1/namespaces/${NS}/deployments`, deployment("latency", 0));
    if (r.status !== 201) throw new Error(`creating deployment bench-latency: HTTP ${r.status} ${r.text.slice(0, 300)}`);
    let latT0 = 0;
    await phase(`latency pods (${latencyPods}, one per ${latencyEveryMs} ms)`, "", async (t0) => {
      latT0 = t0;
      for (let i = 1; i <= latencyPods; i++) {
        const due = t0 + (i - 1) * latencyEveryMs;
        if (due > performance.now()) await sleep(due - performance.now());
        const s = await api.send("PATCH", `/apis/apps/v1/namespaces/${NS}/deployments/bench-latency/scale`, { spec: { replicas: i } }, "application/merge-patch+json");
        if (s.status !== 200) throw new Error(`scaling bench-latency to ${i}: HTTP ${s.status} ${s.text.slice(0, 300)}`);
      }
      const ok = await within(pods.when((t) => t.running >= podCount + latencyPods), timeoutS * 1000);
      return { ok };
    });
    const l = pods.startup(latT0, (name) => name.startsWith("bench-latency-"));
    results.latencyPodsStartupMs = {
      watch: pct(l.watch), fromCreationTimestamp: pct(l.fromTimestamp), createdToBound: pct(l.scheduling), boundToRunning: pct(l.afterBinding),
    };
    latencyP99 = results.latencyPodsStartupMs.watch.p99;
    note(`latency pods' startup latency (watch): p50 ${results.latencyPodsStartupMs.watch.p50} ms, p99 ${latencyP99} ms`);
  }

  // ---- everything up, nothing changing: the steady cost (leases) ----------------------------------
  if (idleS > 0) await phase(`idle ${idleS} s`, "", async () => (await sleep(idleS * 1000), { ok: true }));

  // ---- Deployments deleted until no pod is left -------------------------------------------------
  await phase("pods deleted", `0 pods left <= 30 s`, async (t0) => {
    for (const i of [...Array(deployments).keys(), ...(latencyPods > 0 ? ["latency"] : [])]) {
      // kubectl delete's default: background propagation (the garbage collector deletes the rest).
      const r = await api.send("DELETE", `/apis/apps/v1/namespaces/${NS}/deployments/bench-${i}`, { kind: "DeleteOptions", apiVersion: "v1", propagationPolicy: "Background" });
      if (r.status !== 200 && r.status !== 202) throw new Error(`deleting deployment bench-${i}: HTTP ${r.status}`);
    }
    const stop = progress(() => `pods: ${pods.live} left (${pods.running} still Running)`);
    const ok = await within(pods.when((t) => t.live === 0), timeoutS * 1000);
    stop();
    let last = 0;
    for (const p of pods.pods.values()) if (p.goneAt !== undefined) last = Math.max(last, p.goneAt);
    const wallS = ok ? (last - t0) / 1000 : (performance.now() - t0) / 1000;
    return { ok, left: pods.live, wallS, pass: ok && wallS <= 30 };
  });

  results.phases = phases;
  results.podEventsSeen = pods.events;
  results.watchReopens = watches.map((w) => w.reopens());
  results.pass = phases.filter((p) => p.target).every((p) => p.pass) && p99 !== undefined && p99 <= 5000 && (latencyP99 === undefined || latencyP99 <= 5000);
} catch (e) {
  results.error = e instanceof Error ? e.stack : String(e);
  note(`failed: ${results.error}`);
} finally {
  await cleanup();
}
results.loadavgAfter = loadavg().map((v) => round(v, 2));
results.referenceWorkMsAfter = referenceWorkMs();
results.logs = Object.fromEntries(procs.map((p) => [p.name, logSummary(p.logFile)]));
results.wallS = round(process.uptime(), 0);

// ---- profiles ----------------------------------------------------------------------------------
if (profDir) {
  results.profiles = {};
  const files = readdirSync(profDir).filter((f) => f.endsWith(".cpuprofile"));
  const named = new Set(procs.map((p) => `${p.name}.cpuprofile`));
  const serverFile = files.find((f) => !named.has(f));
  for (const [name, file] of [["API server", serverFile && join(profDir, serverFile)], ...procs.map((p) => [p.name, profileFile(profDir, p.name)])]) {
    if (!file) continue;
    const prof = JSON.parse(readFileSync(file, "utf8"));
    const s = summarizeProfile(prof, name === "API server" ? 30 : 20, profDir);
    results.profiles[name] = { file, busyMs: s.busyMs, idleMs: s.idleMs, functions: s.functions, files: s.files, text: s.text, inclusive: inclusive(prof, 40, profDir) };
  }
}

// ---- report ------------------------------------------------------------------------------------
const fmt = (v) => (v === undefined ? "" : typeof v === "number" ? v.toLocaleString("en") : String(v));
const mark = (pass) => (pass === undefined ? "" : pass ? "✅" : "❌");
const names = ["server", "controller-manager", "scheduler", "nodes", "bench"];
const label = { server: "API server", "controller-manager": "controller manager", scheduler: "scheduler", nodes: "nodes", bench: "bench (watches)" };
let md = `# bench:cluster ${stamp}${quick ? " (quick)" : ""}\n\n`;
md += `${fmt(nodeCount)} simulated nodes, ${fmt(podCount)} pods as ${deployments} Deployments × ${fmt(replicas)} replicas; ${results.layout}. ` +
  `${results.cores} cores (${results.cpu}), node ${results.node}; load average ${results.loadavgBefore.join(" ")} before, ${results.loadavgAfter.join(" ")} after; reference work (bench/calibrate.mjs, lower = faster machine) ${results.referenceWorkMsBefore} ms before, ${results.referenceWorkMsAfter} ms after. ` +
  `No real kube-apiserver runs here: the targets are absolute.\n\n`;
if (results.error) md += `**The run failed**: \`${results.error.split("\n")[0]}\`\n\n`;
const phases = results.phases ?? [];
md += "| phase | wall s | target | | " + names.map((n) => `${label[n]} CPU s`).join(" | ") + " | API server CPU % | API server waited for a CPU % | API server RSS MiB (peak) |\n";
md += "|---|---|---|---|" + names.map(() => "---|").join("") + "---|---|---|\n";
for (const p of phases) {
  const serverPct = round((100 * (p.cpuS.server ?? 0)) / p.measuredS, 0);
  const waitPct = round((100 * (p.waitS.server ?? 0)) / p.measuredS, 0);
  md += `| ${p.phase}${p.ok ? "" : " (timed out)"} | **${fmt(p.wallS)}** | ${p.target} | ${mark(p.pass)} | ${names.map((n) => fmt(p.cpuS[n])).join(" | ")} | ${fmt(serverPct)} | ${fmt(waitPct)} | ${fmt(p.rss.server?.rssMiB)} (${fmt(p.rss.server?.peakMiB)}) |\n`;
}
const row = (name, s, target = "") => `| ${name} | ${fmt(s.n)} | ${fmt(s.p50)} | ${fmt(s.p90)} | **${fmt(s.p99)}** | ${fmt(s.max)} | ${target} |\n`;
const latencyTable = (l) =>
  "| measure | pods | p50 | p90 | p99 | max | target |\n|---|---|---|---|---|---|---|\n" +
  row("watch: first seen -> seen Running+Ready", l.watch, `p99 <= 5,000 ${mark(l.watch.p99 !== undefined && l.watch.p99 <= 5000)}`) +
  row("creationTimestamp (whole seconds) -> seen Running+Ready", l.fromCreationTimestamp) +
  row("part: first seen -> seen bound (scheduler)", l.createdToBound) +
  row("part: seen bound -> seen Running+Ready (node)", l.boundToRunning);
if (results.startupLatencyMs) {
  md += "\nPod startup latency, ms (kube's SLO: creation to Running with all containers ready, observed via watch; no image pulls here). " +
    `The burst: ${fmt(podCount)} pods at once, so this includes the wait in a saturated pipeline:\n\n` + latencyTable(results.startupLatencyMs);
}
if (results.latencyPodsStartupMs) {
  md += `\nLatency pods (as clusterloader2 measures the SLO): ${fmt(latencyPods)} pods started one at a time every ${latencyEveryMs} ms by scaling one Deployment, ` +
    `the burst's pods still running:\n\n` + latencyTable(results.latencyPodsStartupMs);
}
for (const p of phases) {
  md += `\nAPI requests during "${p.phase}" (${fmt(p.measuredS)} s measured; from the server's apiserver_request_total and _duration_seconds; watches left out):\n\n` +
    "| request | count | per s | server mean ms | errors |\n|---|---|---|---|---|\n";
  for (const r of p.requests.slice(0, 14)) md += `| ${r.request} | ${fmt(r.count)} | ${fmt(r.perSecond)} | ${fmt(r.meanMs)} | ${Object.entries(r.errors).map(([c, n]) => `${n} × ${c}`).join(", ")} |\n`;
}
if (phases.length) {
  md += "\nMemory at the end of each phase, RSS MiB (peak so far):\n\n| phase | " + names.slice(0, 4).map((n) => label[n]).join(" | ") + " |\n|---|" + names.slice(0, 4).map(() => "---|").join("") + "\n";
  for (const p of phases) md += `| ${p.phase} | ${names.slice(0, 4).map((n) => (p.rss[n] ? `${fmt(p.rss[n].rssMiB)} (${fmt(p.rss[n].peakMiB)})` : "")).join(" | ")} |\n`;
}
const logLines = Object.entries(results.logs).filter(([, c]) => Object.keys(c).length);
if (logLines.length) {
  md += "\nWarnings logged:\n\n";
  for (const [name, counts] of logLines) for (const [msg, n] of Object.entries(counts)) md += `- ${name}: ${n} × ${msg}\n`;
}
md += "\nCPU s are each process's CPU time (all threads, /proc/<pid>/stat) over the phase; \"waited for a CPU\" is the API server main thread's " +
  "run-queue wait (/proc/<pid>/schedstat): with five processes on two cores, a high share means the machine, not the server, set the pace. " +
  `Nodes Ready is timed from spawning \`kplane node\` (its own start took ${fmt(phases[0]?.firstNodeS)} s before the first Node appeared); ` +
  "pods Running from the first Deployment create; deleted from the first Deployment delete to the last pod's DELETED event.\n";
if (results.profiles) {
  for (const [name, s] of Object.entries(results.profiles)) {
    md += `\n### CPU profile: ${name}\n\n${s.file}\n\n${s.text}\n`;
    if (name === "API server") md += `Inclusive (samples with the function on the stack):\n\n\`\`\`\n${s.inclusive}\`\`\`\n`;
  }
}
md += `\nWall time of the run: ${results.wallS} s.\n`;

const outDir = join(root, "bench", "results");
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, `cluster-${stamp}${tag}.md`), md);
writeFileSync(join(outDir, `cluster-${stamp}${tag}.json`), JSON.stringify(results, null, 2) + "\n");
process.stdout.write("\n" + md + "\n");
// Logs and profiles stay for a failed or profiled run; otherwise the work dir goes.
if (!results.error && !profDir) rmSync(work, { recursive: true, force: true });
else note(`logs${profDir ? " and profiles" : ""} kept in ${work}`);
process.exit(results.error ? 1 : 0);
