import { test } from "node:test";
import assert from "node:assert/strict";
import type { KObject } from "../api/types.js";
import { defaultPrinter, printerFor, printers, scalePrinter } from "./index.js";
import { cells, headers, k, now } from "./testing.js";

// Every built-in resource kplane serves, by group, as kube-apiserver 1.32 prints it.
const withOwnPrinter = [
  "/pods", "/podtemplates", "/services", "/endpoints", "/nodes", "/events", "/namespaces", "/secrets", "/serviceaccounts",
  "/configmaps", "/componentstatuses", "/replicationcontrollers", "/resourcequotas", "/persistentvolumes", "/persistentvolumeclaims",
  "apps/deployments", "apps/replicasets", "apps/statefulsets", "apps/daemonsets", "apps/controllerrevisions",
  "batch/jobs", "batch/cronjobs", "autoscaling/horizontalpodautoscalers", "policy/poddisruptionbudgets",
  "rbac.authorization.k8s.io/rolebindings", "rbac.authorization.k8s.io/clusterrolebindings",
  "coordination.k8s.io/leases", "discovery.k8s.io/endpointslices",
  "networking.k8s.io/ingresses", "networking.k8s.io/ingressclasses", "networking.k8s.io/networkpolicies",
  "networking.k8s.io/servicecidrs", "networking.k8s.io/ipaddresses",
  "storage.k8s.io/storageclasses", "storage.k8s.io/volumeattachments", "storage.k8s.io/csidrivers", "storage.k8s.io/csinodes",
  "storage.k8s.io/csistoragecapacities", "scheduling.k8s.io/priorityclasses", "node.k8s.io/runtimeclasses", "events.k8s.io/events",
  "admissionregistration.k8s.io/mutatingwebhookconfigurations", "admissionregistration.k8s.io/validatingwebhookconfigurations",
  "admissionregistration.k8s.io/validatingadmissionpolicies", "admissionregistration.k8s.io/validatingadmissionpolicybindings",
  "certificates.k8s.io/certificatesigningrequests", "apiregistration.k8s.io/apiservices",
  "flowcontrol.apiserver.k8s.io/flowschemas", "flowcontrol.apiserver.k8s.io/prioritylevelconfigurations",
];
// kube gives these no printer of their own: they print Name and Created At.
const withDefaultPrinter = [
  "/limitranges", "rbac.authorization.k8s.io/roles", "rbac.authorization.k8s.io/clusterroles", "apiextensions.k8s.io/customresourcedefinitions",
];

test("every built-in resource has kube's printer", () => {
  for (const key of withOwnPrinter) {
    const [group, resource] = [key.slice(0, key.indexOf("/")), key.slice(key.indexOf("/") + 1)];
    assert.ok(printers.has(key), key);
    assert.notEqual(printerFor(group, resource), defaultPrinter, key);
  }
  for (const key of withDefaultPrinter) {
    const [group, resource] = [key.slice(0, key.indexOf("/")), key.slice(key.indexOf("/") + 1)];
    assert.equal(printerFor(group, resource), defaultPrinter, key);
  }
  assert.equal(printerFor("", "events"), printerFor("events.k8s.io", "events"));
});

test("printerFor: unknown resources and subresources", () => {
  assert.equal(printerFor("example.com", "widgets"), defaultPrinter);
  assert.equal(printerFor("apps", "deployments/scale"), scalePrinter);
  assert.equal(printerFor("", "replicationcontrollers/scale"), scalePrinter);
  assert.equal(printerFor("", "pods/status"), printers.get("/pods"));
});

test("the default printer: Name and Created At as an RFC 3339 date", () => {
  assert.deepEqual(headers(defaultPrinter), ["Name", "Created At"]);
  assert.equal(defaultPrinter.columns[0]!.format, "name");
  assert.equal(defaultPrinter.columns[1]!.type, "date");
  assert.deepEqual(cells(defaultPrinter, k("view", {}, { creationTimestamp: "2025-05-31T10:11:12Z" })), ["view", "2025-05-31T10:11:12Z"]);
  assert.deepEqual(cells(defaultPrinter, k("frac", {}, { creationTimestamp: "2025-05-31T10:11:12.999+02:00" })), ["frac", "2025-05-31T08:11:12Z"]);
  assert.deepEqual(cells(defaultPrinter, { metadata: { name: "new" } }), ["new", "0001-01-01T00:00:00Z"]);
});

test("the first column is the name column (except where kube says otherwise)", () => {
  const exceptions = new Set(["/events", "events.k8s.io/events", "storagemigration.k8s.io/storageversionmigrations"]);
  for (const [key, p] of printers) {
    if (exceptions.has(key)) continue;
    assert.deepEqual([p.columns[0]!.name, p.columns[0]!.format], ["Name", "name"], key);
  }
});

// Objects no validation would let through: wrong types everywhere, nulls, garbage times.
const malformed: KObject[] = [
  { metadata: {} },
  { metadata: { name: 5 as unknown as string, creationTimestamp: "yesterday" }, spec: "x", status: 7 },
  { metadata: null as unknown as KObject["metadata"], spec: null, status: null },
  {
    metadata: { name: "x", deletionTimestamp: "nope", labels: "a=b" as unknown as Record<string, string>, ownerReferences: [null] as never },
    apiVersion: "events.k8s.io/v1",
    spec: {
      containers: "nope", initContainers: [null, 3], ports: [null, 5], selector: { matchExpressions: "bad", matchLabels: [1] },
      metrics: [null, { type: "Resource" }, { type: "External", external: null }], template: [], readinessGates: [{}],
      rules: [null], tls: 3, capacity: { storage: { nested: true } }, paramRef: { selector: "x" }, limited: { limitResponse: null },
      parameters: 1, source: null, claimRef: "c", jobTemplate: null, podSelector: null, cidrs: "c", parentRef: 1,
    },
    status: {
      conditions: [null, "x", { type: "Ready" }], containerStatuses: [{ state: null, lastState: { terminated: 1 } }, null],
      initContainerStatuses: [{ state: { terminated: null, waiting: { reason: 7 } } }], hard: { cpu: { x: 1 } }, used: null,
      loadBalancer: { ingress: [null, { ip: 3 }] }, currentMetrics: "none", active: "a", allocation: null,
    },
    subsets: [{ addresses: [null], ports: [null] }], roleRef: 5, subjects: [null], webhooks: {}, data: "d", endpoints: [{ addresses: "a" }],
    involvedObject: "o", series: { count: "many" }, conditions: "c",
  },
];

test("no object breaks a printer: one cell per column, never a throw", () => {
  const all = [...printers.entries(), ["scale", scalePrinter] as const, ["default", defaultPrinter] as const];
  for (const [key, p] of all) {
    // kube fills an age cell for IPAddress beyond its two columns; we do the same.
    const width = key === "networking.k8s.io/ipaddresses" ? p.columns.length + 1 : p.columns.length;
    for (const o of malformed) {
      const row = p.row(o, now);
      assert.equal(row.cells.length, width, `${key}: ${JSON.stringify(o).slice(0, 60)}`);
      for (const cell of row.cells) assert.ok(["string", "number", "boolean"].includes(typeof cell), `${key}: cell ${String(cell)}`);
    }
  }
});

test("integer columns hold numbers and boolean columns booleans", () => {
  for (const [key, p] of printers) {
    const row = p.row(k("x"), now);
    p.columns.forEach((c, i) => {
      if (c.type === "integer") assert.equal(typeof row.cells[i], "number", `${key} ${c.name}`);
      // kube's CronJob Suspend column is boolean-typed but holds "True"/"False"/"<unset>".
      if (c.type === "boolean" && key !== "batch/cronjobs") assert.equal(typeof row.cells[i], "boolean", `${key} ${c.name}`);
    });
  }
});
