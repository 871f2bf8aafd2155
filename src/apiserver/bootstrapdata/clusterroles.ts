/**
 * The cluster roles and cluster role bindings of kube 1.32's bootstrap policy (bootstrappolicy
 * policy.go) as its default feature gates produce them, without the controller roles.
 */
import type { KObject } from "../api/types.js";
import {
  clusterRole, clusterRoleBinding, eventsRule, group, read, readWrite, rule, serviceAccount, urlRule, user, write,
  type PolicyRule,
} from "./rules.js";

const aggregateTo = (role: "admin" | "edit" | "view"): Record<string, string> => ({ [`rbac.authorization.k8s.io/aggregate-to-${role}`]: "true" });

/** admin, edit and view hold no rules of their own: the aggregation controller fills them from their selector. */
function aggregated(name: string, selects: "admin" | "edit" | "view", extraLabels?: Record<string, string>): KObject {
  const obj = clusterRole(name, [], extraLabels);
  obj.aggregationRule = { clusterRoleSelectors: [{ matchLabels: aggregateTo(selects) }] };
  return obj;
}

const signerApprover = (signer: string): KObject =>
  clusterRole(`system:certificates.k8s.io:${signer.replace("kubernetes.io/", "")}-approver`, [
    rule(["approve"], ["certificates.k8s.io"], ["signers"], [signer]),
  ]);

function aggregateToAdmin(): PolicyRule[] {
  return [
    rule(["create"], ["authorization.k8s.io"], ["localsubjectaccessreviews"]),
    rule(readWrite, ["rbac.authorization.k8s.io"], ["roles", "rolebindings"]),
  ];
}

function aggregateToEdit(): PolicyRule[] {
  return [
    rule(read, [""], ["pods/attach", "pods/proxy", "pods/exec", "pods/portforward", "secrets", "services/proxy"]),
    rule(["impersonate"], [""], ["serviceaccounts"]),
    rule(write, [""], ["pods", "pods/attach", "pods/proxy", "pods/exec", "pods/portforward"]),
    rule(["create"], [""], ["pods/eviction"]),
    rule(write, [""], [
      "replicationcontrollers", "replicationcontrollers/scale", "serviceaccounts", "services", "services/proxy",
      "persistentvolumeclaims", "configmaps", "secrets", "events",
    ]),
    rule(["create"], [""], ["serviceaccounts/token"]),
    rule(write, ["apps"], [
      "statefulsets", "statefulsets/scale", "daemonsets", "deployments", "deployments/scale", "deployments/rollback",
      "replicasets", "replicasets/scale",
    ]),
    rule(write, ["autoscaling"], ["horizontalpodautoscalers"]),
    rule(write, ["batch"], ["jobs", "cronjobs"]),
    rule(write, ["extensions"], [
      "daemonsets", "deployments", "deployments/scale", "deployments/rollback", "ingresses", "replicasets",
      "replicasets/scale", "replicationcontrollers/scale", "networkpolicies",
    ]),
    rule(write, ["policy"], ["poddisruptionbudgets"]),
    rule(write, ["networking.k8s.io"], ["ingresses", "networkpolicies"]),
    rule(readWrite, ["coordination.k8s.io"], ["leases"]),
  ];
}

function aggregateToView(): PolicyRule[] {
  return [
    rule(read, [""], [
      "pods", "replicationcontrollers", "replicationcontrollers/scale", "serviceaccounts", "services", "services/status",
      "endpoints", "persistentvolumeclaims", "persistentvolumeclaims/status", "configmaps",
    ]),
    rule(read, [""], [
      "limitranges", "resourcequotas", "bindings", "events", "pods/status", "resourcequotas/status", "namespaces/status",
      "replicationcontrollers/status", "pods/log",
    ]),
    // Reading namespaces at namespace scope shows the one namespace a binding is in.
    rule(read, [""], ["namespaces"]),
    rule(read, ["discovery.k8s.io"], ["endpointslices"]),
    rule(read, ["apps"], [
      "controllerrevisions", "statefulsets", "statefulsets/scale", "statefulsets/status", "daemonsets", "daemonsets/status",
      "deployments", "deployments/scale", "deployments/status", "replicasets", "replicasets/scale", "replicasets/status",
    ]),
    rule(read, ["autoscaling"], ["horizontalpodautoscalers", "horizontalpodautoscalers/status"]),
    rule(read, ["batch"], ["jobs", "cronjobs", "cronjobs/status", "jobs/status"]),
    rule(read, ["extensions"], [
      "daemonsets", "daemonsets/status", "deployments", "deployments/scale", "deployments/status", "ingresses",
      "ingresses/status", "replicasets", "replicasets/scale", "replicasets/status", "replicationcontrollers/scale",
      "networkpolicies",
    ]),
    rule(read, ["policy"], ["poddisruptionbudgets", "poddisruptionbudgets/status"]),
    rule(read, ["networking.k8s.io"], ["ingresses", "ingresses/status", "networkpolicies"]),
  ];
}

function kubeControllerManager(): PolicyRule[] {
  return [
    eventsRule(),
    // Leader election on its lease.
    rule(["create"], ["coordination.k8s.io"], ["leases"]),
    rule(["get", "update"], ["coordination.k8s.io"], ["leases"], ["kube-controller-manager"]),
    // Creates the service accounts and tokens the controllers run as.
    rule(["create"], [""], ["secrets", "serviceaccounts"]),
    rule(["delete"], [""], ["secrets"]),
    rule(["get"], [""], ["namespaces", "configmaps", "secrets", "serviceaccounts"]),
    rule(["update"], [""], ["secrets", "serviceaccounts"]),
    // Delegated authentication and authorization of its own endpoints.
    rule(["create"], ["authentication.k8s.io"], ["tokenreviews"]),
    rule(["create"], ["authorization.k8s.io"], ["subjectaccessreviews"]),
    // The shared informers.
    rule(["list", "watch"], ["*"], ["*"]),
    rule(["create"], [""], ["serviceaccounts/token"]),
  ];
}

function kubeScheduler(): PolicyRule[] {
  return [
    eventsRule(),
    rule(["create"], ["coordination.k8s.io"], ["leases"]),
    rule(["get", "update"], ["coordination.k8s.io"], ["leases"], ["kube-scheduler"]),
    rule(read, [""], ["nodes"]),
    rule(["get", "list", "watch", "delete"], [""], ["pods"]),
    rule(["create"], [""], ["pods/binding", "bindings"]),
    rule(["patch", "update"], [""], ["pods/status"]),
    // Spreading and affinity look at the owners of pods.
    rule(read, [""], ["replicationcontrollers", "services"]),
    rule(read, ["apps", "extensions"], ["replicasets"]),
    rule(read, ["apps"], ["statefulsets"]),
    rule(read, ["policy"], ["poddisruptionbudgets"]),
    rule(read, [""], ["persistentvolumeclaims", "persistentvolumes"]),
    rule(["create"], ["authentication.k8s.io"], ["tokenreviews"]),
    rule(["create"], ["authorization.k8s.io"], ["subjectaccessreviews"]),
    rule(read, ["storage.k8s.io"], ["csinodes"]),
    rule(read, [""], ["namespaces"]),
    rule(read, ["storage.k8s.io"], ["csidrivers"]),
    rule(read, ["storage.k8s.io"], ["csistoragecapacities"]),
  ];
}

function node(): PolicyRule[] {
  return [
    rule(["create"], ["authentication.k8s.io"], ["tokenreviews"]),
    rule(["create"], ["authorization.k8s.io"], ["subjectaccessreviews", "localsubjectaccessreviews"]),
    rule(read, [""], ["services"]),
    rule(["create", "get", "list", "watch"], [""], ["nodes"]),
    rule(["update", "patch"], [""], ["nodes/status"]),
    rule(["update", "patch"], [""], ["nodes"]),
    rule(["create", "update", "patch"], [""], ["events"]),
    rule(read, [""], ["pods"]),
    // Mirror pods of static pods.
    rule(["create", "delete"], [""], ["pods"]),
    rule(["update", "patch"], [""], ["pods/status"]),
    rule(["create"], [""], ["pods/eviction"]),
    rule(read, [""], ["secrets", "configmaps"]),
    rule(["get"], [""], ["persistentvolumeclaims", "persistentvolumes"]),
    rule(["get"], [""], ["endpoints"]),
    rule(["create", "get", "list", "watch"], ["certificates.k8s.io"], ["certificatesigningrequests"]),
    rule(["delete", "create", "get", "update", "patch"], ["coordination.k8s.io"], ["leases"]),
    rule(["get"], ["storage.k8s.io"], ["volumeattachments"]),
    rule(["create"], [""], ["serviceaccounts/token"]),
    rule(["get", "update", "patch"], [""], ["persistentvolumeclaims/status"]),
    rule(read, ["storage.k8s.io"], ["csidrivers"]),
    rule(["create", "delete", "get", "patch", "update"], ["storage.k8s.io"], ["csinodes"]),
    rule(read, ["node.k8s.io"], ["runtimeclasses"]),
  ];
}

/** The non-controller cluster roles, before aggregation. */
function policyClusterRoles(): KObject[] {
  return [
    clusterRole("cluster-admin", [rule(["*"], ["*"], ["*"]), urlRule(["*"], ["*"])]),
    clusterRole("system:discovery", [
      urlRule(["get"], ["/livez", "/readyz", "/healthz", "/version", "/version/", "/openapi", "/openapi/*", "/api", "/api/*", "/apis", "/apis/*"]),
    ]),
    clusterRole("system:monitoring", [
      urlRule(["get"], ["/metrics", "/metrics/slis", "/livez", "/readyz", "/healthz", "/livez/*", "/readyz/*", "/healthz/*"]),
    ]),
    clusterRole("system:basic-user", [
      rule(["create"], ["authorization.k8s.io"], ["selfsubjectaccessreviews", "selfsubjectrulesreviews"]),
      rule(["create"], ["authentication.k8s.io"], ["selfsubjectreviews"]),
    ]),
    clusterRole("system:public-info-viewer", [urlRule(["get"], ["/livez", "/readyz", "/healthz", "/version", "/version/"])]),
    aggregated("admin", "admin"),
    aggregated("edit", "edit", aggregateTo("admin")),
    aggregated("view", "view", aggregateTo("edit")),
    clusterRole("system:aggregate-to-admin", aggregateToAdmin(), aggregateTo("admin")),
    clusterRole("system:aggregate-to-edit", aggregateToEdit(), aggregateTo("edit")),
    clusterRole("system:aggregate-to-view", aggregateToView(), aggregateTo("view")),
    clusterRole("system:heapster", [
      rule(read, [""], ["events", "pods", "nodes", "namespaces"]),
      rule(read, ["extensions"], ["deployments"]),
    ]),
    clusterRole("system:node", node()),
    clusterRole("system:node-problem-detector", [
      rule(["get"], [""], ["nodes"]),
      rule(["patch"], [""], ["nodes/status"]),
      eventsRule(),
    ]),
    clusterRole("system:kubelet-api-admin", [
      // The kubelet API proxied through the API server.
      rule(read, [""], ["nodes"]),
      rule(["proxy"], [""], ["nodes"]),
      rule(["*"], [""], ["nodes/proxy", "nodes/metrics", "nodes/stats", "nodes/log"]),
    ]),
    clusterRole("system:node-bootstrapper", [
      rule(["create", "get", "list", "watch"], ["certificates.k8s.io"], ["certificatesigningrequests"]),
    ]),
    clusterRole("system:auth-delegator", [
      rule(["create"], ["authentication.k8s.io"], ["tokenreviews"]),
      rule(["create"], ["authorization.k8s.io"], ["subjectaccessreviews"]),
    ]),
    clusterRole("system:kube-aggregator", [rule(read, [""], ["services", "endpoints"])]),
    clusterRole("system:kube-controller-manager", kubeControllerManager()),
    clusterRole("system:kube-dns", [rule(["list", "watch"], [""], ["endpoints", "services"])]),
    clusterRole("system:persistent-volume-provisioner", [
      rule(["get", "list", "watch", "create", "delete"], [""], ["persistentvolumes"]),
      // update lets the provisioner annotate claims.
      rule(["get", "list", "watch", "update"], [""], ["persistentvolumeclaims"]),
      rule(read, ["storage.k8s.io"], ["storageclasses"]),
      rule(["watch"], [""], ["events"]),
      eventsRule(),
    ]),
    clusterRole("system:certificates.k8s.io:certificatesigningrequests:nodeclient", [
      rule(["create"], ["certificates.k8s.io"], ["certificatesigningrequests/nodeclient"]),
    ]),
    clusterRole("system:certificates.k8s.io:certificatesigningrequests:selfnodeclient", [
      rule(["create"], ["certificates.k8s.io"], ["certificatesigningrequests/selfnodeclient"]),
    ]),
    signerApprover("kubernetes.io/legacy-unknown"),
    signerApprover("kubernetes.io/kube-apiserver-client"),
    signerApprover("kubernetes.io/kube-apiserver-client-kubelet"),
    signerApprover("kubernetes.io/kubelet-serving"),
    clusterRole("system:volume-scheduler", [
      rule(["get", "list", "watch", "update", "patch"], [""], ["persistentvolumes"]),
      rule(read, ["storage.k8s.io"], ["storageclasses"]),
      rule(["get", "list", "watch", "update", "patch"], [""], ["persistentvolumeclaims"]),
    ]),
    clusterRole("system:kube-scheduler", kubeScheduler()),
    clusterRole("system:node-proxier", [
      rule(["list", "watch"], [""], ["services", "endpoints"]),
      rule(read, [""], ["nodes"]),
      eventsRule(),
      rule(["list", "watch"], ["discovery.k8s.io"], ["endpointslices"]),
    ]),
    clusterRole("system:service-account-issuer-discovery", [
      urlRule(["get"], ["/.well-known/openid-configuration", "/openid/v1/jwks"]),
    ]),
  ];
}

export function policyClusterRoleBindings(): KObject[] {
  return [
    clusterRoleBinding("cluster-admin", "cluster-admin", [group("system:masters")]),
    clusterRoleBinding("system:monitoring", "system:monitoring", [group("system:monitoring")]),
    // Since 1.14 discovery and basic-user are for authenticated users only; public-info-viewer
    // is what anonymous requests may see.
    clusterRoleBinding("system:discovery", "system:discovery", [group("system:authenticated")]),
    clusterRoleBinding("system:basic-user", "system:basic-user", [group("system:authenticated")]),
    clusterRoleBinding("system:public-info-viewer", "system:public-info-viewer", [group("system:authenticated"), group("system:unauthenticated")]),
    clusterRoleBinding("system:node-proxier", "system:node-proxier", [user("system:kube-proxy")]),
    clusterRoleBinding("system:kube-controller-manager", "system:kube-controller-manager", [user("system:kube-controller-manager")]),
    clusterRoleBinding("system:kube-dns", "system:kube-dns", [serviceAccount("kube-system", "kube-dns")]),
    clusterRoleBinding("system:kube-scheduler", "system:kube-scheduler", [user("system:kube-scheduler")]),
    clusterRoleBinding("system:volume-scheduler", "system:volume-scheduler", [user("system:kube-scheduler")]),
    clusterRoleBinding("system:node", "system:node", []),
    clusterRoleBinding("system:service-account-issuer-discovery", "system:service-account-issuer-discovery", [group("system:serviceaccounts")]),
  ];
}

function matches(labels: Record<string, string> | undefined, selector: unknown): boolean {
  const want = (selector as { matchLabels?: Record<string, string> } | null)?.matchLabels ?? {};
  return Object.entries(want).every(([k, v]) => labels?.[k] === v);
}

const ruleKey = (r: PolicyRule): string => JSON.stringify(r);

/**
 * Fills the rules of every role with an aggregationRule as the clusterrole-aggregation
 * controller does: the rules of the roles its selectors match (itself excluded), taken in name
 * order, each distinct rule once. Repeated until nothing changes, since edit aggregates view
 * and admin aggregates edit.
 */
export function aggregateClusterRoles(roles: KObject[]): void {
  const byName = [...roles].sort((a, b) => ((a.metadata.name ?? "") < (b.metadata.name ?? "") ? -1 : 1));
  for (let changed = true, round = 0; changed && round < roles.length; round++) {
    changed = false;
    for (const target of roles) {
      const selectors = (target.aggregationRule as { clusterRoleSelectors?: unknown[] } | undefined)?.clusterRoleSelectors;
      if (!selectors) continue;
      const rules: PolicyRule[] = [];
      const seen = new Set<string>();
      for (const source of byName) {
        if (source === target || !selectors.some((sel) => matches(source.metadata.labels, sel))) continue;
        for (const r of (source.rules as PolicyRule[] | undefined) ?? []) {
          if (seen.has(ruleKey(r))) continue;
          seen.add(ruleKey(r));
          rules.push(structuredClone(r));
        }
      }
      if (JSON.stringify(rules) !== JSON.stringify(target.rules)) {
        target.rules = rules;
        changed = true;
      }
    }
  }
}

export function policyClusterRolesAggregated(): KObject[] {
  const roles = policyClusterRoles();
  aggregateClusterRoles(roles);
  return roles;
}
