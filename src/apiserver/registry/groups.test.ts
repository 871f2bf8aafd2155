import { test } from "node:test";
import assert from "node:assert/strict";
import { catalog } from "./catalog.js";
import { groupStrategies } from "./groups.js";

test("every stored non-core resource in the catalog has a strategy, and nothing else does", () => {
  // Review kinds (tokenreviews, subjectaccessreviews, ...) are not stored and have no strategy here.
  const reviews = new Set(["authentication.k8s.io", "authorization.k8s.io"]);
  const served = new Set(catalog.filter((r) => r.group !== "" && !reviews.has(r.group)).map((r) => `${r.group}/${r.resource}`));
  const have = new Set(Object.entries(groupStrategies).flatMap(([g, table]) => Object.keys(table).map((r) => `${g}/${r}`)));
  assert.deepEqual([...served].filter((x) => !have.has(x)), []);
  assert.deepEqual([...have].filter((x) => !served.has(x)), []);
});

test("status and other subresources in the catalog have subresource strategies", () => {
  const missing: string[] = [];
  for (const r of catalog) {
    if (r.group === "") continue;
    const strategy = groupStrategies[r.group]?.[r.resource];
    if (!strategy) continue;
    for (const sub of r.subresources ?? []) {
      if (sub.name === "scale") continue; // the scale subresource is the handlers' (autoscaling/v1 Scale)
      if (!strategy.subresources?.[sub.name]) missing.push(`${r.group}/${r.resource}/${sub.name}`);
    }
  }
  assert.deepEqual(missing, []);
});
