/**
 * What every printer shares: defensive readers over plain JSON (a missing or mistyped field reads
 * as Go's zero value, never throws), time cells, label and selector text, and the printer
 * builder that keeps a row the width of its columns whatever the object holds.
 */
import type { KObject } from "../api/types.js";
import type { ColumnDefinition, Printer, TableRow } from "./types.js";
import { humanDuration } from "./duration.js";

export type JSONObject = Record<string, unknown>;

// ---- readers --------------------------------------------------------------------------------

export function isObject(v: unknown): v is JSONObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The object at `path` below `v`, or {} (Go's zero struct). */
export function obj(v: unknown, ...path: string[]): JSONObject {
  const found = at(v, path);
  return isObject(found) ? found : {};
}

/** The value at `path` below `v`, undefined when any step is missing. */
export function at(v: unknown, path: string[]): unknown {
  let cur = v;
  for (const key of path) {
    if (!isObject(cur)) return undefined;
    cur = cur[key];
  }
  return cur;
}

export function str(v: unknown): string {
  return typeof v === "string" ? v : "";
}

export function int(v: unknown): number {
  return typeof v === "number" && Number.isFinite(v) ? Math.trunc(v) : 0;
}

export function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

export function objects(v: unknown): JSONObject[] {
  return list(v).map((item) => (isObject(item) ? item : {}));
}

export function strings(v: unknown): string[] {
  return list(v).map(str);
}

/** A map[string]string: non-string values read as "". */
export function stringMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isObject(v)) return out;
  for (const [k, val] of Object.entries(v)) out[k] = str(val);
  return out;
}

/** A Go pointer field: set unless absent or null. */
export function isSet(v: unknown): boolean {
  return v !== undefined && v !== null;
}

export function name(o: KObject): string {
  return str(obj(o, "metadata").name);
}

export function annotations(o: KObject): Record<string, string> {
  return stringMap(obj(o, "metadata").annotations);
}

export function isDeleting(o: KObject): boolean {
  return isSet(obj(o, "metadata").deletionTimestamp);
}

/** Go's byte order for strings (kube sorts with sort.Strings). */
export function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

export function sortedUnique(values: Iterable<string>): string[] {
  return [...new Set(values)].sort(byteOrder);
}

// ---- time -----------------------------------------------------------------------------------

/** Go's zero time.Time, which JSON spells 0001-01-01T00:00:00Z and kube prints as unknown. */
const GO_ZERO_TIME = Date.parse("0001-01-01T00:00:00Z");

/** A metav1.Time / MicroTime as epoch ms; undefined for absent, null, unparsable or Go's zero time. */
export function parseTime(v: unknown): number | undefined {
  if (typeof v !== "string" || v === "") return undefined;
  const ms = Date.parse(v);
  if (Number.isNaN(ms) || ms === GO_ZERO_TIME) return undefined;
  return ms;
}

/** kube's translateTimestampSince: "<unknown>" for a zero time. */
export function since(v: unknown, now: Date): string {
  const t = parseTime(v);
  return t === undefined ? "<unknown>" : humanDuration(now.getTime() - t);
}

export function age(o: KObject, now: Date): string {
  return since(obj(o, "metadata").creationTimestamp, now);
}

/** A time as Go's time.Format(time.RFC3339) in UTC: no fractional seconds. */
export function rfc3339(v: unknown): string {
  const t = parseTime(v) ?? GO_ZERO_TIME;
  const iso = new Date(t).toISOString();
  return iso.replace(/\.\d+Z$/, "Z");
}

// ---- labels and selectors -------------------------------------------------------------------

/** labels.FormatLabels: sorted k=v pairs, "<none>" when empty. */
export function formatLabels(v: unknown): string {
  const pairs = Object.entries(stringMap(v)).map(([k, val]) => `${k}=${val}`);
  return pairs.length === 0 ? "<none>" : pairs.sort(byteOrder).join(",");
}

/**
 * metav1.LabelSelectorAsSelector(sel).String(): "" for a nil or empty selector, undefined when
 * the selector is invalid (an unknown operator, a bad key or value, a wrong number of values).
 */
export function labelSelectorString(sel: unknown): string | undefined {
  if (!isObject(sel)) return "";
  const reqs: { key: string; text: string }[] = [];
  for (const [key, value] of Object.entries(stringMap(sel.matchLabels))) {
    if (!validLabelKey(key) || !validLabelValue(value)) return undefined;
    reqs.push({ key, text: `${key}=${value}` });
  }
  for (const expr of objects(sel.matchExpressions)) {
    const key = str(expr.key);
    const values = strings(expr.values);
    if (!validLabelKey(key) || !values.every(validLabelValue)) return undefined;
    const sortedValues = values.length === 1 ? values : [...values].sort(byteOrder);
    switch (expr.operator) {
      case "In":
      case "NotIn":
        if (values.length === 0) return undefined;
        reqs.push({ key, text: `${key} ${expr.operator === "In" ? "in" : "notin"} (${sortedValues.join(",")})` });
        break;
      case "Exists":
        if (values.length !== 0) return undefined;
        reqs.push({ key, text: key });
        break;
      case "DoesNotExist":
        if (values.length !== 0) return undefined;
        reqs.push({ key, text: `!${key}` });
        break;
      default:
        return undefined;
    }
  }
  // A stable sort by key (kube's sort is not stable; equal keys are rare and invalid in practice).
  reqs.sort((a, b) => byteOrder(a.key, b.key));
  return reqs.map((r) => r.text).join(",");
}

/** metav1.FormatLabelSelector: "<none>" for nil or empty, "<error>" when invalid. */
export function formatLabelSelector(sel: unknown): string {
  const s = labelSelectorString(sel);
  if (s === undefined) return "<error>";
  return s === "" ? "<none>" : s;
}

/** The Go struct dump of a *metav1.LabelSelector (its generated String()), which a few columns show. */
export function labelSelectorGoString(sel: JSONObject): string {
  const exprs = objects(sel.matchExpressions)
    .map((e) => `LabelSelectorRequirement{Key:${str(e.key)},Operator:${str(e.operator)},Values:[${strings(e.values).join(" ")}],},`)
    .join("");
  const labels = Object.entries(stringMap(sel.matchLabels))
    .sort(([a], [b]) => byteOrder(a, b))
    .map(([k, v]) => `${k}: ${v},`)
    .join("");
  return `&LabelSelector{MatchLabels:map[string]string{${labels}},MatchExpressions:[]LabelSelectorRequirement{${exprs}},}`;
}

const NAME_PART = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function validLabelKey(key: string): boolean {
  const slash = key.indexOf("/");
  const [prefix, nm] = slash < 0 ? [undefined, key] : [key.slice(0, slash), key.slice(slash + 1)];
  if (prefix !== undefined && (prefix.length === 0 || prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) return false;
  return nm.length > 0 && nm.length <= 63 && NAME_PART.test(nm);
}

function validLabelValue(value: string): boolean {
  return value === "" || (value.length <= 63 && NAME_PART.test(value));
}

// ---- other shared cells ---------------------------------------------------------------------

/** layoutContainerCells: container names and images, comma separated. */
export function containerCells(podSpec: JSONObject): [string, string] {
  const containers = objects(podSpec.containers);
  return [containers.map((c) => str(c.name)).join(","), containers.map((c) => str(c.image)).join(",")];
}

/** intstr.IntOrString.String(). */
export function intOrString(v: unknown): string {
  if (typeof v === "number") return String(Math.trunc(v));
  return str(v);
}

/** Go's printBoolPtr: "True"/"False", "<unset>" for nil. */
export function boolPtr(v: unknown): string {
  if (!isSet(v)) return "<unset>";
  return v === true ? "True" : "False";
}

/** net.JoinHostPort. */
export function joinHostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/** kube's "a,b,c + N more..." lists, "<unset>" when empty. */
export function listWithMore(items: string[], max: number): string {
  if (items.length > max) return `${items.slice(0, max).join(",")} + ${items.length - max} more...`;
  return items.length === 0 ? "<unset>" : items.join(",");
}

// ---- columns and printers -------------------------------------------------------------------

export function column(
  name: string,
  type: ColumnDefinition["type"],
  description: string,
  opts: { priority?: number; format?: string } = {},
): ColumnDefinition {
  return { name, type, format: opts.format ?? "", description, priority: opts.priority ?? 0 };
}

export const NAME_DESCRIPTION = "Name of the object, unique within its namespace (or the cluster).";

export const nameColumn = column("Name", "string", NAME_DESCRIPTION, { format: "name" });
export const ageColumn = column("Age", "string", "Time since the object was created (metadata.creationTimestamp).");
export const wide = { priority: 1 } as const;

/** The wide columns workload printers share. */
export const containersColumn = column("Containers", "string", "Names of the pod template's containers.", wide);
export const imagesColumn = column("Images", "string", "Images of the pod template's containers.", wide);
export const selectorColumn = column("Selector", "string", "Label selector of the pods it manages.", wide);

/**
 * A printer from its columns and a cells function. A row always has one cell per column: when
 * the cells function throws on a malformed object, the row keeps the name and leaves the rest
 * empty, so one bad object never breaks a list.
 */
export function printer(
  columns: ColumnDefinition[],
  cells: (o: KObject, now: Date) => unknown[],
  conditions?: (o: KObject) => TableRow["conditions"],
): Printer {
  return {
    columns,
    row(o: KObject, now: Date): TableRow {
      let row: TableRow;
      try {
        row = { cells: cells(o, now) };
        const c = conditions?.(o);
        if (c) row.conditions = c;
      } catch {
        row = { cells: columns.map((col) => (col.format === "name" ? name(o) : "")) };
      }
      return row;
    },
  };
}
