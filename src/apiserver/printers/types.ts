import type { KObject } from "../api/types.js";

/** A column of a meta.k8s.io/v1 Table, as kube-apiserver sends it. */
export interface ColumnDefinition {
  name: string;
  type: "string" | "integer" | "number" | "boolean" | "date";
  format: string; // "name" for the first column, "" mostly
  description: string;
  priority: number; // 0 = always shown; 1 = only with -o wide
}

export interface TableRowCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export interface TableRow {
  cells: unknown[];
  conditions?: TableRowCondition[];
}

/** How one resource prints: its columns and the row for one object at time `now`. */
export interface Printer {
  columns: ColumnDefinition[];
  row(obj: KObject, now: Date): TableRow;
}
