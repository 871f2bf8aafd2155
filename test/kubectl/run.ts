// Runs parsed scripts against a kplane server and reports every failed assertion.
import assert from "node:assert/strict";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { KUBECTL, kubectlOfMinor, startKplane, startKubectl, type KplaneServer, type KubectlProcess, type KubectlRun, type StartOptions } from "./harness.js";
import { compactDiff, matchLines } from "./match.js";
import { parseScript, type Script } from "./script.js";

export const SCRIPTS_DIR = fileURLToPath(new URL("./scripts/", import.meta.url));

export interface Failure {
  line: number;
  command: string;
  message: string;
}

export interface ScriptResult {
  name: string;
  assertions: number;
  failures: Failure[];
  /** Every step's command and actual output, for KPLANE_KUBECTL_DUMP. */
  transcript: string[];
}

/** How long a background command gets to print its first output before the script goes on. */
const BACKGROUND_SETTLE_MS = 1500;

function substitute(s: string, vars: Record<string, string>): string {
  return s.replace(/\$\{(\w+)\}/g, (m, k: string) => vars[k] ?? m);
}

function describeExit(r: KubectlRun): string {
  return r.timedOut ? "timed out" : `exit ${r.code}`;
}

export async function runScript(server: KplaneServer, script: Script): Promise<ScriptResult> {
  const work = join(server.dir, "work", script.name.replace(/\.txt$/, ""));
  mkdirSync(work, { recursive: true });
  const vars: Record<string, string> = { SERVER: server.url, PORT: String(server.port), WORK: work };
  for (const [name, body] of script.files) {
    const p = join(work, name);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, substitute(body, vars));
  }
  const result: ScriptResult = { name: script.name, assertions: 0, failures: [], transcript: [] };
  let bin = KUBECTL;
  let bg: { proc: KubectlProcess; text: string; line: number } | null = null;

  const check = (line: number, command: string, run: KubectlRun, wantFail: boolean, expected: string[]) => {
    result.assertions++;
    result.transcript.push(`${wantFail ? "! " : ""}$ ${command}    # line ${line}, ${describeExit(run)}`, run.output.trimEnd(), "");
    const problems: string[] = [];
    const exitOk = !run.timedOut && (wantFail ? run.code !== 0 : run.code === 0);
    if (!exitOk) problems.push(`exit: expected ${wantFail ? "non-zero" : "0"}, got ${describeExit(run)}`);
    const m = matchLines(expected.map((l) => substitute(l, vars)), run.output);
    if (!m.ok) problems.push("output (- expected, + actual):", ...compactDiff(m.diff).map((l) => "    " + l));
    if (problems.length) result.failures.push({ line, command, message: problems.join("\n") });
  };

  /** Variables `env NAME=VALUE` steps set for the script's later kubectl runs. */
  const env: Record<string, string> = {};
  for (const step of script.steps) {
    switch (step.kind) {
      case "env":
        env[step.name] = substitute(step.value, vars);
        break;
      case "use-kubectl":
        bin = step.version === "dispatcher" ? KUBECTL : kubectlOfMinor(step.version);
        break;
      case "sleep":
        await new Promise((r) => setTimeout(r, step.seconds * 1000));
        break;
      case "run": {
        const args = step.args.map((a) => substitute(a, vars));
        const stdin = step.stdin === null ? undefined : substitute(step.stdin, vars);
        if (step.background) {
          if (bg) throw new Error(`${script.name}:${step.line}: a background command is already running (line ${bg.line})`);
          const proc = startKubectl(server, args, { cwd: work, ...(stdin !== undefined ? { stdin } : {}), bin, env, timeoutMs: 60_000 });
          // Let it list (and print) before the script changes anything it watches.
          const until = Date.now() + BACKGROUND_SETTLE_MS;
          while (proc.outputSoFar() === "" && Date.now() < until && proc.proc.exitCode === null) await new Promise((r) => setTimeout(r, 25));
          bg = { proc, text: step.text, line: step.line };
          break;
        }
        const run = await startKubectl(server, args, { cwd: work, ...(stdin !== undefined ? { stdin } : {}), bin, env }).done;
        check(step.line, step.text, run, step.fail, step.expected);
        break;
      }
      case "wait": {
        if (!bg) throw new Error(`${script.name}:${step.line}: wait without a background command`);
        const run = await bg.proc.done;
        check(step.line, `${bg.text} &  (waited at line ${step.line})`, run, step.fail, step.expected);
        bg = null;
        break;
      }
    }
  }
  if (bg) {
    bg.proc.proc.kill("SIGKILL");
    await bg.proc.done;
    throw new Error(`${script.name}:${bg.line}: background command never waited for`);
  }
  return result;
}

export function formatFailures(r: ScriptResult, limit = 60): string {
  const shown = r.failures.slice(0, limit).map((f) => `${r.name}:${f.line}: $ ${f.command}\n${f.message}`);
  if (r.failures.length > limit) shown.push(`... and ${r.failures.length - limit} more failures`);
  return `${r.failures.length} of ${r.assertions} assertions failed in ${r.name}\n\n${shown.join("\n\n")}`;
}

/** Script files whose names start with one of `prefixes` (e.g. "get-"), filtered by KPLANE_KUBECTL_ONLY. */
export function scriptFiles(prefixes: readonly string[]): string[] {
  const only = process.env["KPLANE_KUBECTL_ONLY"];
  const re = only ? new RegExp(only) : null;
  return readdirSync(SCRIPTS_DIR)
    .filter((f) => prefixes.some((p) => f.startsWith(p)) && f.endsWith(".txt"))
    .filter((f) => !re || re.test(f))
    .sort();
}

/**
 * One node:test suite: one kplane server shared by the scripts `<prefix>*.txt`, run one after
 * another (each script uses its own namespaces). Each script is one test; a failing one lists
 * every assertion that failed.
 */
export function scriptSuite(prefixes: string | readonly string[], opts: StartOptions = {}): void {
  const list = typeof prefixes === "string" ? [prefixes] : prefixes;
  const files = scriptFiles(list);
  describe(`kubectl scripts ${list.map((p) => p + "*").join(" ")}`, () => {
    let server: KplaneServer | null = null;
    let startError: unknown = null;
    before(async () => {
      try {
        server = await startKplane(opts);
      } catch (e) {
        startError = e;
      }
    });
    after(async () => {
      await server?.stop();
    });
    for (const file of files) {
      // A script whose first lines say `# known-gap: <why>` documents real kube's output that
      // kplane does not produce yet: it runs and reports as a TODO, never as a pass.
      const gap = /^# known-gap: (.+)$/m.exec(readFileSync(join(SCRIPTS_DIR, file), "utf8").split("\n").slice(0, 5).join("\n"))?.[1];
      test(file, gap ? { todo: gap } : {}, async (t) => {
        if (!server) throw startError instanceof Error ? startError : new Error(String(startError));
        const script = parseScript(file, readFileSync(join(SCRIPTS_DIR, file), "utf8"));
        const r = await runScript(server, script);
        const dump = process.env["KPLANE_KUBECTL_DUMP"];
        if (dump) {
          mkdirSync(dump, { recursive: true });
          writeFileSync(join(dump, file), r.transcript.join("\n") + "\n");
        }
        t.diagnostic(`${r.assertions} assertions, ${r.assertions - r.failures.length} passed, ${r.failures.length} failed`);
        if (r.failures.length) assert.fail(formatFailures(r) + `\n\nkplane log tail:\n${server.logTail(15)}`);
      });
    }
  });
}
