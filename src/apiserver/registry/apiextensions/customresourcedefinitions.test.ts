import { test } from "node:test";
import assert from "node:assert/strict";
import type { KObject } from "../../api/types.js";
import { created, edited, runCreate, runUpdate } from "../groupsupport/testing.js";
import { customResourceDefinitionStrategy as crd } from "./customresourcedefinitions.js";

const widgets: KObject = {
  metadata: { name: "widgets.example.com" },
  spec: {
    group: "example.com",
    scope: "Namespaced",
    names: { plural: "widgets", kind: "Widget" },
    versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object" } } }],
  },
};

test("crd defaults, status and generation", () => {
  const { obj, errors } = runCreate(crd, widgets);
  assert.deepEqual(errors, []);
  const spec = obj.spec as Record<string, unknown>;
  assert.deepEqual(spec.names, { plural: "widgets", kind: "Widget", singular: "widget", listKind: "WidgetList" });
  assert.deepEqual(spec.conversion, { strategy: "None" });
  assert.deepEqual(obj.status, { acceptedNames: { kind: "", plural: "" }, conditions: null, storedVersions: ["v1"] });
  assert.equal(obj.metadata.generation, 1);
  assert.equal(crd.allowUnconditionalUpdate, false);
});

test("crd validation essentials", () => {
  assert.deepEqual(runCreate(crd, edited(widgets, { "metadata.name": "widgets", "spec.group": "example", "spec.versions": [] })).errors, [
    'metadata.name: Invalid value: "widgets": must be spec.names.plural+"."+spec.group',
    'spec.group: Invalid value: "example": should be a domain with at least one dot',
    "spec.versions: Invalid value: []apiextensions.CustomResourceDefinitionVersion(nil): must have exactly one version marked as storage version",
    "status.storedVersions: Invalid value: []string(nil): must have at least one stored version",
  ]);
  assert.deepEqual(runCreate(crd, edited(widgets, { "spec.versions": [{ name: "v1", served: true, storage: true }], "spec.scope": "Galaxy" })).errors, [
    'spec.scope: Unsupported value: "Galaxy": supported values: "Cluster", "Namespaced"',
    "spec.versions[0].schema.openAPIV3Schema: Required value: schemas are required",
  ]);
  assert.deepEqual(runCreate(crd, edited(widgets, { "metadata.name": "widgets.x.k8s.io", "spec.group": "x.k8s.io" })).errors, [
    'metadata.annotations[api-approved.kubernetes.io]: Required value: protected groups must have approval annotation "api-approved.kubernetes.io", see https://github.com/kubernetes/enhancements/pull/1111',
  ]);
});

test("crd updates: new storage versions are recorded, group is immutable", () => {
  const stored = created(crd, widgets);
  const v2 = runUpdate(
    crd,
    edited(stored, {
      "spec.versions": [
        { name: "v1", served: true, storage: false, schema: { openAPIV3Schema: { type: "object" } } },
        { name: "v2", served: true, storage: true, schema: { openAPIV3Schema: { type: "object" } } },
      ],
    }),
    stored,
  );
  assert.deepEqual(v2.errors, []);
  assert.deepEqual((v2.obj.status as Record<string, unknown>).storedVersions, ["v1", "v2"]);
  assert.equal(v2.obj.metadata.generation, 2);
  const moved = runUpdate(crd, edited(stored, { "spec.group": "other.com", "metadata.name": "widgets.other.com" }), stored);
  assert.ok(moved.errors.includes('spec.group: Invalid value: "other.com": field is immutable'));
});
