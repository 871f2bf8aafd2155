// Starts `kplane up` as a child process and runs real kubectl against it.
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startMember, type Member } from "../etcdctl/server.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** The dispatcher: it runs the bundled kubectl matching the server's reported minor version. */
export const KUBECTL = process.env["KPLANE_KUBECTL"] ?? "/usr/bin/kubectl";

/** A bundled kubectl of one minor version, run directly (bypassing the dispatcher). */
export function kubectlOfMinor(minor: string): string {
  return `/usr/lib/google-cloud-sdk/bin/kubectl.${minor}`;
}

export interface KplaneServer {
  /** e.g. https://127.0.0.1:41234 */
  url: string;
  port: number;
  kubeconfig: string;
  /** Scratch directory of this server: data dir, kubectl's HOME, script work dirs. */
  dir: string;
  /** HOME for kubectl runs: discovery and http caches live under $HOME/.kube/cache. */
  home: string;
  /** The last lines kplane printed (stdout and stderr), for failure messages. */
  logTail(lines?: number): string;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Extra environment for the kplane process (e.g. KPLANE_REPORT_MINOR). */
  env?: Record<string, string>;
  /** Extra `kplane up` flags. */
  flags?: string[];
  /** Run `kplane apiserver` over a real etcd 3.4 (started here) instead of `kplane up`. */
  realEtcd?: boolean;
  /**
   * Run `kplane up` with its control loop (controllers, scheduler, simulated nodes). Off by
   * default: the API-server scripts expect objects as a bare API server leaves them.
   */
  controlLoop?: boolean;
}

const live = new Set<ChildProcess>();
process.on("exit", () => {
  for (const p of live) p.kill("SIGKILL");
});

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else if (e.name.endsWith(".ts")) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * How to run kplane: the bundle (dist/kplane.mjs) when it is at least as new as every source
 * file — `npm test` builds it first — else the sources through tsx, so that a stale bundle never
 * answers for the code under test. KPLANE_KUBECTL_FROM=dist|src forces one.
 */
export function kplaneCommand(): string[] {
  const dist = join(ROOT, "dist", "kplane.mjs");
  const from = process.env["KPLANE_KUBECTL_FROM"];
  const useDist = from === "dist" || (from !== "src" && existsSync(dist) && statSync(dist).mtimeMs >= newestMtime(join(ROOT, "src")));
  return useDist
    ? [process.execPath, dist]
    : [process.execPath, "--import", "tsx", join(ROOT, "src", "cli", "main.ts")];
}

/** Starts `kplane up --secure-port 0` in a fresh temp dir and waits for its ready line. */
export async function startKplane(opts: StartOptions = {}): Promise<KplaneServer> {
  const dir = mkdtempSync(join(tmpdir(), "kplane-kubectl-"));
  const home = join(dir, "home");
  mkdirSync(home);
  const [cmd, ...args] = kplaneCommand();
  let etcd: Member | undefined;
  let mode = opts.controlLoop ? ["up"] : ["up", "--no-control-loop"];
  if (opts.realEtcd) {
    etcd = await startMember("etcd", join(dir, "etcd"), []);
    mode = ["apiserver", `--etcd-servers=http://${etcd.clientAddr}`];
  }
  const proc = spawn(cmd!, [...args, ...mode, "--data-dir", join(dir, "data"), "--secure-port", "0", ...(opts.flags ?? [])], {
    cwd: ROOT,
    env: { ...process.env, ...opts.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  live.add(proc);
  let log = "";
  let stdout = "";
  proc.stdout!.on("data", (d: Buffer) => {
    stdout += d.toString();
    log = (log + d.toString()).slice(-20_000);
  });
  proc.stderr!.on("data", (d: Buffer) => {
    log = (log + d.toString()).slice(-20_000);
  });
  let exited: string | null = null;
  const closed = new Promise<void>((resolve) =>
    proc.on("exit", (code, signal) => {
      exited = `exited with ${signal ?? code}`;
      live.delete(proc);
      resolve();
    }),
  );
  const logTail = (n = 30) => log.split("\n").slice(-n).join("\n");
  const stop = async () => {
    if (exited === null) {
      proc.kill("SIGTERM");
      const t = setTimeout(() => proc.kill("SIGKILL"), 5000);
      await closed;
      clearTimeout(t);
    }
    await etcd?.stop();
    if (!process.env["KPLANE_KUBECTL_KEEP"]) rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 60_000;
  for (;;) {
    const url = /(?:served|serving) at (https?:\/\/\S+)/.exec(stdout)?.[1];
    const kubeconfig = /export KUBECONFIG=(\S+)/.exec(stdout)?.[1];
    if (url && kubeconfig) {
      return { url, port: Number(new URL(url).port), kubeconfig, dir, home, logTail, stop };
    }
    if (exited !== null) {
      await stop();
      throw new Error(`kplane up ${exited} before it was ready:\n${logTail()}`);
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`kplane up printed no ready line within 60 s:\n${logTail()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface KubectlRun {
  /** Exit code, or null when killed (see timedOut). */
  code: number | null;
  /** stdout and stderr interleaved as written (both go to one file). */
  output: string;
  timedOut: boolean;
}

export interface KubectlOptions {
  cwd: string;
  stdin?: string;
  timeoutMs?: number;
  /** Binary to run (default: the dispatcher). */
  bin?: string;
  /** Extra environment (a script's `env NAME=VALUE` steps). */
  env?: Record<string, string>;
}

/** The environment of every kubectl run: nothing from ours but PATH. */
export function kubectlEnv(server: KplaneServer): NodeJS.ProcessEnv {
  return { PATH: process.env["PATH"] ?? "/usr/bin:/bin", HOME: server.home, KUBECONFIG: server.kubeconfig, LANG: "C.UTF-8" };
}

/** A running kubectl whose combined output goes to a file (so stdout/stderr keep their order). */
export interface KubectlProcess {
  proc: ChildProcess;
  done: Promise<KubectlRun>;
  /** What it has printed so far. */
  outputSoFar(): string;
}

let outSeq = 0;

/**
 * How long a kubectl run may take unless the caller says: 30 s, or the command's own
 * `--timeout` (wait, delete, rollout status) plus 10 s when that is longer, so that a script's
 * `kubectl wait --timeout=90s` is not cut short.
 */
export function kubectlTimeoutMs(args: readonly string[]): number {
  let ms = 30_000;
  for (let i = 0; i < args.length; i++) {
    const m = /^--timeout(?:=(.*))?$/.exec(args[i]!);
    const v = m && (m[1] ?? args[i + 1]);
    const d = v ? /^(\d+)(ms|s|m)$/.exec(v) : null;
    if (d) ms = Math.max(ms, Number(d[1]) * (d[2] === "m" ? 60_000 : d[2] === "s" ? 1000 : 1) + 10_000);
  }
  return ms;
}

export function startKubectl(server: KplaneServer, args: string[], opts: KubectlOptions): KubectlProcess {
  const outFile = join(server.dir, `out-${process.pid}-${++outSeq}.txt`);
  const fd = openSync(outFile, "w");
  const proc = spawn(opts.bin ?? KUBECTL, args, { cwd: opts.cwd, env: { ...kubectlEnv(server), ...opts.env }, stdio: ["pipe", fd, fd] });
  closeSync(fd);
  live.add(proc);
  proc.stdin!.on("error", () => {}); // kubectl may exit without reading its input
  proc.stdin!.end(opts.stdin ?? "");
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    proc.kill("SIGKILL");
  }, opts.timeoutMs ?? kubectlTimeoutMs(args));
  const read = () => {
    try {
      return readFileSync(outFile, "utf8");
    } catch {
      return "";
    }
  };
  const done = new Promise<KubectlRun>((resolve) => {
    const finish = (code: number | null) => {
      clearTimeout(timer);
      live.delete(proc);
      const output = read();
      rmSync(outFile, { force: true });
      resolve({ code: timedOut ? null : code, output, timedOut });
    };
    proc.on("error", (e) => {
      clearTimeout(timer);
      live.delete(proc);
      rmSync(outFile, { force: true });
      resolve({ code: null, output: `spawn failed: ${e.message}`, timedOut: false });
    });
    proc.on("exit", (code) => finish(code));
  });
  return { proc, done, outputSoFar: read };
}

/** Runs kubectl to completion. */
export function kubectl(server: KplaneServer, args: string[], opts: KubectlOptions): Promise<KubectlRun> {
  return startKubectl(server, args, opts).done;
}

/** Another kplane process (controller-manager, scheduler, node, ...) run beside a server. */
export interface KplaneProcess {
  readonly name: string;
  readonly pid: number;
  /** Everything it printed (stdout and stderr, the last 200 kB). */
  log(): string;
  /** Resolves when the output matches `re` (or throws after `timeoutMs`, or when it exits first). */
  waitForOutput(re: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** null while running. */
  exitStatus(): string | null;
  /** Sends a signal and waits until it has exited (SIGKILL after 5 s). */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Starts `kplane <args>` (the same bundle or sources as startKplane) with stdout and stderr
 * collected. It is SIGKILLed when the test process exits, should the test not stop it.
 */
export function startKplaneProcess(name: string, args: string[], opts: { env?: Record<string, string> } = {}): KplaneProcess {
  const [cmd, ...pre] = kplaneCommand();
  const proc = spawn(cmd!, [...pre, ...args], { cwd: ROOT, env: { ...process.env, ...opts.env }, stdio: ["ignore", "pipe", "pipe"] });
  live.add(proc);
  let log = "";
  const append = (d: Buffer) => {
    log = (log + d.toString()).slice(-200_000);
  };
  proc.stdout!.on("data", append);
  proc.stderr!.on("data", append);
  let status: string | null = null;
  const exited = new Promise<void>((resolve) => {
    proc.on("exit", (code, signal) => {
      status = `exited with ${signal ?? code}`;
      live.delete(proc);
      resolve();
    });
    proc.on("error", (e) => {
      status = `failed to start: ${e.message}`;
      live.delete(proc);
      resolve();
    });
  });
  return {
    name,
    pid: proc.pid ?? -1,
    log: () => log,
    exitStatus: () => status,
    async waitForOutput(re, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const m = re.exec(log);
        if (m) return m;
        if (status !== null) throw new Error(`${name} ${status} before printing ${re}:\n${log.slice(-3000)}`);
        if (Date.now() > deadline) throw new Error(`${name} did not print ${re} within ${timeoutMs} ms:\n${log.slice(-3000)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async kill(signal = "SIGTERM") {
      if (status !== null) return;
      proc.kill(signal);
      const t = setTimeout(() => proc.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(t);
    },
  };
}
