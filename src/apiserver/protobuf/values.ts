/**
 * The JSON forms of apimachinery's value types, as their Go MarshalJSON/UnmarshalJSON write and
 * read them: metav1.Time (RFC 3339, seconds), metav1.MicroTime (six fraction digits),
 * metav1.Duration (Go's time.Duration text) and resource.Quantity's syntax check.
 */

import { ProtobufError } from "./wire.js";

/** The Unix seconds of Go's zero time.Time (0001-01-01T00:00:00Z), which Time encodes as null. */
export const ZERO_TIME_SECONDS = -62135596800;

/** Formatted seconds; objects repeat their timestamps (conditions, managedFields), lists more so. */
const timeCache = new Map<number, string>();

/** "2006-01-02T15:04:05Z" (fraction digits appended when `micros` is given). */
export function formatTime(seconds: number, micros?: number): string {
  let whole = timeCache.get(seconds);
  if (whole === undefined) {
    const iso = new Date(seconds * 1000).toISOString(); // "2006-01-02T15:04:05.000Z" for years 0-9999
    whole = iso.length === 24 ? iso.slice(0, 19) : goYears(seconds);
    if (timeCache.size >= 4096) timeCache.clear();
    timeCache.set(seconds, whole);
  }
  return micros === undefined ? whole + "Z" : `${whole}.${String(micros).padStart(6, "0")}Z`;
}

/** Years outside 0-9999, which toISOString writes with six digits and a sign. */
function goYears(seconds: number): string {
  const d = new Date(seconds * 1000);
  const year = d.getUTCFullYear();
  const pad = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${year < 0 ? "-" + pad(-year, 4) : pad(year, 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

const rfc3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/** Parses RFC 3339 into Unix seconds and nanoseconds; undefined when malformed. */
export function parseTime(s: string): { seconds: number; nanos: number } | undefined {
  const m = rfc3339.exec(s);
  if (!m) return undefined;
  let seconds = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])) / 1000;
  if (Number(m[1]) < 100) {
    // Date.UTC maps years 0-99 to 1900-1999.
    const d = new Date(0);
    d.setUTCFullYear(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
    d.setUTCHours(Number(m[4]), Number(m[5]), Number(m[6]), 0);
    seconds = d.getTime() / 1000;
  }
  if (m[9]) seconds -= (m[9] === "+" ? 1 : -1) * (Number(m[10]) * 3600 + Number(m[11]) * 60);
  const nanos = m[7] ? Number(m[7].slice(0, 9).padEnd(9, "0")) : 0;
  return { seconds, nanos };
}

const SECOND = 1_000_000_000n;

/** Go's time.Duration.String: "1h2m3.5s", "1.5ms", "0s". */
export function formatDuration(ns: bigint): string {
  if (ns === 0n) return "0s";
  const neg = ns < 0n;
  let u = neg ? -ns : ns;
  let out: string;
  const frac = (v: bigint, digits: number): string => {
    const s = v.toString().padStart(digits, "0").replace(/0+$/, "");
    return s ? "." + s : "";
  };
  if (u < SECOND) {
    if (u < 1000n) out = `${u}ns`;
    else if (u < 1_000_000n) out = `${u / 1000n}${frac(u % 1000n, 3)}µs`;
    else out = `${u / 1_000_000n}${frac(u % 1_000_000n, 6)}ms`;
  } else {
    out = `${(u / SECOND) % 60n}${frac(u % SECOND, 9)}s`;
    u /= SECOND * 60n;
    if (u > 0n) {
      out = `${u % 60n}m${out}`;
      u /= 60n;
      if (u > 0n) out = `${u}h${out}`;
    }
  }
  return neg ? "-" + out : out;
}

const durationUnits: Record<string, bigint> = {
  ns: 1n,
  us: 1000n,
  "µs": 1000n, // U+00B5
  "μs": 1000n, // U+03BC
  ms: 1_000_000n,
  s: SECOND,
  m: 60n * SECOND,
  h: 3600n * SECOND,
};

/** Go's time.ParseDuration, in nanoseconds. */
export function parseDuration(s: string): bigint {
  const bad = () => new ProtobufError(`time: invalid duration ${JSON.stringify(s)}`);
  let rest = s;
  let neg = false;
  if (rest[0] === "-" || rest[0] === "+") {
    neg = rest[0] === "-";
    rest = rest.slice(1);
  }
  if (rest === "0") return 0n;
  if (rest === "") throw bad();
  let total = 0n;
  const part = /^(\d*)(?:\.(\d*))?([^\d.]+)/;
  while (rest) {
    const m = part.exec(rest);
    if (!m || (m[1] === "" && !m[2])) throw bad();
    const unit = durationUnits[m[3]!];
    if (unit === undefined) throw bad();
    total += BigInt(m[1] || "0") * unit;
    if (m[2]) total += (BigInt(m[2]) * unit) / 10n ** BigInt(m[2].length);
    rest = rest.slice(m[0].length);
  }
  return neg ? -total : total;
}

/** resource.Quantity's accepted syntax (ParseQuantity's ErrFormatWrong). */
const quantitySyntax = /^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/;

export function checkQuantity(s: string): string {
  if (!quantitySyntax.test(s)) {
    throw new ProtobufError("quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
  }
  return s;
}
