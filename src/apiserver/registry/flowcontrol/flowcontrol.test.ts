import { test } from "node:test";
import assert from "node:assert/strict";
import type { KObject } from "../../api/types.js";
import { created, edited, runCreate, runUpdate } from "../groupsupport/testing.js";
import { flowSchemaStrategy as fs } from "./flowschemas.js";
import { priorityLevelConfigurationStrategy as plc } from "./prioritylevelconfigurations.js";

test("priority level defaults and checks", () => {
  const level: KObject = { metadata: { name: "workload-low" }, spec: { type: "Limited", limited: { limitResponse: { type: "Queue", queuing: {} } } } };
  const { obj, errors } = runCreate(plc, level);
  assert.deepEqual(errors, []);
  assert.deepEqual(obj.spec, {
    type: "Limited",
    limited: { nominalConcurrencyShares: 30, lendablePercent: 0, limitResponse: { type: "Queue", queuing: { handSize: 8, queues: 64, queueLengthLimit: 50 } } },
  });
  assert.equal(obj.metadata.generation, 1);
  assert.deepEqual(runCreate(plc, { metadata: { name: "exempt" }, spec: { type: "Limited", limited: { lendablePercent: 101, limitResponse: { type: "Reject" } } } }).errors, [
    'spec.type: Invalid value: "Limited": type must be \'Exempt\' if and only if name is \'exempt\'',
    "spec.limited.lendablePercent: Invalid value: 101: must be between 0 and 100, inclusive",
  ]);
});

test("flow schema defaults, checks, status keeps metadata", () => {
  const schema: KObject = {
    metadata: { name: "probes" },
    spec: {
      priorityLevelConfiguration: { name: "exempt" },
      rules: [{ subjects: [{ kind: "Group", group: { name: "system:unauthenticated" } }], nonResourceRules: [{ verbs: ["get"], nonResourceURLs: ["/healthz"] }] }],
    },
  };
  const { obj, errors } = runCreate(fs, schema);
  assert.deepEqual(errors, []);
  assert.equal((obj.spec as Record<string, unknown>).matchingPrecedence, 1000);
  assert.deepEqual(runCreate(fs, edited(schema, { "spec.matchingPrecedence": 1, "spec.rules": [{ subjects: [{ kind: "Robot" }] }] })).errors, [
    "spec.matchingPrecedence: Invalid value: 1: only the schema named 'exempt' may have matchingPrecedence 1",
    'spec.rules[0].subjects[0].kind: Unsupported value: "Robot": supported values: "Group", "ServiceAccount", "User"',
    "spec.rules[0]: Required value: at least one of resourceRules and nonResourceRules has to be non-empty",
  ]);
  const stored = created(fs, schema);
  const st = runUpdate(fs, edited(stored, { "metadata.labels": { a: "b" }, status: { conditions: [] } }), stored, "status");
  assert.equal(st.obj.metadata.labels, undefined);
});
