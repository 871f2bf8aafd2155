/** Fixtures shared by the printer tests: a fixed clock and short object builders. */
import type { KObject } from "../api/types.js";
import type { Printer, TableRow } from "./types.js";

export const now = new Date("2025-06-01T12:00:00Z");

export const SEC = 1000;
export const MIN = 60 * SEC;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;

/** An RFC 3339 timestamp `ms` before `now`, as the API serializes it. */
export function ago(ms: number): string {
  return new Date(now.getTime() - ms).toISOString().replace(/\.\d+Z$/, "Z");
}

/** An object named `name`, created 5 minutes ago, with the given fields. */
export function k(name: string, fields: Record<string, unknown> = {}, meta: Record<string, unknown> = {}): KObject {
  return { metadata: { name, creationTimestamp: ago(5 * MIN), ...meta }, ...fields };
}

export function row(p: Printer, o: KObject): TableRow {
  return p.row(o, now);
}

export function cells(p: Printer, o: KObject): unknown[] {
  return p.row(o, now).cells;
}

/** Column names in order, priority-1 ones marked with a trailing "*". */
export function headers(p: Printer): string[] {
  return p.columns.map((c) => (c.priority > 0 ? `${c.name}*` : c.name));
}
