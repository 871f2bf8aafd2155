import { difference, emptySet, intersection, isEmpty, iterate, recursiveDifference, union, valuesEqual, type FieldSet, type Path } from "./fieldpath.js";
import type { VersionedSet } from "./managedfields.js";
import { compare, ensureNamedFieldsAreMembers, merge, removeItems, toFieldSet, type Comparison, type Typed } from "./typed.js";

/**
 * structured-merge-diff's merge.Updater: the ownership bookkeeping of an update and the merge,
 * prune and ownership of an apply. All versions share one schema here (kplane converts nothing
 * between versions), so a manager recorded at another apiVersion is compared in this one.
 */

export type ManagedFields = Map<string, VersionedSet>;

export interface RawConflict {
  manager: string; // identifier
  path: Path;
}

export interface UpdaterOptions {
  typed: Typed;
  /** Paths the strategy resets (never owned through this endpoint). */
  ignore?: FieldSet;
  /** Gives a value the shape it would have after Go's typed round trip, for comparisons. */
  shape?: (v: unknown) => unknown;
}

export type UpdateResult = { managers: ManagedFields; compare: Comparison } | { conflicts: RawConflict[] };

function filter(o: UpdaterOptions, s: FieldSet): FieldSet {
  return o.ignore ? recursiveDifference(s, o.ignore) : s;
}

function copyManagers(m: ManagedFields): ManagedFields {
  return new Map([...m].map(([k, v]) => [k, { ...v }]));
}

/**
 * Who loses what when `live` becomes `next`: every other manager loses the fields removed, and
 * the fields changed or added are conflicts (returned unless `force`, else taken from them).
 */
function update(o: UpdaterOptions, live: unknown, next: unknown, managers: ManagedFields, workflow: string, force: boolean): UpdateResult {
  const shape = o.shape ?? ((v: unknown) => v);
  const c = compare(o.typed, shape(live), shape(next));
  const cmp: Comparison = { removed: filter(o, c.removed), modified: filter(o, c.modified), added: filter(o, c.added) };
  const changed = union(cmp.modified, cmp.added);
  const conflicts = new Map<string, FieldSet>();
  const removed = new Map<string, FieldSet>();
  for (const [manager, vs] of managers) {
    if (manager === workflow) continue;
    const cs = intersection(vs.set, changed);
    if (!isEmpty(cs)) conflicts.set(manager, cs);
    if (!isEmpty(cmp.removed)) removed.set(manager, cmp.removed);
  }
  if (!force && conflicts.size) {
    const out: RawConflict[] = [];
    for (const [manager, set] of conflicts) iterate(set, (path) => out.push({ manager, path }));
    return { conflicts: out };
  }
  for (const [manager, set] of conflicts) {
    const vs = managers.get(manager)!;
    managers.set(manager, { ...vs, set: difference(vs.set, set) });
  }
  for (const [manager, set] of removed) {
    const vs = managers.get(manager)!;
    managers.set(manager, { ...vs, set: difference(vs.set, set) });
  }
  for (const [manager, vs] of [...managers]) if (isEmpty(vs.set)) managers.delete(manager);
  return { managers, compare: cmp };
}

/** Update: `manager` now owns what it changed; others lose what it changed or removed. */
export function updaterUpdate(o: UpdaterOptions, live: unknown, next: unknown, version: string, managers0: ManagedFields, manager: string): ManagedFields {
  const r = update(o, live, next, copyManagers(managers0), manager, true);
  if ("conflicts" in r) throw new Error("unreachable: forced update reported conflicts");
  const managers = r.managers;
  const prev = managers.get(manager)?.set ?? emptySet();
  const set = filter(o, union(union(difference(prev, r.compare.removed), r.compare.modified), r.compare.added));
  if (isEmpty(set)) managers.delete(manager);
  else managers.set(manager, { set, apiVersion: version, applied: false });
  return managers;
}

export type ApplyOutcome =
  | { object: unknown; managers: ManagedFields; noop: boolean }
  | { conflicts: RawConflict[] };

/**
 * Apply: merge `config` into `live`, make `config`'s fields the manager's applied set, remove
 * what the manager applied last time and no longer does (unless someone else owns it), and
 * take ownership of changed fields from others — or report them as conflicts.
 * `noop` is true when the merged object equals `live` (SMD then returns no new object).
 */
export function updaterApply(o: UpdaterOptions, live: unknown, config: unknown, version: string, managers0: ManagedFields, manager: string, force: boolean): ApplyOutcome {
  const managers = copyManagers(managers0);
  let next = merge(o.typed, live, config);
  const lastSet = managers.get(manager);
  const set = filter(o, toFieldSet(o.typed, config));
  managers.set(manager, { set, apiVersion: version, applied: true });
  next = prune(o, next, managers, manager, lastSet);
  const r = update(o, live, next, managers, manager, force);
  if ("conflicts" in r) return r;
  return { object: next, managers: r.managers, noop: valuesEqual(live, next) };
}

/**
 * Removes a field or item iff the applier applied it last time, does not now, and no other
 * manager (nor the applier's new config) owns it; items that were never the applier's stay.
 */
function prune(o: UpdaterOptions, merged: unknown, managers: ManagedFields, applier: string, lastSet: VersionedSet | undefined): unknown {
  if (!lastSet || isEmpty(lastSet.set)) return merged;
  const t = o.typed;
  const named = (s: FieldSet) => ensureNamedFieldsAreMembers(t, s);
  let pruned = removeItems(t, merged, named(lastSet.set));
  // Add back what anyone (the applier's new config included) owns.
  let owned = emptySet();
  for (const vs of managers.values()) owned = union(owned, vs.set);
  const mergedSet = named(toFieldSet(t, merged));
  const prunedSet = named(toFieldSet(t, pruned));
  pruned = removeItems(t, merged, difference(mergedSet, union(prunedSet, named(owned))));
  // Add back what was removed but never the applier's (owned by updaters, or by no one).
  const prunedSet2 = named(toFieldSet(t, pruned));
  const last = named(lastSet.set);
  return removeItems(t, merged, intersection(difference(mergedSet, prunedSet2), last));
}
