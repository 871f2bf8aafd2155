import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { after, before, test } from "node:test";
import { startKplane, type Kplane } from "./kplane.js";

/**
 * Debian's python3-kubernetes against `kplane up`: python_smoke.py runs the checks and reports
 * one JSON line each; every check becomes a subtest here. A missing library is a failure, not a
 * skip (the issue requires this client).
 */

// Debian's package installs for Debian's interpreter; a `python3` earlier on PATH (pyenv, venv)
// does not see it. KPLANE_PYTHON overrides.
const PYTHON = process.env["KPLANE_PYTHON"] ?? (existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3");
const SCRIPT = fileURLToPath(new URL("./python_smoke.py", import.meta.url));

let kplane: Kplane;
before(async () => {
  kplane = await startKplane();
});
after(async () => {
  await kplane?.stop();
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], timeoutMs: number): Promise<Run> {
  return new Promise((resolve) => {
    // Asynchronous: kplane answers from this same event loop's child, but the script must not
    // block the test runner's timers either.
    const p = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1" } });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    p.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const t = setTimeout(() => p.kill("SIGKILL"), timeoutMs);
    p.on("error", (e) => {
      clearTimeout(t);
      resolve({ code: null, stdout, stderr: stderr + String(e) });
    });
    p.on("close", (code) => {
      clearTimeout(t);
      resolve({ code, stdout, stderr });
    });
  });
}

test("python3-kubernetes is installed for " + PYTHON, async () => {
  const r = await run(PYTHON, ["-c", "import kubernetes; print(kubernetes.__version__)"], 10_000);
  assert.equal(r.code, 0, `cannot import kubernetes with ${PYTHON} (apt-get install python3-kubernetes):\n${r.stderr}`);
});

test("python3-kubernetes against kplane", async (t) => {
  const r = await run(PYTHON, [SCRIPT, kplane.kubeconfig, "py-smoke"], 25_000);
  const lines = r.stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l) as { plan?: string[]; check?: string; ok?: boolean; error?: string; trace?: string });
  const plan = lines.find((l) => l.plan)?.plan;
  assert.ok(plan, `python_smoke.py printed no plan (exit ${r.code}):\n${r.stderr}`);
  const results = new Map(lines.filter((l) => l.check).map((l) => [l.check!, l]));
  for (const name of plan) {
    await t.test(name, () => {
      const res = results.get(name);
      assert.ok(res, `no result (exit ${r.code}):\n${r.stderr}\nkplane:\n${kplane.logTail(10)}`);
      assert.ok(res.ok, `${res.error}\n${res.trace ?? ""}`);
    });
  }
  assert.equal(r.code, 0, r.stderr);
});
