// Starting and watching the server under test: `kplane up` on a fresh data dir, its admin
// credentials taken from the kubeconfig it writes, and its CPU and memory read from /proc.
import { spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { cpuSeconds, schedSeconds } from "./proc.mjs";

export async function freePort() {
  const s = createServer();
  await new Promise((r) => s.listen(0, "127.0.0.1", r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

/**
 * The store's WAL fdatasync histogram (etcd_disk_wal_fsync_duration_seconds, cumulative counts by
 * upper bound in seconds) from its /metrics, served where `--etcd-listen-client-urls` put it.
 */
export async function walFsyncs(storeUrl) {
  const text = await (await fetch(`${storeUrl}/metrics`)).text();
  const buckets = new Map();
  for (const m of text.matchAll(/^etcd_disk_wal_fsync_duration_seconds_bucket\{le="([^"]+)"\} (\d+)$/gm)) buckets.set(m[1] === "+Inf" ? Infinity : Number(m[1]), Number(m[2]));
  return buckets;
}

/** Between two walFsyncs readings: how many fdatasyncs, how many over `slowS`, and the bound of the slowest. */
export function fsyncsBetween(before, after, slowS = 0.008) {
  const count = (after.get(Infinity) ?? 0) - (before.get(Infinity) ?? 0);
  const upTo = (le) => (after.get(le) ?? 0) - (before.get(le) ?? 0);
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const slowestMs = bounds.find((le) => upTo(le) === count);
  return { count, slow: count - upTo(slowS), slowestMs: slowestMs === undefined || slowestMs === Infinity ? undefined : Math.round(slowestMs * 1000) };
}

/** The command line that runs `kplane up`: the built bundle, or the sources through tsx. */
export function upCommand(root, o) {
  const node = [...(o.cpuProfDir ? ["--cpu-prof", "--cpu-prof-dir", o.cpuProfDir] : []),
    ...(o.probe ? ["--expose-gc", "--import", join(root, "bench", "apiserver", "probe.mjs")] : []), ...(o.nodeArgs ?? [])];
  // o.entry: another bundle than dist/kplane.mjs (bench/apiserver/memory.mjs --entry).
  const entry = o.fromSource ? ["--import", "tsx", join(root, "src", "cli", "main.ts")] : [o.entry ?? join(root, "bin", "kplane.mjs")];
  // The API server alone: a control loop would schedule and run the benchmark's pods.
  // o.upArgs: more `kplane up` flags (e.g. --etcd-listen-client-urls, to read the store's /metrics).
  return [...node, ...entry, "up", "--no-control-loop", "--data-dir", o.dataDir, "--secure-port", String(o.port ?? 0), ...(o.upArgs ?? [])];
}

/**
 * One GET of /readyz; resolves to the status code, or 0 if the server is not listening yet.
 * Without `ca` the serving certificate is not checked (on a first start its CA does not exist yet).
 */
function readyz(port, ca) {
  return new Promise((resolve) => {
    const tls = ca ? { ca } : { rejectUnauthorized: false };
    const req = request({ host: "127.0.0.1", port, path: "/readyz", ...tls, agent: false, timeout: 2000 }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", () => resolve(0));
    req.on("timeout", () => req.destroy());
    req.end();
  });
}

/**
 * Spawns `kplane up` on `o.dataDir` and returns the time from spawn to the first /readyz 200
 * (polled every 5 ms), with the server's CPU time and run-queue wait by then; then stops it.
 */
export async function timeStartup(root, o) {
  const port = await freePort();
  const t0 = performance.now();
  const p = spawn(process.execPath, upCommand(root, { ...o, port }), { stdio: ["ignore", "ignore", "pipe"], cwd: root });
  let log = "";
  p.stderr.on("data", (d) => (log += d));
  let exited = false;
  p.once("exit", () => (exited = true));
  let ms;
  let cpuMs;
  let waitMs;
  for (;;) {
    const code = await readyz(port);
    if (code === 200) {
      ms = performance.now() - t0;
      // The server's own CPU to get there (all threads), and its main thread's run-queue wait.
      cpuMs = cpuSeconds(p.pid).self * 1000;
      waitMs = schedSeconds(p.pid).wait * 1000;
      break;
    }
    if (exited) throw new Error(`kplane up exited before ready:\n${log}`);
    if (performance.now() - t0 > 30_000) throw new Error(`kplane up not ready after 30 s:\n${log}`);
    await new Promise((r) => setTimeout(r, 5));
  }
  p.kill("SIGTERM");
  await new Promise((r) => (exited ? r() : p.once("exit", r)));
  return { ms, cpuMs, waitMs };
}

/**
 * Starts `kplane up` on a fresh data dir and waits for /readyz. Returns its pid, where it serves,
 * the admin credentials as PEM files (for the load processes), and stop().
 */
export async function startUp(root, o = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), "kplane-bench-api-"));
  // The profile is read later against the bundle's source map as it is now.
  if (o.cpuProfDir && !o.fromSource) copyFileSync(join(root, "dist", "kplane.mjs.map"), join(o.cpuProfDir, "kplane.mjs.map"));
  const probeFile = join(dataDir, "bench-probe.json");
  const env = o.probe ? { ...process.env, KPLANE_BENCH_PROBE: probeFile } : process.env;
  const p = spawn(process.execPath, upCommand(root, { ...o, dataDir }), { stdio: ["ignore", "pipe", "pipe"], cwd: root, env });
  let out = "";
  let log = "";
  p.stdout.on("data", (d) => (out += d));
  p.stderr.on("data", (d) => (log += d));
  const exited = new Promise((r) => p.once("exit", r));
  const deadline = performance.now() + 60_000;
  let url;
  while (!(url = /served at (https:\/\/[^\s]+)/.exec(out)?.[1])) {
    if (p.exitCode !== null || performance.now() > deadline) throw new Error(`kplane up did not start:\n${log}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const u = new URL(url);
  const kc = parseYaml(readFileSync(join(dataDir, "kubeconfig"), "utf8"));
  const pem = (b64) => Buffer.from(b64, "base64");
  const files = { caFile: join(dataDir, "bench-ca.pem"), certFile: join(dataDir, "bench-admin.pem"), keyFile: join(dataDir, "bench-admin-key.pem") };
  writeFileSync(files.caFile, pem(kc.clusters[0].cluster["certificate-authority-data"]));
  writeFileSync(files.certFile, pem(kc.users[0].user["client-certificate-data"]));
  writeFileSync(files.keyFile, pem(kc.users[0].user["client-key-data"]), { mode: 0o600 });
  const port = Number(u.port);
  while ((await readyz(port, readFileSync(files.caFile))) !== 200) await new Promise((r) => setTimeout(r, 20));
  return {
    pid: p.pid,
    url,
    dataDir,
    target: { host: u.hostname, port, ...files },
    log: () => log,
    /** With `probe`: the server's heap figures before and after a full GC (see probe.mjs). */
    async heap() {
      rmSync(probeFile, { force: true });
      p.kill("SIGUSR2");
      for (let i = 0; i < 1500 && !existsSync(probeFile); i++) await new Promise((r) => setTimeout(r, 20));
      return JSON.parse(readFileSync(probeFile, "utf8"));
    },
    async stop() {
      p.kill("SIGTERM");
      const t = setTimeout(() => p.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(t);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
