/**
 * Schedule checking as kube's CronJob validation does it: robfig/cron/v3's ParseStandard (five
 * fields or a descriptor, optional TZ=/CRON_TZ= prefix) with its exact error texts, and Go's
 * time.LoadLocation / time.ParseDuration where the parser calls them. Only validity matters
 * here; nothing computes next run times.
 */

interface Bounds {
  min: number;
  max: number;
  names?: Record<string, number>;
}

const minutes: Bounds = { min: 0, max: 59 };
const hours: Bounds = { min: 0, max: 23 };
const dom: Bounds = { min: 1, max: 31 };
const months: Bounds = {
  min: 1,
  max: 12,
  names: { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 },
};
const dow: Bounds = { min: 0, max: 6, names: { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 } };

const descriptors = new Set(["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"]);

/** cron.ParseStandard: undefined when the spec parses, else robfig's error text. */
export function parseStandardCron(input: string): string | undefined {
  let spec = input;
  if (spec.length === 0) return "empty spec string";
  if (spec.startsWith("TZ=") || spec.startsWith("CRON_TZ=")) {
    const i = spec.indexOf(" ");
    const eq = spec.indexOf("=");
    const name = i < 0 ? spec.slice(eq + 1) : spec.slice(eq + 1, i);
    const err = loadLocationError(name);
    if (err) return `provided bad location ${name}: ${err}`;
    spec = i < 0 ? "" : spec.slice(i).trim();
  }
  if (spec.startsWith("@")) return parseDescriptor(spec);
  const fields = spec.split(/[\t\n\v\f\r \u0085\u00a0]+/).filter((f) => f !== "");
  if (fields.length !== 5) return `expected exactly 5 fields, found ${fields.length}: [${fields.join(" ")}]`;
  const bounds = [minutes, hours, dom, months, dow];
  for (let i = 0; i < 5; i++) {
    const err = checkField(fields[i]!, bounds[i]!);
    if (err) return err;
  }
  return undefined;
}

function parseDescriptor(d: string): string | undefined {
  if (descriptors.has(d)) return undefined;
  const every = "@every ";
  if (d.startsWith(every)) {
    const err = parseDurationError(d.slice(every.length));
    return err ? `failed to parse duration ${d}: ${err}` : undefined;
  }
  return `unrecognized descriptor: ${d}`;
}

function checkField(field: string, r: Bounds): string | undefined {
  for (const expr of field.split(",").filter((e) => e !== "")) {
    const err = checkRange(expr, r);
    if (err) return err;
  }
  return undefined;
}

function checkRange(expr: string, r: Bounds): string | undefined {
  const rangeAndStep = expr.split("/");
  const lowAndHigh = rangeAndStep[0]!.split("-");
  const singleDigit = lowAndHigh.length === 1;
  let start: number;
  let end: number;
  if (lowAndHigh[0] === "*" || lowAndHigh[0] === "?") {
    start = r.min;
    end = r.max;
  } else {
    const lo = parseIntOrName(lowAndHigh[0]!, r.names);
    if (typeof lo === "string") return lo;
    start = lo;
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) {
      const hi = parseIntOrName(lowAndHigh[1]!, r.names);
      if (typeof hi === "string") return hi;
      end = hi;
    } else return `too many hyphens: ${expr}`;
  }
  let step = 1;
  if (rangeAndStep.length === 2) {
    const st = mustParseInt(rangeAndStep[1]!);
    if (typeof st === "string") return st;
    step = st;
    // "N/step" means "N-max/step".
    if (singleDigit) end = r.max;
  } else if (rangeAndStep.length > 2) return `too many slashes: ${expr}`;
  if (start < r.min) return `beginning of range (${start}) below minimum (${r.min}): ${expr}`;
  if (end > r.max) return `end of range (${end}) above maximum (${r.max}): ${expr}`;
  if (start > end) return `beginning of range (${start}) beyond end of range (${end}): ${expr}`;
  if (step === 0) return `step of range should be a positive number: ${expr}`;
  return undefined;
}

function parseIntOrName(expr: string, names?: Record<string, number>): number | string {
  const named = names?.[expr.toLowerCase()];
  if (named !== undefined) return named;
  return mustParseInt(expr);
}

function mustParseInt(expr: string): number | string {
  const n = goAtoi(expr);
  if (typeof n === "string") return `failed to parse int from ${expr}: ${n}`;
  if (n < 0) return `negative number (${n}) not allowed: ${expr}`;
  return n;
}

/** strconv.Atoi on a 64-bit platform: the number, or its error text. */
function goAtoi(s: string): number | string {
  const q = goQuoteAscii(s);
  if (!/^[+-]?[0-9]+$/.test(s)) return `strconv.Atoi: parsing ${q}: invalid syntax`;
  const v = BigInt(s);
  if (v > 9223372036854775807n || v < -9223372036854775808n) return `strconv.Atoi: parsing ${q}: value out of range`;
  return Number(v);
}

/** Go's %q for the short ASCII-ish strings these messages quote. */
function goQuoteAscii(s: string): string {
  return JSON.stringify(s);
}

const durationUnits = new Set(["ns", "us", "µs", "μs", "ms", "s", "m", "h"]);

/** time.ParseDuration: undefined when valid, else Go's error text. */
export function parseDurationError(orig: string): string | undefined {
  const invalid = `time: invalid duration ${goQuoteAscii(orig)}`;
  let s = orig;
  if (s.startsWith("-") || s.startsWith("+")) s = s.slice(1);
  if (s === "0") return undefined;
  if (s === "") return invalid;
  while (s !== "") {
    if (!/^[0-9.]/.test(s)) return invalid;
    const m = /^([0-9]*)(\.([0-9]*))?/.exec(s)!;
    const pre = m[1]!.length > 0;
    const post = (m[3] ?? "").length > 0;
    if (!pre && !post) return invalid;
    s = s.slice(m[0].length);
    const u = /^[^0-9.]*/.exec(s)![0];
    if (u === "") return `time: missing unit in duration ${goQuoteAscii(orig)}`;
    if (!durationUnits.has(u)) return `time: unknown unit ${goQuoteAscii(u)} in duration ${goQuoteAscii(orig)}`;
    s = s.slice(u.length);
  }
  return undefined;
}

/** time.LoadLocation: undefined when Go would load the zone, else its error text. */
export function loadLocationError(name: string): string | undefined {
  if (name === "" || name === "UTC" || name === "Local") return undefined;
  if (name.includes("..") || name.startsWith("/") || name.startsWith("\\")) return "time: invalid location name";
  if (!knownTimeZone(name)) return `unknown time zone ${name}`;
  return undefined;
}

/**
 * An IANA zone name, matched case-sensitively as Go's zoneinfo lookup on Linux is. Intl also
 * accepts other spellings; Go needs the file name, whose components all start upper case.
 */
function knownTimeZone(name: string): boolean {
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat("en-US", { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return false;
  }
  if (resolved === name) return true;
  if (resolved.toLowerCase() === name.toLowerCase()) return false;
  return name.split("/").every((part) => /^[A-Z]/.test(part));
}
