// Parses kubectl scripts (see README.md for the grammar).

export type Step =
  | {
      kind: "run";
      line: number;
      /** The command as written, without the leading "$ " (for messages). */
      text: string;
      args: string[];
      /** Expect a non-zero exit ("! $ ..."). */
      fail: boolean;
      /** Run in the background ("... &"); its output is checked by the next "wait". */
      background: boolean;
      stdin: string | null;
      expected: string[];
      /** Line of the first expected line (for messages). */
      expectedLine: number;
    }
  | { kind: "wait"; line: number; fail: boolean; expected: string[]; expectedLine: number }
  | { kind: "sleep"; line: number; seconds: number }
  /** Selects the kubectl binary for the following steps: "dispatcher" or a minor such as "1.27". */
  | { kind: "use-kubectl"; line: number; version: string }
  | { kind: "env"; line: number; name: string; value: string };

export interface Script {
  name: string;
  steps: Step[];
  /** Files from "-- name --" sections, written to the script's work dir before it runs. */
  files: Map<string, string>;
}

/** Splits a command line into words: '...' literal, "..." with \" and \\ escapes, \x outside. */
export function splitWords(s: string): string[] {
  const words: string[] = [];
  let cur = "";
  let inWord = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === "'") {
      const end = s.indexOf("'", i + 1);
      if (end < 0) throw new Error(`unterminated ' in: ${s}`);
      cur += s.slice(i + 1, end);
      i = end;
      inWord = true;
    } else if (c === '"') {
      i++;
      for (; i < s.length && s[i] !== '"'; i++) {
        if (s[i] === "\\" && (s[i + 1] === '"' || s[i + 1] === "\\")) i++;
        cur += s[i];
      }
      if (i >= s.length) throw new Error(`unterminated " in: ${s}`);
      inWord = true;
    } else if (c === "\\" && i + 1 < s.length) {
      cur += s[++i];
      inWord = true;
    } else if (c === " " || c === "\t") {
      if (inWord) words.push(cur);
      cur = "";
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  return words;
}

const FILE_HEADER = /^-- (\S+) --$/;

export function parseScript(name: string, text: string): Script {
  const lines = text.replace(/\r\n/g, "\n").split("\n");
  const steps: Step[] = [];
  const files = new Map<string, string>();
  // The expected block being filled: lines after a command (or "wait") up to the next step.
  let block: string[] | null = null;
  let i = 0;
  const fail = (n: number, msg: string): never => {
    throw new Error(`${name}:${n}: ${msg}`);
  };
  const close = () => {
    if (block) while (block.length && block[block.length - 1]!.trim() === "") block.pop();
    block = null;
  };
  for (; i < lines.length; i++) {
    const raw = lines[i]!;
    const n = i + 1;
    if (FILE_HEADER.test(raw)) break;
    if (/^#( |$)/.test(raw) || raw === "#") continue; // comment
    const cmd = /^(! )?\$ (.*)$/.exec(raw);
    if (cmd) {
      close();
      let text = cmd[2]!.trimEnd();
      let stdin: string | null = null;
      const here = /\s<<(\w+)$/.exec(text);
      if (here) {
        text = text.slice(0, here.index).trimEnd();
        const body: string[] = [];
        for (i++; i < lines.length && lines[i] !== here[1]; i++) body.push(lines[i]!);
        if (i >= lines.length) fail(n, `heredoc not closed by ${here[1]}`);
        stdin = body.join("\n") + "\n";
      }
      const background = / &$/.test(text);
      if (background) text = text.slice(0, -2).trimEnd();
      const args = splitWords(text);
      if (args[0] !== "kubectl") fail(n, `only kubectl commands can run, not: ${text}`);
      const step: Step = { kind: "run", line: n, text, args: args.slice(1), fail: !!cmd[1], background, stdin, expected: [], expectedLine: i + 2 };
      if (background && step.fail) fail(n, "a background command cannot be negated; its exit is checked by wait");
      steps.push(step);
      block = step.expected;
      continue;
    }
    const wait = /^(! )?wait$/.exec(raw);
    if (wait) {
      close();
      const step: Step = { kind: "wait", line: n, fail: !!wait[1], expected: [], expectedLine: n + 1 };
      steps.push(step);
      block = step.expected;
      continue;
    }
    const sleep = /^sleep (\d+(?:\.\d+)?)$/.exec(raw);
    if (sleep) {
      close();
      steps.push({ kind: "sleep", line: n, seconds: Number(sleep[1]) });
      continue;
    }
    const env = /^env ([A-Z_][A-Z0-9_]*)=(.*)$/.exec(raw);
    if (env) {
      close();
      steps.push({ kind: "env", line: n, name: env[1]!, value: env[2]! });
      continue;
    }
    const use = /^use-kubectl (dispatcher|1\.\d+)$/.exec(raw);
    if (use) {
      close();
      steps.push({ kind: "use-kubectl", line: n, version: use[1]! });
      continue;
    }
    if (block) {
      block.push(raw);
      continue;
    }
    if (raw.trim() !== "") fail(n, `expected a command, "wait", "sleep N" or "use-kubectl V", got: ${raw}`);
  }
  close();
  // File sections: "-- name --" then its content up to the next header.
  let current: string | null = null;
  let body: string[] = [];
  const flush = () => {
    if (current !== null) {
      while (body.length && body[body.length - 1] === "") body.pop();
      files.set(current, body.join("\n") + "\n");
    }
  };
  for (; i < lines.length; i++) {
    const h = FILE_HEADER.exec(lines[i]!);
    if (h) {
      flush();
      current = h[1]!;
      if (files.has(current)) fail(i + 1, `file ${current} defined twice`);
      body = [];
    } else body.push(lines[i]!);
  }
  flush();
  return { name, steps, files };
}
