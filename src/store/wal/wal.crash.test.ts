import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, it } from "node:test";
import { fileURLToPath } from "node:url";
import { Wal } from "./wal.js";
import { payload } from "./wal-crash-child.js";

const child = fileURLToPath(new URL("./wal-crash-child.ts", import.meta.url));
const root = fs.mkdtempSync(path.join(os.tmpdir(), "kplane-wal-crash-"));
after(() => fs.rmSync(root, { recursive: true, force: true }));

let seed = Number(process.env.WAL_CRASH_SEED ?? Date.now()) >>> 0 || 1;
function rand(n: number): number {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) % n;
}

/** Runs the child until a random moment after it is ready, SIGKILLs it, returns its acks. */
function runAndKill(dir: string, killAfterMs: number, childSeed: number): Promise<{ acked: number; lines: number }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ["--import", "tsx", child, dir, String(childSeed)], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let buf = "";
    let acked = 0;
    let lines = 0;
    let stderr = "";
    let timer: NodeJS.Timeout | undefined;
    p.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        lines++;
        if (line.startsWith("ready")) timer = setTimeout(() => p.kill("SIGKILL"), killAfterMs);
        else if (line.startsWith("ack ")) acked = Math.max(acked, Number(line.slice(4)));
      }
    });
    p.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
    p.on("error", reject);
    p.on("exit", (code, signal) => {
      clearTimeout(timer);
      if (signal !== "SIGKILL") reject(new Error(`child exited early (${code}): ${stderr}`));
      else resolve({ acked, lines });
    });
  });
}

it("kill -9 at random moments loses no acknowledged entry and leaves a log that opens", async () => {
  const startSeed = seed;
  const dir = path.join(root, "wal");
  let everAcked = 0;
  for (let round = 0; round < 6; round++) {
    const delay = 20 + rand(280);
    const { acked, lines } = await runAndKill(dir, delay, rand(1e9) + 1);
    everAcked = Math.max(everAcked, acked);
    const ctx = `seed=${startSeed} round=${round} delay=${delay}ms acked=${everAcked} lines=${lines}`;

    const markers = await Wal.snapshotMarkers(dir);
    const snap = markers[markers.length - 1];
    const r = await Wal.open(dir, { segmentBytes: 64 * 1024, ...(snap ? { fromSnapshot: snap } : {}) });
    const first = (snap?.index ?? 0) + 1;
    const last = r.entries.length ? r.entries[r.entries.length - 1]!.index : first - 1;
    assert.ok(last >= everAcked, `acknowledged ${everAcked} but the log ends at ${last} (${ctx})`);
    r.entries.forEach((e, i) => {
      assert.equal(e.index, first + i, `entries not contiguous at ${i} (${ctx})`);
      assert.deepEqual(e.data, payload(e.index, e.data.length), `entry ${e.index} damaged (${ctx})`);
    });
    assert.ok(r.hardState && r.hardState.commit <= last, ctx);
    await r.wal.close();
  }
  assert.ok(everAcked > 0, "the child acknowledged something");
});
