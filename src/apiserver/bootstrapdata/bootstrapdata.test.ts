import { test } from "node:test";
import assert from "node:assert/strict";
import type { KObject } from "../api/types.js";
import { catalog } from "../registry/catalog.js";
import { strategyFor } from "../registry/index.js";
import { ResourceStore } from "../registry/store.js";
import type { Storage } from "../storage/interface.js";
import { formatFieldError, validateObjectMeta, validatePathSegmentName } from "../validation/index.js";
import {
  bootstrapClusterRoleBindings, bootstrapClusterRoles, bootstrapFlowSchemas, bootstrapPriorityLevelConfigurations,
  bootstrapRoleBindings, bootstrapRoles, localAPIServices, type PolicyRule,
} from "./index.js";

const byName = (objs: KObject[]): Map<string, KObject> => new Map(objs.map((o) => [o.metadata.name ?? "", o]));
const rulesOf = (o: KObject | undefined): PolicyRule[] => (o?.rules as PolicyRule[] | undefined) ?? [];

/** The controller roles a 1.32 cluster has (default feature gates). */
const controllerNames = [
  "attachdetach-controller", "certificate-controller", "clusterrole-aggregation-controller", "cronjob-controller",
  "daemon-set-controller", "deployment-controller", "disruption-controller", "endpoint-controller",
  "endpointslice-controller", "endpointslicemirroring-controller", "ephemeral-volume-controller", "expand-controller",
  "generic-garbage-collector", "horizontal-pod-autoscaler", "job-controller", "legacy-service-account-token-cleaner",
  "namespace-controller", "node-controller", "persistent-volume-binder", "pod-garbage-collector",
  "pv-protection-controller", "pvc-protection-controller", "replicaset-controller", "replication-controller",
  "resourcequota-controller", "root-ca-cert-publisher", "route-controller", "service-account-controller",
  "service-controller", "statefulset-controller", "ttl-after-finished-controller", "ttl-controller",
  "validatingadmissionpolicy-status-controller",
].map((n) => `system:controller:${n}`);

test("a 1.32 cluster's RBAC objects, by count and name", () => {
  const roles = bootstrapClusterRoles();
  assert.equal(roles.length, 64);
  assert.equal(byName(roles).size, 64, "names are unique");
  const controllers = roles.map((r) => r.metadata.name ?? "").filter((n) => n.startsWith("system:controller:"));
  assert.deepEqual(controllers.sort(), controllerNames);
  for (const name of ["admin", "edit", "view", "cluster-admin", "system:discovery", "system:basic-user", "system:public-info-viewer",
    "system:monitoring", "system:node", "system:kube-scheduler", "system:kube-controller-manager", "system:volume-scheduler",
    "system:certificates.k8s.io:kubelet-serving-approver", "system:service-account-issuer-discovery"]) {
    assert.ok(byName(roles).has(name), name);
  }
  const bindings = bootstrapClusterRoleBindings();
  assert.equal(bindings.length, 12 + 33);
  assert.equal(byName(bindings).size, bindings.length);
  assert.equal(bootstrapRoles().length, 7);
  assert.equal(bootstrapRoleBindings().length, 7);
  assert.deepEqual([...new Set(bootstrapRoles().map((r) => r.namespace))].sort(), ["kube-public", "kube-system"]);
});

test("every RBAC object carries the bootstrap label and autoupdate annotation, rules in normal form", () => {
  const all = [...bootstrapClusterRoles(), ...bootstrapClusterRoleBindings(), ...bootstrapRoles().map((r) => r.obj), ...bootstrapRoleBindings().map((r) => r.obj)];
  for (const o of all) {
    assert.equal(o.apiVersion, "rbac.authorization.k8s.io/v1");
    assert.equal(o.metadata.labels?.["kubernetes.io/bootstrapping"], "rbac-defaults", o.metadata.name);
    assert.equal(o.metadata.annotations?.["rbac.authorization.kubernetes.io/autoupdate"], "true", o.metadata.name);
    for (const r of rulesOf(o)) {
      for (const list of [r.verbs, r.apiGroups, r.resources, r.resourceNames, r.nonResourceURLs]) {
        if (list) assert.deepEqual(list, [...list].sort(), `${o.metadata.name}: sorted`);
      }
    }
  }
});

test("cluster-admin, discovery and the aggregated admin/edit/view", () => {
  const roles = byName(bootstrapClusterRoles());
  assert.deepEqual(rulesOf(roles.get("cluster-admin")), [
    { verbs: ["*"], apiGroups: ["*"], resources: ["*"] },
    { verbs: ["*"], nonResourceURLs: ["*"] },
  ]);
  assert.deepEqual(rulesOf(roles.get("system:public-info-viewer")), [{ verbs: ["get"], nonResourceURLs: ["/healthz", "/livez", "/readyz", "/version", "/version/"] }]);
  assert.deepEqual(roles.get("view")?.aggregationRule, { clusterRoleSelectors: [{ matchLabels: { "rbac.authorization.k8s.io/aggregate-to-view": "true" } }] });
  assert.equal(roles.get("view")?.metadata.labels?.["rbac.authorization.k8s.io/aggregate-to-edit"], "true");
  assert.equal(roles.get("edit")?.metadata.labels?.["rbac.authorization.k8s.io/aggregate-to-admin"], "true");

  const view = rulesOf(roles.get("view"));
  const edit = rulesOf(roles.get("edit"));
  const admin = rulesOf(roles.get("admin"));
  const aggView = rulesOf(roles.get("system:aggregate-to-view"));
  const aggEdit = rulesOf(roles.get("system:aggregate-to-edit"));
  const aggAdmin = rulesOf(roles.get("system:aggregate-to-admin"));
  // The aggregation controller's result: matched roles in name order, each rule once.
  assert.deepEqual(view, aggView);
  assert.deepEqual(edit, [...aggEdit, ...aggView]);
  assert.deepEqual(admin, [...aggEdit, ...aggView, ...aggAdmin]);
  assert.equal(view.length, 10);
  assert.equal(edit.length, 23);
  assert.equal(admin.length, 25);

  const allows = (rules: PolicyRule[], verb: string, grp: string, resource: string): boolean =>
    rules.some((r) => r.verbs.includes(verb) && r.apiGroups?.includes(grp) && r.resources?.includes(resource));
  assert.ok(allows(view, "get", "", "pods/log"));
  assert.ok(allows(view, "watch", "apps", "deployments/scale"));
  assert.ok(!allows(view, "get", "", "secrets"), "view must not read secrets");
  assert.ok(allows(edit, "get", "", "secrets"));
  assert.ok(allows(edit, "create", "", "pods/exec"));
  assert.ok(!allows(edit, "create", "rbac.authorization.k8s.io", "rolebindings"), "edit may not grant");
  assert.ok(allows(admin, "create", "rbac.authorization.k8s.io", "rolebindings"));
  assert.ok(allows(admin, "create", "authorization.k8s.io", "localsubjectaccessreviews"));
});

test("bindings: who gets what, and every roleRef exists", () => {
  const roles = byName(bootstrapClusterRoles());
  const bindings = byName(bootstrapClusterRoleBindings());
  const subjects = (name: string): unknown => bindings.get(name)?.subjects;
  assert.deepEqual(subjects("cluster-admin"), [{ kind: "Group", apiGroup: "rbac.authorization.k8s.io", name: "system:masters" }]);
  assert.deepEqual(subjects("system:discovery"), [{ kind: "Group", apiGroup: "rbac.authorization.k8s.io", name: "system:authenticated" }]);
  assert.deepEqual(subjects("system:basic-user"), subjects("system:discovery"));
  assert.deepEqual(subjects("system:public-info-viewer"), [
    { kind: "Group", apiGroup: "rbac.authorization.k8s.io", name: "system:authenticated" },
    { kind: "Group", apiGroup: "rbac.authorization.k8s.io", name: "system:unauthenticated" },
  ]);
  assert.equal(subjects("system:node"), undefined, "the Node authorizer serves nodes");
  assert.deepEqual(subjects("system:controller:job-controller"), [{ kind: "ServiceAccount", name: "job-controller", namespace: "kube-system" }]);
  for (const b of bindings.values()) {
    const ref = b.roleRef as { kind: string; name: string };
    assert.equal(ref.kind, "ClusterRole");
    assert.ok(roles.has(ref.name), `${b.metadata.name} -> ${ref.name}`);
  }
  const nsRoles = new Set(bootstrapRoles().map((r) => `${r.namespace}/${r.obj.metadata.name}`));
  for (const { namespace, obj } of bootstrapRoleBindings()) {
    assert.equal(obj.metadata.namespace, namespace);
    assert.ok(nsRoles.has(`${namespace}/${(obj.roleRef as { name: string }).name}`), obj.metadata.name);
  }
});

test("APF: the mandatory and suggested configuration", () => {
  const levels = byName(bootstrapPriorityLevelConfigurations());
  const schemas = byName(bootstrapFlowSchemas());
  assert.deepEqual([...levels.keys()].sort(), ["catch-all", "exempt", "global-default", "leader-election", "node-high", "system", "workload-high", "workload-low"]);
  assert.equal(schemas.size, 13);
  for (const o of [...levels.values(), ...schemas.values()]) {
    assert.equal(o.apiVersion, "flowcontrol.apiserver.k8s.io/v1");
    assert.deepEqual(o.metadata.annotations, { "apf.kubernetes.io/autoupdate-spec": "true" });
  }
  for (const s of schemas.values()) {
    const spec = s.spec as { priorityLevelConfiguration: { name: string } };
    assert.ok(levels.has(spec.priorityLevelConfiguration.name), s.metadata.name);
  }
  assert.deepEqual(levels.get("exempt")?.spec, { type: "Exempt", exempt: { nominalConcurrencyShares: 0, lendablePercent: 0 } });
  assert.deepEqual(schemas.get("exempt")?.spec, {
    priorityLevelConfiguration: { name: "exempt" },
    matchingPrecedence: 1,
    rules: [{
      subjects: [{ kind: "Group", group: { name: "system:masters" } }],
      resourceRules: [{ verbs: ["*"], apiGroups: ["*"], resources: ["*"], clusterScope: true, namespaces: ["*"] }],
      nonResourceRules: [{ verbs: ["*"], nonResourceURLs: ["*"] }],
    }],
  });
  // kube's objects are already in defaulted form: defaulting changes nothing.
  for (const [resource, objs] of [["prioritylevelconfigurations", levels], ["flowschemas", schemas]] as const) {
    for (const o of objs.values()) {
      const copy = structuredClone(o);
      strategyFor("flowcontrol.apiserver.k8s.io", resource).defaults?.(copy);
      assert.deepEqual(copy, o, `${resource}/${o.metadata.name}`);
    }
  }
});

test("local APIServices: names, priorities, availability", () => {
  const now = new Date("2025-01-02T03:04:05.678Z");
  const services = localAPIServices([
    { group: "", version: "v1" }, { group: "apps", version: "v1" }, { group: "autoscaling", version: "v2" },
    { group: "autoscaling", version: "v1" }, { group: "apps", version: "v1" }, { group: "example.com", version: "v1" },
  ], now);
  assert.deepEqual(services.map((s) => s.metadata.name), ["v1.", "v1.apps", "v2.autoscaling", "v1.autoscaling"]);
  assert.deepEqual(services[0], {
    apiVersion: "apiregistration.k8s.io/v1",
    kind: "APIService",
    metadata: { name: "v1.", labels: { "kube-aggregator.kubernetes.io/automanaged": "onstart" } },
    spec: { version: "v1", groupPriorityMinimum: 18000, versionPriority: 1 },
    status: { conditions: [{ type: "Available", status: "True", lastTransitionTime: "2025-01-02T03:04:05Z", reason: "Local", message: "Local APIServices are always available" }] },
  });
  assert.deepEqual(services[1]?.spec, { group: "apps", version: "v1", groupPriorityMinimum: 17800, versionPriority: 15 });
  assert.deepEqual(services[2]?.spec, { group: "autoscaling", version: "v2", groupPriorityMinimum: 17500, versionPriority: 30 });
});

test("every group-version the catalog serves has a priority that orders /apis as the catalog does", () => {
  const gvs = [...new Map(catalog.map((r) => [`${r.group}/${r.version}`, { group: r.group, version: r.version }])).values()];
  const services = localAPIServices(gvs);
  const named = new Set(services.map((s) => s.metadata.name));
  // The aggregator's own group has no APIService of its own in kube either.
  const missing = gvs.filter((gv) => gv.group !== "apiregistration.k8s.io" && !named.has(`${gv.version}.${gv.group}`));
  assert.deepEqual(missing, []);
  // Groups by descending groupPriorityMinimum, ties by name: the catalog's groupOrder after apiregistration.
  const groups = new Map<string, number>();
  for (const s of services) {
    const spec = s.spec as { group?: string; groupPriorityMinimum: number };
    if (spec.group) groups.set(spec.group, Math.max(groups.get(spec.group) ?? 0, spec.groupPriorityMinimum));
  }
  const ordered = [...groups].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([g]) => g);
  const catalogOrder = [...new Set(catalog.map((r) => r.group))].filter((g) => groups.has(g));
  assert.deepEqual(ordered, catalogOrder);
});

/** A storage that accepts every create: enough to run the registry's create path. */
function acceptingStorage(): Storage {
  const impl = { create: async (_key: string, obj: KObject) => structuredClone(obj) };
  return impl as unknown as Storage;
}

function storeFor(group: string, resource: string): ResourceStore {
  const info = catalog.find((r) => r.group === group && r.resource === resource);
  assert.ok(info, `${group}/${resource} in the catalog`);
  return new ResourceStore(info, strategyFor(group, resource), { storage: acceptingStorage(), clock: () => new Date("2025-01-01T00:00:00Z") });
}

test("every object passes the registry's create path (defaults, prepare, ObjectMeta and kind validation)", async () => {
  const cases: [string, string, string, KObject][] = [
    ...bootstrapClusterRoles().map((o): [string, string, string, KObject] => ["rbac.authorization.k8s.io", "clusterroles", "", o]),
    ...bootstrapClusterRoleBindings().map((o): [string, string, string, KObject] => ["rbac.authorization.k8s.io", "clusterrolebindings", "", o]),
    ...bootstrapRoles().map((r): [string, string, string, KObject] => ["rbac.authorization.k8s.io", "roles", r.namespace, r.obj]),
    ...bootstrapRoleBindings().map((r): [string, string, string, KObject] => ["rbac.authorization.k8s.io", "rolebindings", r.namespace, r.obj]),
    ...bootstrapFlowSchemas().map((o): [string, string, string, KObject] => ["flowcontrol.apiserver.k8s.io", "flowschemas", "", o]),
    ...bootstrapPriorityLevelConfigurations().map((o): [string, string, string, KObject] => ["flowcontrol.apiserver.k8s.io", "prioritylevelconfigurations", "", o]),
  ];
  const stores = new Map<string, ResourceStore>();
  for (const [group, resource, namespace, obj] of cases) {
    const key = `${group}/${resource}`;
    const store = stores.get(key) ?? storeFor(group, resource);
    stores.set(key, store);
    const created = await store.create(namespace, structuredClone(obj), { dryRun: false });
    assert.equal(created.metadata.name, obj.metadata.name);
  }
  assert.equal(stores.size, 6);
});

test("local APIServices pass APIService validation (kube checks their names as path segments)", () => {
  const gvs = [...new Map(catalog.map((r) => [`${r.group}/${r.version}`, { group: r.group, version: r.version }])).values()];
  const strategy = strategyFor("apiregistration.k8s.io", "apiservices");
  for (const svc of localAPIServices(gvs)) {
    const obj = structuredClone(svc);
    strategy.defaults?.(obj);
    const errs = [
      ...validateObjectMeta(obj.metadata, { namespaced: false, nameFn: validatePathSegmentName }),
      ...(strategy.validate?.(obj, { now: new Date(), dryRun: false }) ?? []),
    ];
    assert.deepEqual(errs.map(formatFieldError), [], obj.metadata.name);
  }
});
