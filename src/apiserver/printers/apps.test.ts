import { test } from "node:test";
import assert from "node:assert/strict";
import * as apps from "./apps.js";
import { cells, headers, k } from "./testing.js";

const template = { spec: { containers: [{ name: "web", image: "nginx:1.27" }, { name: "log", image: "busybox" }] } };

test("deployments: READY is ready/desired; the selector is the raw selector string", () => {
  assert.deepEqual(headers(apps.deployments), ["Name", "Ready", "Up-to-date", "Available", "Age", "Containers*", "Images*", "Selector*"]);
  const d = k("web", {
    spec: { replicas: 3, selector: { matchLabels: { app: "web" }, matchExpressions: [{ key: "tier", operator: "In", values: ["fe", "be"] }] }, template },
    status: { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
  });
  assert.deepEqual(cells(apps.deployments, d), ["web", "2/3", 3, 2, "5m", "web,log", "nginx:1.27,busybox", "app=web,tier in (be,fe)"]);
  assert.deepEqual(cells(apps.deployments, k("empty")), ["empty", "0/0", 0, 0, "5m", "", "", ""]);
  assert.equal(cells(apps.deployments, k("bad", { spec: { selector: { matchExpressions: [{ key: "a", operator: "Bogus" }] } } }))[7], "<invalid>");
});

test("replicasets and statefulsets", () => {
  assert.deepEqual(headers(apps.replicaSets), ["Name", "Desired", "Current", "Ready", "Age", "Containers*", "Images*", "Selector*"]);
  const rs = k("web-5d", { spec: { replicas: 2, selector: { matchLabels: { app: "web", "pod-template-hash": "5d" } }, template }, status: { replicas: 2, readyReplicas: 1 } });
  assert.deepEqual(cells(apps.replicaSets, rs), ["web-5d", 2, 2, 1, "5m", "web,log", "nginx:1.27,busybox", "app=web,pod-template-hash=5d"]);
  assert.equal(cells(apps.replicaSets, k("x"))[7], "<none>");
  assert.equal(cells(apps.replicaSets, k("x", { spec: { selector: {} } }))[7], "<none>");

  assert.deepEqual(headers(apps.statefulSets), ["Name", "Ready", "Age", "Containers*", "Images*"]);
  assert.deepEqual(cells(apps.statefulSets, k("db", { spec: { replicas: 3, template }, status: { readyReplicas: 3 } })), ["db", "3/3", "5m", "web,log", "nginx:1.27,busybox"]);
});

test("daemonsets", () => {
  assert.deepEqual(headers(apps.daemonSets), [
    "Name", "Desired", "Current", "Ready", "Up-to-date", "Available", "Node Selector", "Age", "Containers*", "Images*", "Selector*",
  ]);
  const ds = k("agent", {
    spec: { selector: { matchExpressions: [{ key: "app", operator: "Exists" }, { key: "canary", operator: "DoesNotExist" }] }, template: { spec: { nodeSelector: { "kubernetes.io/os": "linux" }, containers: [{ name: "a", image: "agent:1" }] } } },
    status: { desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 2, updatedNumberScheduled: 1, numberAvailable: 2 },
  });
  assert.deepEqual(cells(apps.daemonSets, ds), ["agent", 3, 3, 2, 1, 2, "kubernetes.io/os=linux", "5m", "a", "agent:1", "app,!canary"]);
  assert.equal(cells(apps.daemonSets, k("x"))[6], "<none>");
});

test("controllerrevisions", () => {
  assert.deepEqual(headers(apps.controllerRevisions), ["Name", "Controller", "Revision", "Age"]);
  const owned = (apiVersion: string, kind: string) =>
    k("r", { revision: 2 }, { ownerReferences: [{ apiVersion: "v1", kind: "Other", name: "x", uid: "1" }, { apiVersion, kind, name: "web", uid: "2", controller: true }] });
  assert.deepEqual(cells(apps.controllerRevisions, owned("apps/v1", "StatefulSet")), ["r", "statefulset.apps/web", 2, "5m"]);
  assert.equal(cells(apps.controllerRevisions, owned("v1", "Pod"))[1], "pod/web");
  assert.equal(cells(apps.controllerRevisions, k("r"))[1], "<none>");
});

test("poddisruptionbudgets", () => {
  assert.deepEqual(headers(apps.podDisruptionBudgets), ["Name", "Min Available", "Max Unavailable", "Allowed Disruptions", "Age"]);
  assert.deepEqual(cells(apps.podDisruptionBudgets, k("pdb", { spec: { minAvailable: 2 }, status: { disruptionsAllowed: 1 } })), ["pdb", "2", "N/A", 1, "5m"]);
  assert.deepEqual(cells(apps.podDisruptionBudgets, k("pdb", { spec: { maxUnavailable: "25%" } })), ["pdb", "N/A", "25%", 0, "5m"]);
});
