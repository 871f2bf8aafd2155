// Runs one scenario, in one output format, against a fresh reference/candidate pair and returns
// the normalized result of every step on both sides.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { normalize, reconcileRemainingTtl, type SideContext } from "./normalize.js";
import type { CompareOptions, Format, Scenario, Step } from "./scenario.js";
import { ETCDCTL_BIN, etcdctlEnv, etcdctlOnce, startMember, type Member, type Target } from "./server.js";

/** How long a background command must stay silent before `wait`/`stop` consider it done. */
const QUIET_MS = Number(process.env["KPLANE_DIFF_QUIET_MS"] ?? 400);

export interface StepOutcome {
  line: number;
  /** The step as written, e.g. "get foo --prefix" or "stop W (watch --rev 2 foo)". */
  command: string;
  ref: string;
  cand: string;
}

interface RawResult {
  exit: string;
  stdout: Buffer;
  stderr: Buffer;
  extra: string[];
}

interface BgProc {
  proc: ChildProcess;
  args: string[];
  opts: CompareOptions;
  stdout: Buffer[];
  stderr: Buffer[];
  lastActivity: number;
  exit: string | null;
  exited: Promise<void>;
}

class Side {
  readonly ctx: SideContext;
  readonly bg = new Map<string, BgProc>();
  constructor(readonly member: Member) {
    this.ctx = {
      clientAddr: member.clientAddr,
      peerAddr: member.peerAddr,
      clusterId: member.clusterId,
      memberId: member.memberId,
      leases: [],
      tmpDir: member.tmpDir,
    };
  }

  /** Replaces $L<n> (lease n, hex), {tmp} and {c*N} (N copies of c) in an argument or stdin. */
  expand(arg: string): string {
    return arg
      .replace(/\$L(\d+)/g, (m, n: string) => {
        const id = this.ctx.leases[Number(n) - 1];
        return id === undefined ? m : id.toString(16);
      })
      .replace(/\{tmp\}/g, this.ctx.tmpDir)
      .replace(/\{(.)\*(\d+)\}/g, (_m, c: string, n: string) => c.repeat(Number(n)));
  }

  argv(args: string[], format: Format, opts: CompareOptions): string[] {
    return [`--endpoints=${this.member.clientAddr}`, ...(opts.noFormat ? [] : ["-w", format]), ...args.map((a) => this.expand(a))];
  }

  spawn(args: string[], format: Format, opts: CompareOptions): ChildProcess {
    return spawn(ETCDCTL_BIN, this.argv(args, format, opts), { env: etcdctlEnv, stdio: ["pipe", "pipe", "pipe"] });
  }

  async run(args: string[], stdin: string | null, format: Format, opts: CompareOptions): Promise<RawResult> {
    const p = this.spawn(args, format, opts);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    p.stdout!.on("data", (d: Buffer) => out.push(d));
    p.stderr!.on("data", (d: Buffer) => err.push(d));
    p.stdin!.on("error", () => {}); // the command may exit before reading its input
    p.stdin!.end(stdin === null ? "" : this.expand(stdin));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      p.kill("SIGKILL");
    }, opts.timeoutSec * 1000);
    const exit = await new Promise<string>((resolve) =>
      p.on("close", (code, signal) => resolve(signal !== null ? `signal ${signal}` : String(code))),
    );
    clearTimeout(timer);
    const res: RawResult = { exit: timedOut ? `timed out after ${opts.timeoutSec} s` : exit, stdout: Buffer.concat(out), stderr: Buffer.concat(err), extra: [] };
    if (args[0] === "lease" && args[1] === "grant") await this.captureLease(res.stdout, effectiveFormat(args, format));
    this.checkFile(res, opts);
    return res;
  }

  checkFile(res: RawResult, opts: CompareOptions): void {
    if (opts.file === null) return;
    const path = this.expand(opts.file);
    const ok = existsSync(path) && statSync(path).size > 0;
    res.extra.push(`file ${opts.file}: ${ok ? "exists, not empty" : "missing or empty"}`);
  }

  /** Remembers the id of a lease just granted, so that it can be used ($L1) and normalized. */
  async captureLease(stdout: Buffer, format: Format): Promise<void> {
    const text = stdout.toString("latin1");
    let id: bigint | null = null;
    let m: RegExpExecArray | null;
    if (format === "simple" && (m = /^lease ([0-9a-f]+) granted/m.exec(text))) id = BigInt("0x" + m[1]);
    else if (format === "json" && (m = /"ID":(\d+)/.exec(text))) id = BigInt(m[1]!);
    else if (format === "fields" && (m = /^"ID" : (\d+)$/m.exec(text))) id = BigInt(m[1]!);
    if (id === null) {
      // `-w table` and `-w protobuf` do not show the id: take the listed lease we do not know yet.
      const r = await etcdctlOnce([`--endpoints=${this.member.clientAddr}`, "-w", "json", "lease", "list"], 10_000);
      const ids = [...r.stdout.matchAll(/"id":(\d+)/g)].map((x) => BigInt(x[1]!));
      id = ids.find((x) => !this.ctx.leases.includes(x)) ?? null;
    }
    if (id !== null) this.ctx.leases.push(id);
  }

  startBg(name: string, args: string[], format: Format, opts: CompareOptions): void {
    const proc = this.spawn(args, format, opts);
    const bg: BgProc = { proc, args, opts, stdout: [], stderr: [], lastActivity: Date.now(), exit: null, exited: Promise.resolve() };
    proc.stdin!.on("error", () => {});
    proc.stdout!.on("data", (d: Buffer) => {
      bg.stdout.push(d);
      bg.lastActivity = Date.now();
    });
    proc.stderr!.on("data", (d: Buffer) => {
      bg.stderr.push(d);
      bg.lastActivity = Date.now();
    });
    bg.exited = new Promise((resolve) =>
      proc.on("close", (code, signal) => {
        bg.exit = signal !== null ? `signal ${signal}` : String(code);
        resolve();
      }),
    );
    this.bg.set(name, bg);
  }

  /** Waits until the command has printed something and then stayed quiet, or has exited. */
  async settle(name: string, needOutput: boolean, since: number): Promise<void> {
    const bg = this.bg.get(name)!;
    const deadline = Date.now() + 10_000;
    while (bg.exit === null && Date.now() < deadline) {
      const quietFor = Date.now() - Math.max(bg.lastActivity, since);
      const hasOutput = bg.stdout.length + bg.stderr.length > 0;
      if (quietFor >= QUIET_MS && (hasOutput || !needOutput)) return;
      await Promise.race([bg.exited, sleep(50)]);
    }
  }

  async finishBg(name: string, how: "stop" | "close", since: number): Promise<RawResult> {
    const bg = this.bg.get(name)!;
    if (how === "stop") {
      await this.settle(name, false, since);
      if (bg.exit === null) bg.proc.kill("SIGTERM");
    } else {
      bg.proc.stdin!.end();
    }
    const timer = setTimeout(() => bg.proc.kill("SIGKILL"), 10_000);
    await bg.exited;
    clearTimeout(timer);
    this.bg.delete(name);
    const res: RawResult = { exit: bg.exit ?? "?", stdout: Buffer.concat(bg.stdout), stderr: Buffer.concat(bg.stderr), extra: [] };
    this.checkFile(res, bg.opts);
    return res;
  }

  render(res: RawResult, args: string[], format: Format, opts: CompareOptions): string {
    const fmt = effectiveFormat(args, format);
    const expanded = args.map((a) => this.expand(a));
    const norm = (stream: "stdout" | "stderr", data: Buffer) => {
      let text = normalize({ args: expanded, format: fmt, stream, data }, this.ctx);
      if (opts.grep !== null) {
        const re = opts.grep;
        text = text.split("\n").flatMap((l) => re.exec(l)?.[0] ?? []).join("\n");
      }
      return text;
    };
    const parts = [`exit: ${res.exit}`];
    if (!opts.ignoreStdout) parts.push("stdout:", indent(norm("stdout", res.stdout)));
    if (!opts.ignoreStderr) parts.push("stderr:", indent(norm("stderr", res.stderr)));
    parts.push(...res.extra);
    return parts.join("\n");
  }

  async shutdown(): Promise<void> {
    for (const bg of this.bg.values()) bg.proc.kill("SIGKILL");
    await Promise.all([...this.bg.values()].map((b) => b.exited));
    await this.member.stop();
  }
}

function indent(text: string): string {
  if (text === "") return "  (empty)";
  const body = text.endsWith("\n") ? text.slice(0, -1) : text + "\n  (no newline at end)";
  return body
    .split("\n")
    .map((l) => "  " + l)
    .join("\n");
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The format etcdctl will really use: the last -w/--write-out wins over the runner's. */
export function effectiveFormat(args: string[], format: Format): Format {
  let f: string = format;
  args.forEach((a, i) => {
    if ((a === "-w" || a === "--write-out") && i + 1 < args.length) f = args[i + 1]!;
    const m = /^(?:-w=?|--write-out=)(.+)$/.exec(a);
    if (m) f = m[1]!;
  });
  return (["simple", "json", "fields", "table", "protobuf"] as string[]).includes(f) ? (f as Format) : format;
}

function describeStep(step: Step, bgArgs: Map<string, string[]>): string {
  switch (step.kind) {
    case "run":
      return step.args.map(quote).join(" ") + (step.stdin !== null ? " <<stdin" : "");
    case "bg":
      return `bg ${step.name}: ${step.args.map(quote).join(" ")}`;
    case "stop":
    case "close":
    case "wait":
      return `${step.kind} ${step.name} (${(bgArgs.get(step.name) ?? []).map(quote).join(" ")})`;
    case "send":
      return `send ${step.name} ${step.text}`;
    case "sleep":
      return `sleep ${step.seconds}`;
  }
}

function quote(a: string): string {
  if (a.length > 60) a = `${a.slice(0, 20)}...(${a.length} chars)`;
  return /^[A-Za-z0-9_./:=,$@{}*+-]+$/.test(a) ? a : JSON.stringify(a);
}

export interface PassResult {
  outcomes: StepOutcome[];
}

/** Runs `scenario` in `format` on a fresh reference (etcd) and candidate pair. */
export async function runPass(scenario: Scenario, format: Format, candidate: Target, workDir: string): Promise<PassResult> {
  const base = join(workDir, `${scenario.name}.${format}`);
  mkdirSync(base, { recursive: true });
  try {
    const members = await Promise.allSettled([
      startMember("etcd", join(base, "ref"), scenario.flags),
      startMember(candidate, join(base, "cand"), scenario.flags),
    ]);
    const started = members.flatMap((m) => (m.status === "fulfilled" ? [m.value] : []));
    if (started.length < 2) {
      await Promise.all(started.map((m) => m.stop()));
      const why = members.flatMap((m, i) => (m.status === "rejected" ? [`${i === 0 ? "reference" : "candidate"}: ${String(m.reason)}`] : []));
      throw new Error(`could not start the servers:\n${why.join("\n")}`);
    }
    const sides = [new Side(started[0]!), new Side(started[1]!)] as const;
    try {
      return { outcomes: await runSteps(scenario, format, sides) };
    } finally {
      await Promise.all(sides.map((s) => s.shutdown()));
    }
  } finally {
    // etcd preallocates 64 MB of WAL per member: 300+ passes would fill a disk.
    if (process.env["KPLANE_DIFF_KEEP"] !== "1") rmSync(base, { recursive: true, force: true });
  }
}

async function runSteps(scenario: Scenario, format: Format, sides: readonly [Side, Side]): Promise<StepOutcome[]> {
  const outcomes: StepOutcome[] = [];
  const bgArgs = new Map<string, string[]>();
  const both = <T>(f: (s: Side) => Promise<T>) => Promise.all([f(sides[0]), f(sides[1])]);
  for (const step of scenario.steps) {
    const record = (results: [RawResult, RawResult], args: string[], opts: CompareOptions) => {
      const ref = sides[0].render(results[0], args, format, opts);
      const cand = sides[1].render(results[1], args, format, opts);
      outcomes.push({ line: step.line, command: describeStep(step, bgArgs), ref, cand: reconcileRemainingTtl(args, ref, cand) });
    };
    switch (step.kind) {
      case "run":
        record(await both((s) => s.run(step.args, step.stdin, format, step.opts)), step.args, step.opts);
        break;
      case "sleep":
        await sleep(step.seconds * 1000);
        break;
      case "bg":
        bgArgs.set(step.name, step.args);
        for (const s of sides) s.startBg(step.name, step.args, format, step.opts);
        break;
      case "send":
        for (const s of sides) s.bg.get(step.name)!.proc.stdin!.write(s.expand(step.text) + "\n");
        break;
      case "wait": {
        const since = Date.now();
        await both((s) => s.settle(step.name, true, since));
        break;
      }
      case "stop":
      case "close": {
        const since = Date.now();
        const bg = sides[0].bg.get(step.name)!;
        record(await both((s) => s.finishBg(step.name, step.kind, since)), bg.args, bg.opts);
        break;
      }
    }
  }
  return outcomes;
}
