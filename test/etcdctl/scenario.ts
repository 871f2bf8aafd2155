// Parser for the scenario files in ./scenarios (format described in README.md).
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

export const ALL_FORMATS = ["simple", "json", "fields", "table", "protobuf"] as const;
export type Format = (typeof ALL_FORMATS)[number];

/** How one step's result is compared (set with a leading `[...]` on the step line). */
export interface CompareOptions {
  /** Skip comparing stderr (e.g. zap logs of `snapshot save`). */
  ignoreStderr: boolean;
  /** Skip comparing stdout. */
  ignoreStdout: boolean;
  /** Compare only the stdout/stderr lines matching this regex. */
  grep: RegExp | null;
  /** Report whether this file (after substitution) exists, as part of the result. */
  file: string | null;
  /** Kill the command after this many seconds (default 30). */
  timeoutSec: number;
  /** Do not add `-w <format>` for this step (the command has no output format). */
  noFormat: boolean;
}

export type Step =
  | { kind: "run"; line: number; args: string[]; stdin: string | null; opts: CompareOptions }
  | { kind: "sleep"; line: number; seconds: number }
  | { kind: "bg"; line: number; name: string; args: string[]; opts: CompareOptions }
  | { kind: "send"; line: number; name: string; text: string }
  | { kind: "wait"; line: number; name: string }
  | { kind: "stop"; line: number; name: string }
  | { kind: "close"; line: number; name: string };

export interface Scenario {
  name: string;
  file: string;
  line: number;
  formats: Format[];
  /** Extra server flags, given to both members (must be flags kplane accepts too). */
  flags: string[];
  /** Only run when KPLANE_DIFF_SLOW=1. */
  slow: boolean;
  steps: Step[];
}

export class ScenarioSyntaxError extends Error {}

const DEFAULT_FORMATS: Format[] = ["simple", "json"];

function defaultOptions(): CompareOptions {
  return { ignoreStderr: false, ignoreStdout: false, grep: null, file: null, timeoutSec: 30, noFormat: false };
}

/** Splits a line into words like a POSIX shell would for plain words and quotes. */
export function tokenize(text: string): string[] {
  const words: string[] = [];
  let cur = "";
  let inWord = false;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === " " || c === "\t") {
      if (inWord) words.push(cur);
      cur = "";
      inWord = false;
      i++;
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new ScenarioSyntaxError(`unterminated ' in: ${text}`);
      cur += text.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '"') {
      i++;
      for (;;) {
        if (i >= text.length) throw new ScenarioSyntaxError(`unterminated " in: ${text}`);
        const d = text[i]!;
        if (d === '"') break;
        if (d === "\\" && i + 1 < text.length) {
          const e = text[i + 1]!;
          cur += e === "n" ? "\n" : e === "t" ? "\t" : e;
          i += 2;
        } else {
          cur += d;
          i++;
        }
      }
      inWord = true;
      i++;
    } else if (c === "\\" && i + 1 < text.length) {
      cur += text[i + 1];
      inWord = true;
      i += 2;
    } else {
      cur += c;
      inWord = true;
      i++;
    }
  }
  if (inWord) words.push(cur);
  return words;
}

function parseOptions(text: string, where: string): { opts: CompareOptions; rest: string } {
  const opts = defaultOptions();
  if (!text.startsWith("[")) return { opts, rest: text };
  const end = text.indexOf("]");
  if (end < 0) throw new ScenarioSyntaxError(`${where}: unterminated [options]`);
  for (const word of tokenize(text.slice(1, end))) {
    const eq = word.indexOf("=");
    const key = eq < 0 ? word : word.slice(0, eq);
    const value = eq < 0 ? "" : word.slice(eq + 1);
    switch (key) {
      case "stderr":
      case "stdout":
        if (value !== "ignore") throw new ScenarioSyntaxError(`${where}: only ${key}=ignore is supported`);
        if (key === "stderr") opts.ignoreStderr = true;
        else opts.ignoreStdout = true;
        break;
      case "grep":
        opts.grep = new RegExp(value);
        break;
      case "file":
        opts.file = value;
        break;
      case "timeout":
        opts.timeoutSec = Number(value);
        if (!(opts.timeoutSec > 0)) throw new ScenarioSyntaxError(`${where}: bad timeout ${value}`);
        break;
      case "noformat":
        opts.noFormat = true;
        break;
      default:
        throw new ScenarioSyntaxError(`${where}: unknown option ${key}`);
    }
  }
  return { opts, rest: text.slice(end + 1).trim() };
}

export function parseScenarios(text: string, file: string): Scenario[] {
  const lines = text.split("\n");
  const out: Scenario[] = [];
  let cur: Scenario | null = null;
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const where = `${file}:${lineNo}`;
    const line = lines[i]!.trim();
    if (line === "" || line.startsWith("#")) continue;
    const [head = "", ...restWords] = line.split(/\s+/);
    const rest = line.slice(head.length).trim();
    if (head === "scenario") {
      if (!/^[a-z0-9][a-z0-9._-]*$/.test(rest)) throw new ScenarioSyntaxError(`${where}: bad scenario name "${rest}"`);
      cur = { name: rest, file, line: lineNo, formats: [...DEFAULT_FORMATS], flags: [], slow: false, steps: [] };
      out.push(cur);
      continue;
    }
    if (cur === null) throw new ScenarioSyntaxError(`${where}: step outside a scenario`);
    switch (head) {
      case "formats": {
        const fmts = restWords.filter((w) => w !== "");
        for (const f of fmts) {
          if (!(ALL_FORMATS as readonly string[]).includes(f)) throw new ScenarioSyntaxError(`${where}: unknown format ${f}`);
        }
        cur.formats = fmts as Format[];
        continue;
      }
      case "flags":
        cur.flags.push(...tokenize(rest));
        continue;
      case "slow":
        cur.slow = true;
        continue;
      case "sleep": {
        const seconds = Number(rest);
        if (!(seconds >= 0)) throw new ScenarioSyntaxError(`${where}: bad sleep ${rest}`);
        cur.steps.push({ kind: "sleep", line: lineNo, seconds });
        continue;
      }
      case "bg": {
        const name = restWords[0] ?? "";
        const { opts, rest: cmd } = parseOptions(rest.slice(name.length).trim(), where);
        cur.steps.push({ kind: "bg", line: lineNo, name, args: tokenize(cmd), opts });
        continue;
      }
      case "send": {
        const name = restWords[0] ?? "";
        cur.steps.push({ kind: "send", line: lineNo, name, text: rest.slice(name.length).trim() });
        continue;
      }
      case "wait":
      case "stop":
      case "close":
        cur.steps.push({ kind: head, line: lineNo, name: rest });
        continue;
    }
    // Anything else is an etcdctl invocation, optionally fed a heredoc on stdin.
    const { opts, rest: cmd } = parseOptions(line, where);
    let argText = cmd;
    let stdin: string | null = null;
    const heredoc = /\s<<([A-Za-z]+)$/.exec(cmd);
    if (heredoc) {
      argText = cmd.slice(0, heredoc.index);
      const body: string[] = [];
      for (i++; ; i++) {
        if (i >= lines.length) throw new ScenarioSyntaxError(`${where}: heredoc ${heredoc[1]} not terminated`);
        const l = lines[i]!.trim();
        if (l === heredoc[1]) break;
        const rep = /^@repeat (\d+): (.*)$/.exec(l);
        if (rep === null) body.push(l);
        else for (let n = 1; n <= Number(rep[1]); n++) body.push(rep[2]!.replaceAll("%n", String(n).padStart(3, "0")));
      }
      stdin = body.map((l) => l + "\n").join("");
      // etcdctl reads three sections (compares, success, failure), each ended by an empty line;
      // a missing one makes it fail with EOF, which is never what a scenario means to test.
      if (argText.trim().split(/\s+/)[0] === "txn" && body.filter((l) => l === "").length < 3) {
        throw new ScenarioSyntaxError(`${where}: txn input needs an empty line after each of its 3 sections`);
      }
    }
    cur.steps.push({ kind: "run", line: lineNo, args: tokenize(argText), stdin, opts });
  }
  for (const s of out) validate(s);
  return out;
}

function validate(s: Scenario): void {
  const where = `${s.file}:${s.line} (${s.name})`;
  if (s.steps.length === 0) throw new ScenarioSyntaxError(`${where}: no steps`);
  if (s.formats.length === 0) throw new ScenarioSyntaxError(`${where}: no formats`);
  const open = new Set<string>();
  for (const step of s.steps) {
    if (step.kind === "bg") {
      if (step.name === "" || open.has(step.name)) throw new ScenarioSyntaxError(`${where}: bad or reused bg name "${step.name}"`);
      open.add(step.name);
    } else if (step.kind === "send" || step.kind === "wait" || step.kind === "stop" || step.kind === "close") {
      if (!open.has(step.name)) throw new ScenarioSyntaxError(`${where}: ${step.kind} of unknown bg "${step.name}"`);
      if (step.kind === "stop" || step.kind === "close") open.delete(step.name);
    }
  }
  if (open.size > 0) throw new ScenarioSyntaxError(`${where}: bg ${[...open].join(", ")} never stopped`);
}

export function loadScenarios(dir: string): Scenario[] {
  const all: Scenario[] = [];
  const seen = new Map<string, string>();
  for (const f of readdirSync(dir).filter((n) => n.endsWith(".txt")).sort()) {
    for (const s of parseScenarios(readFileSync(join(dir, f), "utf8"), f)) {
      const prev = seen.get(s.name);
      if (prev !== undefined) throw new ScenarioSyntaxError(`scenario ${s.name} defined in ${prev} and ${f}`);
      seen.set(s.name, f);
      all.push(s);
    }
  }
  return all;
}
