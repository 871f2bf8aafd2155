// Differential test: the same etcdctl sessions against real etcd (reference) and a candidate
// (a second etcd by default, kplane's store with KPLANE_DIFF_TARGET=kplane). See README.md.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { lineDiff } from "./linediff.js";
import { runPass, type StepOutcome } from "./run.js";
import { loadScenarios } from "./scenario.js";
import { candidateTarget, ETCD_BIN, ETCDCTL_BIN } from "./server.js";

const env = process.env;
const scenarios = loadScenarios(new URL("./scenarios", import.meta.url).pathname);
const only = env["KPLANE_DIFF_ONLY"] ? new RegExp(env["KPLANE_DIFF_ONLY"]) : null;
const slow = env["KPLANE_DIFF_SLOW"] === "1";
const jobs = Number(env["KPLANE_DIFF_JOBS"] ?? 6);
const dumpDir = env["KPLANE_DIFF_DUMP"] ?? null;
const candidate = candidateTarget();
const missing = [ETCD_BIN, ETCDCTL_BIN].filter((b) => !existsSync(b));
const workDir = mkdtempSync(join(tmpdir(), "kplane-etcdctl-diff-"));

after(() => {
  if (env["KPLANE_DIFF_KEEP"] !== "1") rmSync(workDir, { recursive: true, force: true });
});

function report(name: string, mismatches: StepOutcome[]): string {
  const parts = [`${mismatches.length} step(s) differ in ${name} (reference: etcd, candidate: ${candidate}):`];
  for (const m of mismatches.slice(0, 5)) {
    parts.push(`\n--- line ${m.line}: etcdctl ${m.command}`, lineDiff(m.ref, m.cand));
  }
  if (mismatches.length > 5) parts.push(`\n... and ${mismatches.length - 5} more`);
  return parts.join("\n");
}

function transcript(outcomes: StepOutcome[], side: "ref" | "cand"): string {
  return outcomes.map((o) => `### line ${o.line}: ${o.command}\n${o[side]}\n`).join("\n");
}

describe(`etcdctl differential (candidate: ${candidate})`, { concurrency: jobs }, () => {
  for (const sc of scenarios) {
    for (const format of sc.formats) {
      const name = `${sc.name} [${format}]`;
      const skip =
        missing.length > 0 ? `missing ${missing.join(", ")}` :
        only !== null && !only.test(sc.name) ? "not selected by KPLANE_DIFF_ONLY" :
        sc.slow && !slow ? "slow: set KPLANE_DIFF_SLOW=1" : false;
      it(`${name} (${sc.file}:${sc.line})`, { skip }, async () => {
        const { outcomes } = await runPass(sc, format, candidate, workDir);
        if (dumpDir !== null) {
          mkdirSync(dumpDir, { recursive: true });
          writeFileSync(join(dumpDir, `${sc.name}.${format}.ref.txt`), transcript(outcomes, "ref"));
          writeFileSync(join(dumpDir, `${sc.name}.${format}.cand.txt`), transcript(outcomes, "cand"));
        }
        const bad = outcomes.filter((o) => o.ref !== o.cand);
        if (bad.length > 0) throw new Error(report(name, bad));
      });
    }
  }
});
