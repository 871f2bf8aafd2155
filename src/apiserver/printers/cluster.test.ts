import { test } from "node:test";
import assert from "node:assert/strict";
import * as cluster from "./cluster.js";
import { ago, cells, headers, HOUR, k, SEC } from "./testing.js";

test("rolebindings and clusterrolebindings", () => {
  for (const p of [cluster.roleBindings, cluster.clusterRoleBindings]) {
    assert.deepEqual(headers(p), ["Name", "Role", "Age", "Users*", "Groups*", "ServiceAccounts*"]);
  }
  const rb = k("rb", {
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "view" },
    subjects: [
      { kind: "User", name: "alice" },
      { kind: "Group", name: "devs" },
      { kind: "ServiceAccount", namespace: "ci", name: "bot" },
      { kind: "User", name: "bob" },
      { kind: "Robot", name: "r2" },
    ],
  });
  assert.deepEqual(cells(cluster.roleBindings, rb), ["rb", "ClusterRole/view", "5m", "alice, bob", "devs", "ci/bot"]);
  assert.deepEqual(cells(cluster.clusterRoleBindings, k("x")), ["x", "/", "5m", "", "", ""]);
});

test("leases, leasecandidates, priorityclasses, runtimeclasses", () => {
  assert.deepEqual(cells(cluster.leases, k("kube-scheduler", { spec: { holderIdentity: "node-1_abc" } })), ["kube-scheduler", "node-1_abc", "5m"]);
  assert.deepEqual(cells(cluster.leases, k("x")), ["x", "", "5m"]);
  assert.deepEqual(
    cells(cluster.leaseCandidates, k("c", { spec: { leaseName: "kube-scheduler", binaryVersion: "1.32.0", emulationVersion: "1.32.0" } })),
    ["c", "kube-scheduler", "1.32.0", "1.32.0", "5m"],
  );
  assert.deepEqual(headers(cluster.priorityClasses), ["Name", "Value", "Global-Default", "Age", "PreemptionPolicy"]);
  assert.deepEqual(cells(cluster.priorityClasses, k("system-cluster-critical", { value: 2000000000, preemptionPolicy: "PreemptLowerPriority" })), ["system-cluster-critical", 2000000000, false, "5m", "PreemptLowerPriority"]);
  assert.deepEqual(cells(cluster.priorityClasses, k("d", { value: -5, globalDefault: true })), ["d", -5, true, "5m", ""]);
  assert.deepEqual(cells(cluster.runtimeClasses, k("gvisor", { handler: "runsc" })), ["gvisor", "runsc", "5m"]);
});

test("certificatesigningrequests", () => {
  assert.deepEqual(headers(cluster.certificateSigningRequests), ["Name", "Age", "SignerName", "Requestor", "RequestedDuration", "Condition"]);
  const csr = (spec: Record<string, unknown>, status: Record<string, unknown> = {}) => cells(cluster.certificateSigningRequests, k("csr", { spec, status }));
  assert.deepEqual(
    csr({ signerName: "kubernetes.io/kube-apiserver-client", username: "alice", expirationSeconds: 86400 }, { conditions: [{ type: "Approved", status: "True" }], certificate: "LS0t" }),
    ["csr", "5m", "kubernetes.io/kube-apiserver-client", "alice", "24h", "Approved,Issued"],
  );
  assert.deepEqual(csr({}), ["csr", "5m", "<none>", "", "<none>", "Pending"]);
  assert.equal(csr({}, { conditions: [{ type: "Approved" }, { type: "Denied" }, { type: "Failed" }] })[5], "Denied,Failed");
  assert.equal(csr({ expirationSeconds: 600 })[4], "10m");
  assert.deepEqual(cells(cluster.clusterTrustBundles, k("b", { spec: { signerName: "example.com/x" } })), ["b", "example.com/x"]);
});

test("webhook configurations and admission policies", () => {
  assert.deepEqual(cells(cluster.mutatingWebhookConfigurations, k("m", { webhooks: [{}, {}] })), ["m", 2, "5m"]);
  assert.deepEqual(cells(cluster.validatingWebhookConfigurations, k("v")), ["v", 0, "5m"]);

  assert.deepEqual(headers(cluster.validatingAdmissionPolicies), ["Name", "Validations", "ParamKind", "Age"]);
  assert.deepEqual(
    cells(cluster.validatingAdmissionPolicies, k("p", { spec: { validations: [{ expression: "true" }], paramKind: { apiVersion: "v1", kind: "ConfigMap" } } })),
    ["p", 1, "v1/ConfigMap", "5m"],
  );
  assert.deepEqual(cells(cluster.validatingAdmissionPolicies, k("p")), ["p", 0, "<unset>", "5m"]);
  assert.deepEqual(headers(cluster.mutatingAdmissionPolicies), ["Name", "Mutations", "ParamKind", "Age"]);
  assert.deepEqual(cells(cluster.mutatingAdmissionPolicies, k("m", { spec: { mutations: [{}, {}] } })), ["m", 2, "<unset>", "5m"]);

  assert.deepEqual(headers(cluster.validatingAdmissionPolicyBindings), ["Name", "PolicyName", "ParamRef", "Age"]);
  const binding = (paramRef?: unknown) => cells(cluster.validatingAdmissionPolicyBindings, k("b", { spec: { policyName: "p", paramRef } }));
  assert.deepEqual(binding({ name: "cfg", namespace: "ns" }), ["b", "p", "ns/cfg", "5m"]);
  assert.equal(binding({ name: "cfg" })[2], "*/cfg");
  assert.equal(binding()[2], "<unset>");
  assert.equal(
    binding({ selector: { matchLabels: { b: "2", a: "1" }, matchExpressions: [{ key: "env", operator: "In", values: ["prod", "dev"] }] } })[2],
    "&LabelSelector{MatchLabels:map[string]string{a: 1,b: 2,},MatchExpressions:[]LabelSelectorRequirement{LabelSelectorRequirement{Key:env,Operator:In,Values:[prod dev],},},}",
  );
  assert.equal(binding({ selector: {} })[2], "&LabelSelector{MatchLabels:map[string]string{},MatchExpressions:[]LabelSelectorRequirement{},}");
});

test("flowschemas and prioritylevelconfigurations", () => {
  assert.deepEqual(headers(cluster.flowSchemas), ["Name", "PriorityLevel", "MatchingPrecedence", "DistinguisherMethod", "Age", "MissingPL"]);
  const fs = k("system-nodes", {
    spec: { priorityLevelConfiguration: { name: "system" }, matchingPrecedence: 500, distinguisherMethod: { type: "ByUser" } },
    status: { conditions: [{ type: "Dangling", status: "False" }] },
  });
  assert.deepEqual(cells(cluster.flowSchemas, fs), ["system-nodes", "system", 500, "ByUser", "5m", "False"]);
  assert.deepEqual(cells(cluster.flowSchemas, k("x")), ["x", "", 0, "<none>", "5m", "?"]);

  assert.deepEqual(headers(cluster.priorityLevelConfigurations), ["Name", "Type", "NominalConcurrencyShares", "Queues", "HandSize", "QueueLengthLimit", "Age"]);
  const limited = k("workload-low", {
    spec: { type: "Limited", limited: { nominalConcurrencyShares: 100, limitResponse: { type: "Queue", queuing: { queues: 128, handSize: 6, queueLengthLimit: 50 } } } },
  });
  assert.deepEqual(cells(cluster.priorityLevelConfigurations, limited), ["workload-low", "Limited", 100, 128, 6, 50, "5m"]);
  const reject = k("catch-all", { spec: { type: "Limited", limited: { nominalConcurrencyShares: 5, limitResponse: { type: "Reject" } } } });
  assert.deepEqual(cells(cluster.priorityLevelConfigurations, reject), ["catch-all", "Limited", 5, "<none>", "<none>", "<none>", "5m"]);
  assert.deepEqual(cells(cluster.priorityLevelConfigurations, k("exempt", { spec: { type: "Exempt", exempt: {} } })), ["exempt", "Exempt", "<none>", "<none>", "<none>", "<none>", "5m"]);
});

test("apiservices", () => {
  assert.deepEqual(headers(cluster.apiServices), ["Name", "Service", "Available", "Age"]);
  assert.deepEqual(cells(cluster.apiServices, k("v1.apps", { spec: {}, status: { conditions: [{ type: "Available", status: "True", reason: "Local" }] } })), ["v1.apps", "Local", "True", "5m"]);
  const remote = k("v1beta1.metrics.k8s.io", { spec: { service: { namespace: "kube-system", name: "metrics-server" } }, status: { conditions: [{ type: "Available", status: "False", reason: "MissingEndpoints" }] } });
  assert.deepEqual(cells(cluster.apiServices, remote), ["v1beta1.metrics.k8s.io", "kube-system/metrics-server", "False (MissingEndpoints)", "5m"]);
  assert.equal(cells(cluster.apiServices, k("x"))[2], "Unknown");
});

test("resource.k8s.io", () => {
  assert.deepEqual(cells(cluster.deviceClasses, k("gpu")), ["gpu", "5m"]);
  assert.deepEqual(cells(cluster.resourceClaimTemplates, k("t")), ["t", "5m"]);
  const claim = (status: Record<string, unknown>, meta: Record<string, unknown> = {}) => cells(cluster.resourceClaims, k("c", { status }, meta))[1];
  assert.equal(claim({}), "pending");
  assert.equal(claim({ allocation: {} }), "allocated");
  assert.equal(claim({ allocation: {}, reservedFor: [{ name: "p" }] }), "allocated,reserved");
  assert.equal(claim({}, { deletionTimestamp: ago(SEC) }), "deleted");
  assert.equal(claim({ allocation: {} }, { deletionTimestamp: ago(SEC) }), "deleted,allocated");
  assert.deepEqual(cells(cluster.resourceSlices, k("s", { spec: { nodeName: "n1", driver: "gpu.example.com", pool: { name: "n1" } } })), ["s", "n1", "gpu.example.com", "n1", "5m"]);
});

test("storageversions and storageversionmigrations", () => {
  const sv = k("apps.deployments", { status: { commonEncodingVersion: "apps/v1", storageVersions: [{ apiServerID: "a", encodingVersion: "apps/v1" }] } }, { creationTimestamp: ago(3 * HOUR) });
  assert.deepEqual(cells(cluster.storageVersions, sv), ["apps.deployments", "apps/v1", "a=apps/v1", "3h"]);
  assert.deepEqual(cells(cluster.storageVersions, k("x")), ["x", "<unset>", "<unset>", "5m"]);
  assert.equal(cluster.storageVersionMigrations.columns[0]!.format, "");
  assert.deepEqual(cells(cluster.storageVersionMigrations, k("m", { spec: { resource: { group: "apps", version: "v1", resource: "deployments" } } })), ["m", "deployments.v1.apps"]);
});
