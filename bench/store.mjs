#!/usr/bin/env node
// npm run bench:store — the same workloads against real etcd and kplane's store, in one run,
// with the ratio. The load generator is ../shared/tools/etcd-bench (a lean HTTP/2 client, so the
// client is not the bottleneck); it is copied to bench/.etcd-bench and installed there once.
//
//   node bench/store.mjs [--reps 3] [--duration 5] [--cases put-c1,put-c256] [--no-etcd] [--no-mem] [--tag -watch] [--node-args "--max-semi-space-size=4"]
//
// Writes bench/results/store-<date>.md (and the raw JSON of both suites beside it).
import { execFileSync, spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { cliArgs } from "./args.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const toolSrc = join(root, "..", "shared", "tools", "etcd-bench");
const tool = join(root, "bench", ".etcd-bench");
const { args, opt } = cliArgs(import.meta.url);
const reps = opt("reps", "3");
const duration = opt("duration", "5");
const cases = opt("cases", "");
const withEtcd = !args.includes("--no-etcd");
const withMem = !args.includes("--no-mem");
const tag = opt("tag", "");
// --node-args "...": extra node flags for kplane's store (e.g. "--max-semi-space-size=4"), for experiments.
const nodeArgs = (opt("node-args", "") || "").split(" ").filter(Boolean);

if (!existsSync(join(tool, "node_modules"))) {
  rmSync(tool, { recursive: true, force: true });
  cpSync(toolSrc, tool, { recursive: true, filter: (p) => !p.includes("/results/") });
  execFileSync("npm", ["ci", "--no-audit", "--no-fund", "--silent"], { cwd: tool, stdio: "inherit" });
}
execFileSync(process.execPath, [join(root, "scripts", "build.mjs")], { stdio: "inherit" });

const run = (cmd, argv, opts = {}) => execFileSync(cmd, argv, { cwd: tool, stdio: ["ignore", "pipe", "inherit"], encoding: "utf8", ...opts });

/** Starts kplane's store on a fresh data dir; returns its endpoint, pid and a stop function. */
async function startKplane(port) {
  const dir = mkdtempSync(join(tmpdir(), "kplane-bench-"));
  const url = `http://127.0.0.1:${port}`;
  const p = spawn(process.execPath, [...nodeArgs, join(root, "bin", "kplane.mjs"), "store", "--name", "bench", "--data-dir", dir,
    "--listen-client-urls", url, "--advertise-client-urls", url, "--quota-backend-bytes", String(8 * 1024 ** 3)],
  { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  p.stderr.on("data", (d) => (log += d));
  for (let i = 0; i < 200; i++) {
    try {
      const r = await fetch(`${url}/health`);
      if (r.ok) break;
    } catch {}
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    endpoint: `127.0.0.1:${port}`,
    pid: p.pid,
    async stop() {
      p.kill("SIGTERM");
      await new Promise((r) => p.once("exit", r));
      rmSync(dir, { recursive: true, force: true });
    },
    log: () => log,
  };
}

const stamp = new Date().toISOString().slice(0, 10);
const outDir = join(root, "bench", "results");
mkdirSync(outDir, { recursive: true });
const suiteArgs = (label) => ["--reps", reps, "--duration", duration, "--label", label, ...(cases ? ["--cases", cases] : [])];

const results = [];
if (withEtcd) {
  run("./run.sh", ["--etcd", "single", ...suiteArgs("etcd")], { stdio: "inherit" });
  results.push(join(tool, "results", "etcd-single.json"));
}
{
  const k = await startKplane(23795);
  try {
    run("./run.sh", ["--endpoints", k.endpoint, "--server-pids", String(k.pid), "--preset", "single", ...suiteArgs("kplane")], { stdio: "inherit" });
  } finally {
    await k.stop();
  }
  results.push(join(tool, "results", "kplane-single.json"));
}
let report = `# bench:store ${stamp} (reps ${reps} × ${duration}s)\n\n`;
// compare.mjs wants two suites; with --no-etcd the kplane suite's own table stands alone.
report += results.length > 1 ? run("node", ["compare.mjs", ...results]) : readFileSync(results[0].replace(/\.json$/, ".md"), "utf8");

if (withMem) {
  report += "\n## 100,000 keys × 1 KiB: RSS, db size, snapshot save\n\n";
  if (withEtcd) report += "### etcd\n```\n" + run("./memtest.sh", ["--etcd", "--label", "etcd-mem"]) + "```\n";
  const k = await startKplane(23796);
  try {
    report += "### kplane\n```\n" + run("./memtest.sh", ["--endpoints", k.endpoint, "--server-pids", String(k.pid), "--label", "kplane-mem"]) + "```\n";
  } finally {
    await k.stop();
  }
}
for (const f of results) cpSync(f, join(outDir, `store-${stamp}${tag}-${f.split("/").pop()}`));
writeFileSync(join(outDir, `store-${stamp}${tag}.md`), report);
process.stdout.write("\n" + report);
