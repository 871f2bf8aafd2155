// Matching kubectl output against expected lines with placeholders (see README.md).

/** Placeholders for what legitimately varies from run to run. Everything else is literal. */
export const PLACEHOLDERS: Record<string, string> = {
  // kube's short durations (apimachinery's HumanDuration): 0s, 45s, 2m3s, 10m, 3h5m, 2d ...
  age: "\\d+[smhdy](?:\\d+[smhd])?",
  // RFC 3339 (metav1.Time), with microseconds for MicroTime
  ts: "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(?:\\.\\d+)?Z",
  // describe's time format (RFC 1123 with a numeric zone)
  date: "[A-Z][a-z]{2}, \\d\\d [A-Z][a-z]{2} \\d{4} \\d\\d:\\d\\d:\\d\\d [+-]\\d{4}",
  uid: "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
  rv: "\\d+",
  int: "\\d+",
  ip: "\\d{1,3}(?:\\.\\d{1,3}){3}",
  port: "\\d+",
  // the 5 random characters kube appends to generated names (generateName, kube-api-access-)
  suffix: "[a-z0-9]{5}",
  any: ".*",
};

const PLACEHOLDER = new RegExp(`<(${Object.keys(PLACEHOLDERS).join("|")})>`, "g");

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

export type LinePattern = { kind: "wildcard" } | { kind: "line"; re: RegExp; source: string };

/**
 * One expected line as a pattern:
 * - `...` alone matches any number of lines (zero included);
 * - `~ REGEX` matches a line the regex matches entirely;
 * - anything else is literal except placeholders; after the line's indentation, a run of two or
 *   more spaces matches any run of two or more (kubectl aligns columns with tabwriter, so widths
 *   move with the values placeholders stand for). Trailing spaces are ignored on both sides.
 */
export function compileLine(line: string): LinePattern {
  const t = line.trimEnd();
  if (t === "...") return { kind: "wildcard" };
  if (t.startsWith("~ ")) return { kind: "line", re: new RegExp(`^(?:${t.slice(2)})$`), source: t };
  const indent = /^ */.exec(t)![0];
  let re = "^" + indent;
  const body = t.slice(indent.length);
  // Split the body into literal text and placeholders; literal text gets the spacing rule.
  const lit = (s: string) => escape(s).replace(/ {2,}/g, " {2,}");
  let m: RegExpExecArray | null;
  PLACEHOLDER.lastIndex = 0;
  let pos = 0;
  while ((m = PLACEHOLDER.exec(body))) {
    re += lit(body.slice(pos, m.index)) + `(?:${PLACEHOLDERS[m[1]!]})`;
    pos = m.index + m[0].length;
  }
  re += lit(body.slice(pos)) + "$";
  return { kind: "line", re: new RegExp(re), source: t };
}

export interface MatchResult {
  ok: boolean;
  /** A unified-style diff: "  " matched, "- " expected only, "+ " actual only. */
  diff: string[];
}

/** Splits output into lines, dropping trailing blank lines and trailing spaces. */
export function outputLines(output: string): string[] {
  const lines = output.replace(/\r\n/g, "\n").split("\n").map((l) => l.trimEnd());
  while (lines.length && lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/**
 * Aligns expected patterns with actual lines by minimum edit cost (an unmatched line costs 1,
 * a wildcard absorbs lines for free). The output matches when the cost is 0.
 */
export function matchLines(expected: string[], actualOutput: string): MatchResult {
  const pats = expected.map(compileLine);
  const act = outputLines(actualOutput);
  const n = pats.length;
  const m = act.length;
  const test = (i: number, j: number) => {
    const p = pats[i]!;
    return p.kind === "line" && p.re.test(act[j]!);
  };
  // cost[i][j]: cheapest alignment of pats[i..] with act[j..]
  const W = m + 1;
  const cost = new Int32Array((n + 1) * W);
  for (let j = m; j >= 0; j--) cost[n * W + j] = m - j;
  for (let i = n - 1; i >= 0; i--) {
    const wild = pats[i]!.kind === "wildcard";
    for (let j = m; j >= 0; j--) {
      let best = cost[(i + 1) * W + j]! + (wild ? 0 : 1);
      if (j < m) {
        best = Math.min(best, cost[i * W + j + 1]! + (wild ? 0 : 1));
        if (!wild && test(i, j)) best = Math.min(best, cost[(i + 1) * W + j + 1]!);
      }
      cost[i * W + j] = best;
    }
  }
  const ok = cost[0] === 0;
  const diff: string[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    const here = cost[i * W + j]!;
    const p = pats[i];
    if (i < n && p!.kind === "wildcard") {
      if (j < m && cost[i * W + j + 1] === here) {
        diff.push(`  ${act[j]}`);
        j++;
      } else i++;
      continue;
    }
    if (i < n && j < m && test(i, j) && cost[(i + 1) * W + j + 1] === here) {
      diff.push(`  ${act[j]}`);
      i++;
      j++;
    } else if (i < n && cost[(i + 1) * W + j]! + 1 === here) {
      diff.push(`- ${p!.kind === "line" ? p!.source : "..."}`);
      i++;
    } else {
      diff.push(`+ ${act[j]}`);
      j++;
    }
  }
  return { ok, diff };
}

/** The diff with unchanged runs longer than 2*context lines elided. */
export function compactDiff(diff: string[], context = 3): string[] {
  const changed = diff.map((l) => !l.startsWith("  "));
  const keep = diff.map((_, k) => {
    for (let d = -context; d <= context; d++) if (changed[k + d]) return true;
    return false;
  });
  const out: string[] = [];
  let skipped = 0;
  diff.forEach((l, k) => {
    if (keep[k]) {
      if (skipped) out.push(`  ... (${skipped} matching lines)`);
      skipped = 0;
      out.push(l);
    } else skipped++;
  });
  if (skipped) out.push(`  ... (${skipped} matching lines)`);
  return out;
}
