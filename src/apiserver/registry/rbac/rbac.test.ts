import { test } from "node:test";
import assert from "node:assert/strict";
import type { KObject } from "../../api/types.js";
import { created, edited, runCreate, runUpdate } from "../groupsupport/testing.js";
import { clusterRoleBindingStrategy } from "./clusterrolebindings.js";
import { clusterRoleStrategy } from "./clusterroles.js";
import { roleBindingStrategy } from "./rolebindings.js";
import { roleStrategy } from "./roles.js";

const role: KObject = { metadata: { name: "reader" }, rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get"] }] };

test("role rules", () => {
  assert.deepEqual(runCreate(roleStrategy, role).errors, []);
  assert.deepEqual(runCreate(roleStrategy, edited(role, { rules: [{}] })).errors, [
    "rules[0].verbs: Required value: verbs must contain at least one value",
    "rules[0].apiGroups: Required value: resource rules must supply at least one api group",
    "rules[0].resources: Required value: resource rules must supply at least one resource",
  ]);
  assert.deepEqual(runCreate(roleStrategy, edited(role, { rules: [{ verbs: ["get"], nonResourceURLs: ["/healthz"], resources: ["pods"] }] })).errors, [
    'rules[0].nonResourceURLs: Invalid value: []string{"/healthz"}: namespaced rules cannot apply to non-resource URLs',
    'rules[0].nonResourceURLs: Invalid value: []string{"/healthz"}: rules cannot apply to both regular resources and non-resource URLs',
  ]);
  assert.equal(roleStrategy.allowCreateOnUpdate, true);
});

test("cluster roles allow non-resource URLs and check aggregation", () => {
  assert.deepEqual(runCreate(clusterRoleStrategy, { metadata: { name: "h" }, rules: [{ verbs: ["get"], nonResourceURLs: ["/healthz"] }] }).errors, []);
  assert.deepEqual(runCreate(clusterRoleStrategy, { metadata: { name: "agg" }, aggregationRule: {} }).errors, [
    "aggregationRule.clusterRoleSelectors: Required value: at least one clusterRoleSelector required if aggregationRule is non-nil",
  ]);
});

const binding: KObject = {
  metadata: { name: "read-pods" },
  roleRef: { kind: "Role", name: "reader" },
  subjects: [{ kind: "User", name: "jane" }, { kind: "ServiceAccount", name: "default" }, { kind: "Group", name: "devs" }],
};

test("binding defaults fill API groups", () => {
  const { obj, errors } = runCreate(roleBindingStrategy, binding);
  assert.deepEqual(errors, []);
  assert.deepEqual(obj.roleRef, { kind: "Role", name: "reader", apiGroup: "rbac.authorization.k8s.io" });
  assert.deepEqual(obj.subjects, [
    { kind: "User", name: "jane", apiGroup: "rbac.authorization.k8s.io" },
    { kind: "ServiceAccount", name: "default", apiGroup: "" },
    { kind: "Group", name: "devs", apiGroup: "rbac.authorization.k8s.io" },
  ]);
});

test("binding validation", () => {
  assert.deepEqual(runCreate(roleBindingStrategy, edited(binding, { roleRef: { kind: "Pod", apiGroup: "x" }, subjects: [{ kind: "Robot" }] })).errors, [
    'roleRef.apiGroup: Unsupported value: "x": supported values: "rbac.authorization.k8s.io"',
    'roleRef.kind: Unsupported value: "Pod": supported values: "Role", "ClusterRole"',
    "roleRef.name: Required value",
    "subjects[0].name: Required value",
    'subjects[0].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"',
  ]);
  assert.deepEqual(
    runCreate(clusterRoleBindingStrategy, { metadata: { name: "b" }, roleRef: { kind: "Role", name: "r" }, subjects: [{ kind: "ServiceAccount", name: "sa" }] }).errors,
    ['roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"', "subjects[0].namespace: Required value"],
  );
});

test("roleRef cannot change", () => {
  const stored = created(roleBindingStrategy, binding);
  assert.deepEqual(runUpdate(roleBindingStrategy, edited(stored, { "roleRef.name": "writer" }), stored).errors, [
    'roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"Role", Name:"writer"}: cannot change roleRef',
  ]);
  assert.deepEqual(runUpdate(roleBindingStrategy, edited(stored, { subjects: [] }), stored).errors, []);
});
