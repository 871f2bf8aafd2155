/**
 * Cron schedules as kube's CronJob controller reads them (robfig/cron/v3 ParseStandard): five
 * fields (minute hour day-of-month month day-of-week, with names, ranges, steps, `*` and `?`),
 * the descriptors @yearly/@annually/@monthly/@weekly/@daily/@midnight/@hourly, `@every
 * <duration>` (kube's validation accepts it, so the controller must schedule it), and an
 * optional `TZ=`/`CRON_TZ=` prefix. Next times are searched the way robfig does, field by field
 * in the schedule's time zone, so DST gaps and repeats behave as in kube.
 */

export interface Schedule {
  /** The first activation strictly after `afterMs` (at a whole second), or undefined if none within five years. */
  next(afterMs: number): number | undefined;
}

interface Field {
  min: number;
  max: number;
  names?: Record<string, number>;
}

const MINUTE: Field = { min: 0, max: 59 };
const HOUR: Field = { min: 0, max: 23 };
const DOM: Field = { min: 1, max: 31 };
const MONTH: Field = { min: 1, max: 12, names: { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 } };
const DOW: Field = { min: 0, max: 6, names: { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 } };

const DESCRIPTORS: Record<string, string> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};

/** A set of allowed values; `star` when written as `*` or `?` (robfig's starBit, which changes day matching). */
interface FieldSet {
  values: Set<number>;
  star: boolean;
}

export class CronError extends Error {}

/** Parses a schedule; throws CronError with robfig's message when it does not parse. */
export function parseSchedule(input: string): Schedule {
  if (input.length === 0) throw new CronError("empty spec string");
  let spec = input;
  let zone: Zone = UTC;
  if (spec.startsWith("TZ=") || spec.startsWith("CRON_TZ=")) {
    const sp = spec.indexOf(" ");
    const name = spec.slice(spec.indexOf("=") + 1, sp < 0 ? undefined : sp);
    const z = loadZone(name);
    if (typeof z === "string") throw new CronError(`provided bad location ${name}: ${z}`);
    zone = z;
    spec = sp < 0 ? "" : spec.slice(sp).trim();
  }
  if (spec.startsWith("@every ")) {
    const ms = parseGoDuration(spec.slice(7));
    if (typeof ms === "string") throw new CronError(`failed to parse duration ${spec}: ${ms}`);
    return everySchedule(ms);
  }
  if (spec.startsWith("@")) {
    const d = DESCRIPTORS[spec];
    if (!d) throw new CronError(`unrecognized descriptor: ${spec}`);
    spec = d;
  }
  const fields = spec.split(/\s+/).filter((f) => f !== "");
  if (fields.length !== 5) throw new CronError(`expected exactly 5 fields, found ${fields.length}: [${fields.join(" ")}]`);
  const [mi, h, dom, mo, dow] = [MINUTE, HOUR, DOM, MONTH, DOW].map((b, i) => parseField(fields[i]!, b)) as [FieldSet, FieldSet, FieldSet, FieldSet, FieldSet];
  return { next: (after) => nextFieldTime({ minute: mi, hour: h, dom, month: mo, dow }, zone, after) };
}

function parseField(field: string, b: Field): FieldSet {
  const out: FieldSet = { values: new Set(), star: false };
  for (const expr of field.split(",")) {
    const rangeAndStep = expr.split("/");
    const lowAndHigh = rangeAndStep[0]!.split("-");
    let start: number;
    let end: number;
    let star = false;
    if (lowAndHigh[0] === "*" || lowAndHigh[0] === "?") {
      [start, end, star] = [b.min, b.max, true];
    } else {
      start = parseValue(lowAndHigh[0]!, b);
      if (lowAndHigh.length === 1) end = start;
      else if (lowAndHigh.length === 2) end = parseValue(lowAndHigh[1]!, b);
      else throw new CronError(`too many hyphens: ${expr}`);
    }
    let step = 1;
    if (rangeAndStep.length === 2) {
      step = parseNumber(rangeAndStep[1]!);
      // "N/step" means "N-max/step".
      if (lowAndHigh.length === 1) end = b.max;
      if (step > 1) star = false;
    } else if (rangeAndStep.length > 2) throw new CronError(`too many slashes: ${expr}`);
    if (start < b.min) throw new CronError(`beginning of range (${start}) below minimum (${b.min}): ${expr}`);
    if (end > b.max) throw new CronError(`end of range (${end}) above maximum (${b.max}): ${expr}`);
    if (start > end) throw new CronError(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
    if (step === 0) throw new CronError(`step of range should be a positive number: ${expr}`);
    for (let v = start; v <= end; v += step) out.values.add(v);
    out.star ||= star;
  }
  return out;
}

function parseValue(s: string, b: Field): number {
  const named = b.names?.[s.toLowerCase()];
  return named ?? parseNumber(s);
}

function parseNumber(s: string): number {
  if (!/^[+-]?[0-9]+$/.test(s)) throw new CronError(`failed to parse int from ${s}: strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`);
  const n = Number(s);
  if (n < 0) throw new CronError(`negative number (${n}) not allowed: ${s}`);
  return n;
}

const DURATION_UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, "µs": 1e-3, "μs": 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go's time.ParseDuration, in milliseconds, or its error text. */
export function parseGoDuration(orig: string): number | string {
  const invalid = `time: invalid duration ${JSON.stringify(orig)}`;
  let s = orig;
  let sign = 1;
  if (s.startsWith("-") || s.startsWith("+")) {
    if (s[0] === "-") sign = -1;
    s = s.slice(1);
  }
  if (s === "0") return 0;
  if (s === "") return invalid;
  let total = 0;
  while (s !== "") {
    const m = /^([0-9]*)(?:\.([0-9]*))?/.exec(s)!;
    if (m[0] === "" || (m[1] === "" && !m[2])) return invalid;
    s = s.slice(m[0].length);
    const unit = /^[^0-9.]*/.exec(s)![0];
    if (unit === "") return `time: missing unit in duration ${JSON.stringify(orig)}`;
    const scale = DURATION_UNITS[unit];
    if (scale === undefined) return `time: unknown unit ${JSON.stringify(unit)} in duration ${JSON.stringify(orig)}`;
    total += Number(`${m[1] || "0"}.${m[2] || "0"}`) * scale;
    s = s.slice(unit.length);
  }
  return sign * total;
}

/** robfig's ConstantDelaySchedule: whole seconds, at least one. */
function everySchedule(ms: number): Schedule {
  const delay = ms < 1000 ? 1000 : Math.floor(ms / 1000) * 1000;
  return { next: (after) => Math.floor(after / 1000) * 1000 + delay };
}

// ---- time zones ----

interface Wall {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: number; // 0 = Sunday
}

/** A time zone: wall-clock fields of an instant, and the instant of a wall time (Go's time.Date). */
export interface Zone {
  readonly name: string;
  wall(ms: number): Wall;
  fromWall(year: number, month: number, day: number, hour: number, minute: number, second: number): number;
}

const UTC: Zone = {
  name: "UTC",
  wall(ms) {
    const d = new Date(ms);
    return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds(), weekday: d.getUTCDay() };
  },
  fromWall: (y, mo, d, h, mi, s) => Date.UTC(y, mo - 1, d, h, mi, s),
};

const zones = new Map<string, Zone | string>();

/**
 * Go's time.LoadLocation: "" and "UTC" are UTC; other names must be IANA zones, spelled as their
 * tzdata file is (Intl accepts other casings that Go does not). Answers the zone or Go's error.
 */
export function loadZone(name: string): Zone | string {
  if (name === "" || name === "UTC") return UTC;
  let z = zones.get(name);
  if (z === undefined) {
    z = makeZone(name);
    zones.set(name, z);
  }
  return z;
}

function makeZone(name: string): Zone | string {
  if (name.includes("..") || name.startsWith("/") || name.startsWith("\\")) return "time: invalid location name";
  let fmt: Intl.DateTimeFormat;
  try {
    fmt = new Intl.DateTimeFormat("en-US", {
      timeZone: name,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
      weekday: "short",
    });
  } catch {
    return `unknown time zone ${name}`;
  }
  const resolved = fmt.resolvedOptions().timeZone;
  if (resolved !== name && (resolved.toLowerCase() === name.toLowerCase() || !name.split("/").every((p) => /^[A-Z]/.test(p)))) {
    return `unknown time zone ${name}`;
  }
  const weekdays: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };
  const wall = (ms: number): Wall => {
    const parts: Record<string, string> = {};
    for (const p of fmt.formatToParts(new Date(ms))) parts[p.type] = p.value;
    return {
      year: Number(parts.year),
      month: Number(parts.month),
      day: Number(parts.day),
      hour: Number(parts.hour),
      minute: Number(parts.minute),
      second: Number(parts.second),
      weekday: weekdays[parts.weekday ?? ""] ?? 0,
    };
  };
  const offset = (ms: number): number => {
    const w = wall(ms);
    return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - Math.floor(ms / 1000) * 1000;
  };
  return {
    name,
    wall,
    fromWall(y, mo, d, h, mi, s) {
      // As Go's time.Date: guess the offset at the wall time read as UTC, and re-check it.
      const local = Date.UTC(y, mo - 1, d, h, mi, s);
      const off1 = offset(local);
      const off2 = offset(local - off1);
      return local - (off1 === off2 ? off1 : off2);
    },
  };
}

// ---- robfig's SpecSchedule.Next ----

interface Fields {
  minute: FieldSet;
  hour: FieldSet;
  dom: FieldSet;
  month: FieldSet;
  dow: FieldSet;
}

function dayMatches(f: Fields, w: Wall): boolean {
  const domMatch = f.dom.values.has(w.day);
  const dowMatch = f.dow.values.has(w.weekday);
  // Both restricted: either may match; otherwise both must (as Vixie cron).
  if (f.dom.star || f.dow.star) return domMatch && dowMatch;
  return domMatch || dowMatch;
}

function nextFieldTime(f: Fields, zone: Zone, afterMs: number): number | undefined {
  // Round up to the next whole second.
  let t = Math.floor(afterMs / 1000) * 1000 + 1000;
  let added = false;
  const yearLimit = zone.wall(t).year + 5;
  for (;;) {
    let w = zone.wall(t);
    if (w.year > yearLimit) return undefined;
    let wrapped = false;
    while (!f.month.values.has(w.month)) {
      if (!added) {
        added = true;
        t = zone.fromWall(w.year, w.month, 1, 0, 0, 0);
        w = zone.wall(t);
      }
      t = zone.fromWall(w.year, w.month + 1, w.day, w.hour, w.minute, w.second);
      w = zone.wall(t);
      if (w.month === 1) {
        wrapped = true;
        break;
      }
    }
    if (wrapped) continue;
    while (!dayMatches(f, w)) {
      if (!added) {
        added = true;
        t = zone.fromWall(w.year, w.month, w.day, 0, 0, 0);
        w = zone.wall(t);
      }
      t = zone.fromWall(w.year, w.month, w.day + 1, w.hour, w.minute, w.second);
      w = zone.wall(t);
      // A DST change can leave midnight off by an hour: move back (or on) to it.
      if (w.hour !== 0) {
        t += w.hour > 12 ? (24 - w.hour) * 3_600_000 : -w.hour * 3_600_000;
        w = zone.wall(t);
      }
      if (w.day === 1) {
        wrapped = true;
        break;
      }
    }
    if (wrapped) continue;
    while (!f.hour.values.has(w.hour)) {
      if (!added) {
        added = true;
        t = zone.fromWall(w.year, w.month, w.day, w.hour, 0, 0);
      }
      t += 3_600_000;
      w = zone.wall(t);
      if (w.hour === 0) {
        wrapped = true;
        break;
      }
    }
    if (wrapped) continue;
    while (!f.minute.values.has(w.minute)) {
      if (!added) {
        added = true;
        t = Math.floor(t / 60_000) * 60_000;
      }
      t += 60_000;
      w = zone.wall(t);
      if (w.minute === 0) {
        wrapped = true;
        break;
      }
    }
    if (wrapped) continue;
    // Seconds: only 0 is allowed in a five-field spec.
    while (w.second !== 0) {
      if (!added) {
        added = true;
        t = Math.floor(t / 1000) * 1000;
      }
      t += 1000;
      w = zone.wall(t);
      if (w.second === 0) {
        wrapped = true;
        break;
      }
    }
    if (wrapped) continue;
    return t;
  }
}
