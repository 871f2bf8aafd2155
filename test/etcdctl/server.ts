// Starting and stopping one-member servers (real etcd, or kplane's store) on free loopback ports.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export type Target = "etcd" | "kplane";

export const ETCD_BIN = process.env["KPLANE_DIFF_ETCD"] ?? "/usr/bin/etcd";
export const ETCDCTL_BIN = process.env["KPLANE_DIFF_ETCDCTL"] ?? "/usr/bin/etcdctl";
const KPLANE_BIN = fileURLToPath(new URL("../../bin/kplane.mjs", import.meta.url));

export function candidateTarget(): Target {
  const t = process.env["KPLANE_DIFF_TARGET"] ?? "kplane";
  if (t !== "etcd" && t !== "kplane") throw new Error(`KPLANE_DIFF_TARGET must be etcd or kplane, not ${t}`);
  return t;
}

export interface Member {
  target: Target;
  clientAddr: string;
  peerAddr: string;
  dataDir: string;
  tmpDir: string;
  clusterId: bigint | null;
  memberId: bigint | null;
  /** Last lines the server printed, for error messages. */
  logTail(): string;
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
const killAll = () => {
  for (const p of live) p.kill("SIGKILL");
};
process.on("exit", killAll);
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.once(sig, () => {
    killAll();
    process.kill(process.pid, sig);
  });
}

const reserved = new Set<number>();

/** A port the OS says is free, never handed out twice by this process. */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = createServer();
      srv.once("error", reject);
      srv.listen(0, "127.0.0.1", () => {
        const addr = srv.address();
        const p = typeof addr === "object" && addr !== null ? addr.port : 0;
        srv.close(() => resolve(p));
      });
    });
    if (!reserved.has(port)) {
      reserved.add(port);
      return port;
    }
  }
}

export const etcdctlEnv: NodeJS.ProcessEnv = (() => {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("ETCDCTL_")) env[k] = v;
  env["ETCDCTL_API"] = "3";
  return env;
})();

/** Runs etcdctl to completion (used for start-up probes; steps use run.ts). */
export function etcdctlOnce(args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(ETCDCTL_BIN, args, { env: etcdctlEnv, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    p.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => p.kill("SIGKILL"), timeoutMs);
    p.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function healthy(clientAddr: string): Promise<boolean> {
  try {
    const res = await fetch(`http://${clientAddr}/health`, { signal: AbortSignal.timeout(1000) });
    if (res.status !== 404) return ((await res.json()) as { health?: unknown }).health === "true";
  } catch {
    return false; // not listening yet
  }
  // No /health endpoint (yet): ask etcdctl, which does a Range and an Alarm list.
  const r = await etcdctlOnce([`--endpoints=${clientAddr}`, "--dial-timeout=1s", "endpoint", "health"], 5000);
  return r.code === 0;
}

/**
 * Starts a one-member cluster in `dir` and waits until it is healthy. `flags` are extra etcd
 * flags from the scenario (the same for both sides).
 */
export async function startMember(target: Target, dir: string, flags: string[]): Promise<Member> {
  // Ports come from the OS and are free when picked, but another test process may take one
  // before the server binds it; then the server fails and its port answers for someone else.
  // The member list tells: our peer URL must be in it. Retry with new ports if not.
  for (let attempt = 1; ; attempt++) {
    let m;
    try {
      m = await startMemberOnce(target, dir, flags);
    } catch (e) {
      // Or the server lost the race for its port and exited ("address already in use").
      if (attempt === 3 || !/address already in use/.test(String(e))) throw e;
      rmSync(join(dir, "data"), { recursive: true, force: true });
      continue;
    }
    if (m.peerUrlSeen || attempt === 3) return m;
    await m.stop();
    rmSync(m.dataDir, { recursive: true, force: true });
  }
}

async function startMemberOnce(target: Target, dir: string, flags: string[]): Promise<Member & { peerUrlSeen: boolean }> {
  const [cport, pport] = [await freePort(), await freePort()];
  const clientAddr = `127.0.0.1:${cport}`;
  const peerAddr = `127.0.0.1:${pport}`;
  const dataDir = join(dir, "data");
  const tmpDir = join(dir, "tmp");
  mkdirSync(tmpDir, { recursive: true });
  const args = [
    "--name", "m1",
    "--data-dir", dataDir,
    "--listen-client-urls", `http://${clientAddr}`,
    "--advertise-client-urls", `http://${clientAddr}`,
    "--listen-peer-urls", `http://${peerAddr}`,
    "--initial-advertise-peer-urls", `http://${peerAddr}`,
    "--initial-cluster", `m1=http://${peerAddr}`,
    ...flags,
  ];
  const [cmd, argv] =
    target === "etcd"
      ? [ETCD_BIN, args]
      : // Small WAL segments: tests start many members, and 64 MiB each adds up on a shared disk.
        [process.execPath, [KPLANE_BIN, "store", "--experimental-wal-segment-bytes", String(4 * 1024 * 1024), ...args]];
  const proc = spawn(cmd, argv, { stdio: ["ignore", "pipe", "pipe"] });
  live.add(proc);
  let log = "";
  const keep = (d: Buffer) => {
    log = (log + d.toString()).slice(-8000);
  };
  proc.stdout!.on("data", keep);
  proc.stderr!.on("data", keep);
  let exited: string | null = null;
  const closed = new Promise<void>((resolve) =>
    proc.on("exit", (code, signal) => {
      exited = `exited with ${signal ?? code}`;
      live.delete(proc);
      resolve();
    }),
  );
  const logTail = () => log.split("\n").slice(-15).join("\n");
  const stop = async () => {
    if (exited === null) proc.kill("SIGKILL"); // data dirs are thrown away: no need to be gentle
    await closed;
  };

  const deadline = Date.now() + 20_000;
  for (;;) {
    if (exited !== null) throw new Error(`${target} ${exited} before becoming healthy:\n${logTail()}`);
    if (await healthy(clientAddr)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${target} not healthy after 20 s:\n${logTail()}`);
    }
    await sleep(40);
  }

  // The ids that outputs are normalized by (see normalize.ts, rule 2): from the JSON gateway,
  // which is cheaper than etcdctl, or from etcdctl if the server has no gateway.
  let ids = "";
  try {
    const res = await fetch(`http://${clientAddr}/v3/cluster/member/list`, { method: "POST", body: "{}", signal: AbortSignal.timeout(5000) });
    if (res.ok) ids = await res.text();
  } catch {
    // fall through to etcdctl
  }
  if (!/"member_id":"?\d/.test(ids)) {
    ids = (await etcdctlOnce([`--endpoints=${clientAddr}`, "-w", "json", "member", "list"], 10_000)).stdout;
  }
  const num = (re: RegExp) => {
    const m = re.exec(ids);
    return m ? BigInt(m[1]!) : null;
  };
  return {
    peerUrlSeen: ids.includes(`http://${peerAddr}`),
    target,
    clientAddr,
    peerAddr,
    dataDir,
    tmpDir,
    clusterId: num(/"cluster_id":"?(\d+)/),
    memberId: num(/"member_id":"?(\d+)/),
    logTail,
    stop,
  };
}
