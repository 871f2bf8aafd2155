import assert from "node:assert/strict";
import { test } from "node:test";
import type { KObject } from "../api/types.js";
import type { Schema } from "../openapi/index.js";
import { fromFieldsV1, paths, pathString } from "./fieldpath.js";
import { apply, updateManagedFields } from "./index.js";

/**
 * Scenarios in the style of structured-merge-diff's merge tests (sets, leaves, nested lists),
 * written for kplane on small custom schemas: a list of operations, then the object and who
 * owns what.
 */

type Op = ["apply" | "force" | "update", string, Record<string, unknown>];
interface Case {
  schema: Record<string, Schema>;
  ops: Op[];
  object: Record<string, unknown>;
  managed: Record<string, string[]>;
  conflicts?: string[];
}

const gvk = { group: "example.com", version: "v1", kind: "Thing" };

function run(c: Case): void {
  const schema: Schema = {
    type: "object",
    properties: { apiVersion: { type: "string" }, kind: { type: "string" }, metadata: { $ref: "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta" }, ...c.schema },
  };
  let live: KObject | undefined;
  let conflicts: string[] | undefined;
  c.ops.forEach(([op, manager, fields], i) => {
    const obj = { apiVersion: "example.com/v1", kind: "Thing", metadata: { name: "t" }, ...fields } as KObject;
    const opts = { gvk, now: new Date(Date.UTC(2024, 0, 1, 0, 0, i)), schema };
    if (op === "update") {
      live = updateManagedFields(live, { ...obj, metadata: { ...obj.metadata, ...(live ? { uid: "u", managedFields: live.metadata.managedFields } : {}) } } as KObject, manager, opts);
      return;
    }
    const r = apply(live, obj, manager, op === "force", opts);
    if ("conflicts" in r) conflicts = r.conflicts.map((x) => `${x.manager} ${x.path}`);
    else if ("object" in r) live = { ...r.object, metadata: { ...r.object.metadata, uid: "u" } };
    else assert.fail(r.error.message);
  });
  const { apiVersion: _a, kind: _k, metadata, ...rest } = live!;
  assert.deepEqual(rest, c.object);
  const managed: Record<string, string[]> = {};
  for (const e of metadata.managedFields ?? []) managed[e.manager!] = paths(fromFieldsV1(e.fieldsV1)).map(pathString);
  assert.deepEqual(managed, c.managed);
  assert.deepEqual(conflicts, c.conflicts);
}

const set: Record<string, Schema> = { list: { type: "array", items: { type: "string" }, "x-kubernetes-list-type": "set" } };
const leaves: Record<string, Schema> = { numeric: { type: "number" }, string: { type: "string" } };
const listOfLists: Record<string, Schema> = {
  listOfLists: {
    type: "array",
    "x-kubernetes-list-type": "map",
    "x-kubernetes-list-map-keys": ["name"],
    items: { type: "object", properties: { name: { type: "string" }, value: { type: "array", items: { type: "string" }, "x-kubernetes-list-type": "set" } } },
  },
};

const cases: Record<string, Case> = {
  "set: apply, update, apply without overlap keeps the updater's items in place": {
    schema: set,
    ops: [["apply", "default", { list: ["a", "c"] }], ["update", "controller", { list: ["a", "b", "c", "d"] }], ["apply", "default", { list: ["a", "aprime", "c", "cprime"] }]],
    object: { list: ["a", "b", "aprime", "c", "d", "cprime"] },
    managed: { default: ['.list[="a"]', '.list[="aprime"]', '.list[="c"]', '.list[="cprime"]'], controller: ['.list[="b"]', '.list[="d"]'] },
  },
  "set: reordering follows the applier": {
    schema: set,
    ops: [["apply", "default", { list: ["a", "b", "c", "d"] }], ["apply", "default", { list: ["d", "c", "b", "a"] }]],
    object: { list: ["d", "c", "b", "a"] },
    managed: { default: ['.list[="a"]', '.list[="b"]', '.list[="c"]', '.list[="d"]'] },
  },
  "set: items the applier drops are removed": {
    schema: set,
    ops: [["apply", "default", { list: ["a", "b", "c", "d"] }], ["apply", "default", { list: ["a", "c"] }]],
    object: { list: ["a", "c"] },
    managed: { default: ['.list[="a"]', '.list[="c"]'] },
  },
  "leaf: an updater's value stays when the applier stops applying the field": {
    schema: leaves,
    ops: [["apply", "default", { numeric: 2 }], ["update", "controller", { numeric: 1 }], ["apply", "default", {}]],
    object: { numeric: 1 },
    managed: { controller: [".numeric"] },
  },
  "leaf: the applier's own field goes when no longer applied": {
    schema: leaves,
    ops: [["apply", "default", { string: "string" }], ["apply", "default", {}]],
    object: {},
    managed: {},
  },
  "leaf: a changed value owned by an updater conflicts; force takes it": {
    schema: leaves,
    ops: [["apply", "default", { numeric: 1 }], ["update", "controller", { numeric: 2 }], ["apply", "default", { numeric: 3 }], ["force", "default", { numeric: 3 }]],
    object: { numeric: 3 },
    managed: { default: [".numeric"] },
    conflicts: ["controller .numeric"],
  },
  "nested: removing an item keeps what others own inside the item that stays": {
    schema: listOfLists,
    ops: [
      ["apply", "apply-one", { listOfLists: [{ name: "a" }, { name: "b", value: ["c"] }] }],
      ["apply", "apply-two", { listOfLists: [{ name: "b", value: ["d"] }] }],
      ["update", "controller", { listOfLists: [{ name: "a" }, { name: "b", value: ["c", "d", "e"] }] }],
      ["apply", "apply-one", { listOfLists: [{ name: "a" }] }],
    ],
    object: { listOfLists: [{ name: "a" }, { name: "b", value: ["d", "e"] }] },
    managed: {
      "apply-one": ['.listOfLists[name="a"]', '.listOfLists[name="a"].name'],
      "apply-two": ['.listOfLists[name="b"]', '.listOfLists[name="b"].name', '.listOfLists[name="b"].value[="d"]'],
      controller: ['.listOfLists[name="b"].value[="e"]'],
    },
  },
};

for (const [name, c] of Object.entries(cases)) test(name, () => run(c));
