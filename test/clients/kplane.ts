// Starts `kplane up` as a child process, the way a user does, for the client-library smoke tests.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

export interface Kplane {
  /** e.g. https://127.0.0.1:41234 */
  url: string;
  /** The kubeconfig `kplane up` wrote (real TLS, admin client certificate). */
  kubeconfig: string;
  /** Scratch directory; removed by stop(). */
  dir: string;
  /** The last lines kplane printed, for failure messages. */
  logTail(lines?: number): string;
  stop(): Promise<void>;
}

/** `node --import tsx src/cli/main.ts up --data-dir <tmp> --secure-port 0`, waited on until it prints its URL. */
export async function startKplane(): Promise<Kplane> {
  const dir = mkdtempSync(join(tmpdir(), "kplane-clients-"));
  const proc = spawn(process.execPath, ["--import", "tsx", join(ROOT, "src", "cli", "main.ts"), "up", "--no-control-loop", "--data-dir", join(dir, "data"), "--secure-port", "0"], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const killOnExit = () => proc.kill("SIGKILL");
  process.on("exit", killOnExit);
  let stdout = "";
  let log = "";
  proc.stdout.on("data", (d: Buffer) => {
    stdout += d.toString();
    log = (log + d.toString()).slice(-20_000);
  });
  proc.stderr.on("data", (d: Buffer) => {
    log = (log + d.toString()).slice(-20_000);
  });
  let exited: string | null = null;
  const closed = new Promise<void>((resolve) =>
    proc.on("exit", (code, signal) => {
      exited = `exited with ${signal ?? code}`;
      process.off("exit", killOnExit);
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
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 30_000;
  for (;;) {
    const url = /served at (https?:\/\/\S+)/.exec(stdout)?.[1];
    const kubeconfig = /export KUBECONFIG=(\S+)/.exec(stdout)?.[1];
    if (url && kubeconfig) return { url, kubeconfig, dir, logTail, stop };
    if (exited !== null || Date.now() > deadline) {
      const why = exited ?? "printed no ready line within 30 s";
      await stop();
      throw new Error(`kplane up ${why}:\n${logTail()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
