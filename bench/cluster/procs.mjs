// The control-loop processes of the cluster benchmark (`kplane controller-manager`, `scheduler`,
// `node`) next to the API server that bench/apiserver/server.mjs starts, each in its own process
// so that /proc gives each one's CPU and memory; and the API server's /metrics read as request
// counts per kind.
import { spawn } from "node:child_process";
import { createWriteStream, existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Conn, rawRequest } from "../apiserver/client.mjs";
import { cpuSeconds, memory, schedSeconds } from "../apiserver/proc.mjs";

/** The command line of one `kplane <command>` (the built bundle, or the sources through tsx). */
export function kplaneCommand(root, o, args) {
  // V8's own young generation, as bin/kplane.mjs runs; o.semiSpace (MiB) sets another.
  const node = [...(o.semiSpace ? [`--max-semi-space-size=${o.semiSpace}`] : []), ...(o.cpuProfDir ? ["--cpu-prof", "--cpu-prof-dir", o.cpuProfDir, "--cpu-prof-name", `${o.name}.cpuprofile`] : [])];
  const entry = o.fromSource ? ["--import", "tsx", join(root, "src", "cli", "main.ts")] : [join(root, "bin", "kplane.mjs")];
  return [...node, ...entry, ...args];
}

/**
 * Spawns `kplane <args>` with its log (stderr) going to `logFile`; answers a handle whose
 * stop() sends SIGTERM (SIGKILL after 15 s) and waits for the exit (profiles are written then).
 */
export function startKplane(root, o, args, logFile) {
  const p = spawn(process.execPath, kplaneCommand(root, o, args), { stdio: ["ignore", "pipe", "pipe"], cwd: root });
  const log = createWriteStream(logFile);
  p.stderr.pipe(log);
  let out = "";
  p.stdout.on("data", (d) => (out += d));
  let exitCode;
  const exited = new Promise((r) => p.once("exit", (code, sig) => r((exitCode = code ?? sig))));
  return {
    name: o.name,
    pid: p.pid,
    logFile,
    started: performance.now(),
    stdout: () => out,
    exited: () => exitCode !== undefined,
    async stop() {
      if (exitCode === undefined) {
        p.kill("SIGTERM");
        const t = setTimeout(() => p.kill("SIGKILL"), 15_000);
        await exited;
        clearTimeout(t);
      }
      await new Promise((r) => log.end(r));
    },
  };
}

/** Warnings and errors a component logged, by message (for the report; a healthy run has few). */
export function logSummary(file) {
  if (!existsSync(file)) return {};
  const counts = {};
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (!line.startsWith("{")) continue;
    try {
      const l = JSON.parse(line);
      if (l.level !== "warn" && l.level !== "error") continue;
      const k = `${l.level}: ${l.msg}`;
      counts[k] = (counts[k] ?? 0) + 1;
    } catch {
      // not a log line
    }
  }
  return counts;
}

/** CPU (all threads), main-thread run-queue wait, and memory of a process now. */
export function sample(pid) {
  try {
    return { cpuS: cpuSeconds(pid).self, waitS: schedSeconds(pid).wait, ...memory(pid) };
  } catch {
    return undefined; // exited
  }
}

/** The .cpuprofile a process wrote into `dir` (named by --cpu-prof-name, or the only one). */
export function profileFile(dir, name) {
  if (!dir || !existsSync(dir)) return undefined;
  const files = readdirSync(dir).filter((f) => f.endsWith(".cpuprofile"));
  const mine = files.find((f) => f === `${name}.cpuprofile`) ?? (files.length === 1 ? files[0] : undefined);
  return mine ? join(dir, mine) : undefined;
}

/** A client for the bench's own requests (one keep-alive TLS connection; requests in turn). */
export async function apiClient(target) {
  const t = { host: target.host, port: target.port, ca: readFileSync(target.caFile), cert: readFileSync(target.certFile), key: readFileSync(target.keyFile) };
  const host = `${t.host}:${t.port}`;
  let conn = await Conn.open(t);
  let chain = Promise.resolve();
  const send = (method, path, body, contentType = "application/json", accept = "application/json") => {
    const run = async () => {
      const bytes = rawRequest(method, path, host, body === undefined ? undefined : JSON.stringify(body), contentType, accept);
      // Closed while idle (the server's keep-alive timeout): a write to it would wait forever.
      if (conn.sock.destroyed) conn = await Conn.open(t);
      try {
        return await conn.send(bytes, true);
      } catch {
        // The server closed an idle keep-alive connection: once more on a new one.
        conn.close();
        conn = await Conn.open(t);
        return conn.send(bytes, true);
      }
    };
    const r = chain.then(run);
    chain = r.then(() => undefined, () => undefined);
    return r.then((res) => ({ status: res.status, text: res.body.toString("utf8") }));
  };
  return {
    tls: t,
    send,
    /** `o.contentType`, `o.accept`: other than application/json. */
    async json(method, path, body, o = {}) {
      const r = await send(method, path, body, o.contentType, o.accept);
      return { status: r.status, body: r.text ? JSON.parse(r.text) : undefined };
    },
    close: () => conn.close(),
  };
}

/**
 * apiserver_request_total and apiserver_request_duration_seconds from /metrics, keyed
 * "VERB resource[/subresource]": count, non-2xx count by code, and the summed duration.
 */
export async function scrapeRequests(api) {
  const r = await api.send("GET", "/metrics");
  if (r.status !== 200) throw new Error(`/metrics: HTTP ${r.status}`);
  const out = {};
  const labels = (s) => Object.fromEntries([...s.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
  const keyOf = (l) => `${l.verb} ${l.resource}${l.subresource ? `/${l.subresource}` : ""}`;
  for (const line of r.text.split("\n")) {
    let m = /^apiserver_request_total\{(.*)\} (\S+)$/.exec(line);
    if (m) {
      const l = labels(m[1]);
      if (!l.resource) continue;
      const e = (out[keyOf(l)] ??= { count: 0, errors: {}, seconds: 0 });
      const n = Number(m[2]);
      e.count += n;
      if (!/^2/.test(l.code)) e.errors[l.code] = (e.errors[l.code] ?? 0) + n;
      continue;
    }
    m = /^apiserver_request_duration_seconds_sum\{(.*)\} (\S+)$/.exec(line);
    if (m) {
      const l = labels(m[1]);
      if (!l.resource) continue;
      (out[keyOf(l)] ??= { count: 0, errors: {}, seconds: 0 }).seconds += Number(m[2]);
    }
  }
  return out;
}

/** The requests between two scrapes, largest first, WATCH left out (long-running). */
export function requestDelta(before, after, wallS) {
  const rows = [];
  for (const [k, a] of Object.entries(after)) {
    const b = before[k] ?? { count: 0, errors: {}, seconds: 0 };
    const n = a.count - b.count;
    if (n <= 0 || k.startsWith("WATCH ")) continue;
    const errors = {};
    for (const [code, c] of Object.entries(a.errors)) if (c - (b.errors[code] ?? 0) > 0) errors[code] = c - (b.errors[code] ?? 0);
    rows.push({ request: k, count: n, perSecond: Math.round(n / wallS), meanMs: Math.round(((a.seconds - b.seconds) / n) * 10000) / 10, errors });
  }
  return rows.sort((x, y) => y.count - x.count);
}
