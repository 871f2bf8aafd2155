/**
 * The roles of kube-controller-manager's controllers (bootstrappolicy controller_policy.go), each
 * `system:controller:<name>` bound to the service account `kube-system/<name>` the controller runs
 * as. These are the roles kube 1.32 creates with its default feature gates: the roles behind
 * gates that are off in 1.32 (resource-claim, service-cidrs, selinux-warning,
 * volumeattributesclass-protection, storage-version-*, clustertrustbundle publisher) are absent.
 * The watch verbs added next to list in 1.32.3 (kubernetes#130405, #129201) are included.
 */
import type { KObject } from "../api/types.js";
import { clusterRole, clusterRoleBinding, eventsRule, read, rule, serviceAccount, type PolicyRule } from "./rules.js";

const prefix = "system:controller:";

const crud = ["create", "delete", "get", "list", "patch", "update", "watch"];

const controllers: Record<string, () => PolicyRule[]> = {
  "attachdetach-controller": () => [
    rule(["list", "watch"], [""], ["persistentvolumes", "persistentvolumeclaims"]),
    rule(read, [""], ["nodes"]),
    rule(["patch", "update"], [""], ["nodes/status"]),
    rule(["list", "watch"], [""], ["pods"]),
    eventsRule(),
    rule(["get", "create", "delete", "list", "watch"], ["storage.k8s.io"], ["volumeattachments"]),
    rule(read, ["storage.k8s.io"], ["csidrivers"]),
    rule(read, ["storage.k8s.io"], ["csinodes"]),
  ],
  "clusterrole-aggregation-controller": () => [
    // Full power over cluster roles, so that it may write any aggregate.
    rule(["escalate", "get", "list", "watch", "update", "patch"], ["rbac.authorization.k8s.io"], ["clusterroles"]),
  ],
  "cronjob-controller": () => [
    rule(["get", "list", "watch", "update"], ["batch"], ["cronjobs"]),
    rule(["get", "list", "watch", "create", "update", "delete", "patch"], ["batch"], ["jobs"]),
    rule(["update"], ["batch"], ["cronjobs/status"]),
    rule(["update"], ["batch"], ["cronjobs/finalizers"]),
    rule(["list", "watch", "delete"], [""], ["pods"]),
    eventsRule(),
  ],
  "daemon-set-controller": () => [
    rule(read, ["extensions", "apps"], ["daemonsets"]),
    rule(["update"], ["extensions", "apps"], ["daemonsets/status"]),
    rule(["update"], ["extensions", "apps"], ["daemonsets/finalizers"]),
    rule(["list", "watch"], [""], ["nodes"]),
    rule(["list", "watch", "create", "delete", "patch"], [""], ["pods"]),
    rule(["create"], [""], ["pods/binding"]),
    rule(crud, ["apps"], ["controllerrevisions"]),
    eventsRule(),
  ],
  "deployment-controller": () => [
    rule(["get", "list", "watch", "update"], ["extensions", "apps"], ["deployments"]),
    rule(["update"], ["extensions", "apps"], ["deployments/status"]),
    rule(["update"], ["extensions", "apps"], ["deployments/finalizers"]),
    rule(crud, ["apps", "extensions"], ["replicasets"]),
    rule(["get", "list", "watch", "update"], [""], ["pods"]),
    eventsRule(),
  ],
  "disruption-controller": () => [
    rule(read, ["extensions", "apps"], ["deployments"]),
    rule(read, ["apps", "extensions"], ["replicasets"]),
    rule(read, [""], ["replicationcontrollers"]),
    rule(read, ["policy"], ["poddisruptionbudgets"]),
    rule(read, ["apps"], ["statefulsets"]),
    rule(["update"], ["policy"], ["poddisruptionbudgets/status"]),
    rule(["patch", "update"], [""], ["pods/status"]),
    rule(["get"], ["*"], ["*/scale"]),
    eventsRule(),
  ],
  "endpoint-controller": () => [
    rule(read, [""], ["services", "pods"]),
    rule(["get", "list", "watch", "create", "update", "delete"], [""], ["endpoints"]),
    rule(["create"], [""], ["endpoints/restricted"]),
    eventsRule(),
  ],
  "endpointslice-controller": () => [
    rule(read, [""], ["services", "pods", "nodes"]),
    // Finalizer update rights let it set blockOwnerDeletion on slices owned by a Service.
    rule(["update"], [""], ["services/finalizers"]),
    rule(["get", "list", "watch", "create", "update", "delete"], ["discovery.k8s.io"], ["endpointslices"]),
    eventsRule(),
  ],
  "endpointslicemirroring-controller": () => [
    rule(read, [""], ["services", "endpoints"]),
    rule(["update"], [""], ["services/finalizers"]),
    rule(["update"], [""], ["endpoints/finalizers"]),
    rule(["get", "list", "watch", "create", "update", "delete"], ["discovery.k8s.io"], ["endpointslices"]),
    eventsRule(),
  ],
  "expand-controller": () => [
    rule(["get", "list", "watch", "update", "patch"], [""], ["persistentvolumes"]),
    rule(["update", "patch"], [""], ["persistentvolumeclaims/status"]),
    rule(read, [""], ["persistentvolumeclaims"]),
    eventsRule(),
    // The in-tree portworx volume plugin (still present in 1.32).
    rule(["get"], [""], ["services"]),
  ],
  "ephemeral-volume-controller": () => [
    rule(read, [""], ["pods"]),
    rule(["update"], [""], ["pods/finalizers"]),
    rule(["get", "list", "watch", "create"], [""], ["persistentvolumeclaims"]),
    eventsRule(),
  ],
  "generic-garbage-collector": () => [
    rule(["get", "list", "watch", "patch", "update", "delete"], ["*"], ["*"]),
    eventsRule(),
  ],
  "horizontal-pod-autoscaler": () => [
    rule(read, ["autoscaling"], ["horizontalpodautoscalers"]),
    rule(["update"], ["autoscaling"], ["horizontalpodautoscalers/status"]),
    rule(["get", "update"], ["*"], ["*/scale"]),
    rule(["list", "watch"], [""], ["pods"]),
    // Resource, custom and external metrics.
    rule(["list", "watch"], ["metrics.k8s.io"], ["pods"]),
    rule(read, ["custom.metrics.k8s.io"], ["*"]),
    rule(read, ["external.metrics.k8s.io"], ["*"]),
    eventsRule(),
  ],
  "job-controller": () => [
    rule(["get", "list", "watch", "update", "patch"], ["batch"], ["jobs"]),
    rule(["update"], ["batch"], ["jobs/status"]),
    rule(["update"], ["batch"], ["jobs/finalizers"]),
    rule(["list", "watch", "create", "delete", "patch"], [""], ["pods"]),
    eventsRule(),
  ],
  "namespace-controller": () => [
    rule(["get", "list", "watch", "delete"], [""], ["namespaces"]),
    rule(["update"], [""], ["namespaces/finalize", "namespaces/status"]),
    rule(["get", "list", "watch", "delete", "deletecollection"], ["*"], ["*"]),
  ],
  "node-controller": () => [
    rule(["get", "list", "watch", "update", "delete", "patch"], [""], ["nodes"]),
    rule(["patch", "update"], [""], ["nodes/status"]),
    // Marks pods of lost nodes not ready before deleting them.
    rule(["patch", "update"], [""], ["pods/status"]),
    rule(["list", "watch", "get", "delete"], [""], ["pods"]),
    eventsRule(),
  ],
  "persistent-volume-binder": () => [
    rule(["get", "list", "watch", "update", "create", "delete"], [""], ["persistentvolumes"]),
    rule(["update"], [""], ["persistentvolumes/status"]),
    rule(["get", "list", "watch", "update"], [""], ["persistentvolumeclaims"]),
    rule(["update"], [""], ["persistentvolumeclaims/status"]),
    rule(["list", "watch", "get", "create", "delete"], [""], ["pods"]),
    rule(read, ["storage.k8s.io"], ["storageclasses"]),
    rule(["list", "watch"], [""], ["nodes"]),
    eventsRule(),
    // The recycler watches its pod's events.
    rule(["watch"], [""], ["events"]),
    rule(["get"], [""], ["services"]),
  ],
  "pod-garbage-collector": () => [
    rule(["list", "watch", "delete"], [""], ["pods"]),
    rule(read, [""], ["nodes"]),
    rule(["patch"], [""], ["pods/status"]),
  ],
  "replicaset-controller": () => [
    rule(["get", "list", "watch", "update"], ["apps", "extensions"], ["replicasets"]),
    rule(["update"], ["apps", "extensions"], ["replicasets/status"]),
    rule(["update"], ["apps", "extensions"], ["replicasets/finalizers"]),
    rule(["list", "watch", "patch", "create", "delete"], [""], ["pods"]),
    eventsRule(),
  ],
  "replication-controller": () => [
    rule(["get", "list", "watch", "update"], [""], ["replicationcontrollers"]),
    rule(["update"], [""], ["replicationcontrollers/status"]),
    rule(["update"], [""], ["replicationcontrollers/finalizers"]),
    rule(["list", "watch", "patch", "create", "delete"], [""], ["pods"]),
    eventsRule(),
  ],
  "resourcequota-controller": () => [
    // Quota may count anything.
    rule(["list", "watch"], ["*"], ["*"]),
    rule(["update"], [""], ["resourcequotas/status"]),
    eventsRule(),
  ],
  "route-controller": () => [
    rule(["list", "watch"], [""], ["nodes"]),
    rule(["patch"], [""], ["nodes/status"]),
    eventsRule(),
  ],
  "service-account-controller": () => [rule(["create"], [""], ["serviceaccounts"]), eventsRule()],
  "service-controller": () => [
    rule(read, [""], ["services"]),
    rule(["patch", "update"], [""], ["services/status"]),
    rule(["list", "watch"], [""], ["nodes"]),
    eventsRule(),
  ],
  "statefulset-controller": () => [
    rule(["list", "watch"], [""], ["pods"]),
    rule(read, ["apps"], ["statefulsets"]),
    rule(["update"], ["apps"], ["statefulsets/status"]),
    rule(["update"], ["apps"], ["statefulsets/finalizers"]),
    rule(["get", "create", "delete", "update", "patch"], [""], ["pods"]),
    rule(crud, ["apps"], ["controllerrevisions"]),
    rule(["get", "create", "list", "watch"], [""], ["persistentvolumeclaims"]),
    eventsRule(),
    // PVC retention (StatefulSetAutoDeletePVC), appended after the events rule in 1.32.
    rule(["update", "delete"], [""], ["persistentvolumeclaims"]),
    rule(["update"], [""], ["pods/finalizers"]),
  ],
  "ttl-controller": () => [rule(["update", "patch", "list", "watch"], [""], ["nodes"]), eventsRule()],
  "certificate-controller": () => [
    rule(["get", "list", "watch", "delete"], ["certificates.k8s.io"], ["certificatesigningrequests"]),
    rule(["update"], ["certificates.k8s.io"], ["certificatesigningrequests/status", "certificatesigningrequests/approval"]),
    rule(["approve"], ["certificates.k8s.io"], ["signers"], ["kubernetes.io/kube-apiserver-client-kubelet"]),
    rule(["sign"], ["certificates.k8s.io"], ["signers"], [
      "kubernetes.io/legacy-unknown", "kubernetes.io/kube-apiserver-client", "kubernetes.io/kube-apiserver-client-kubelet",
      "kubernetes.io/kubelet-serving",
    ]),
    rule(["create"], ["authorization.k8s.io"], ["subjectaccessreviews"]),
    eventsRule(),
  ],
  "pvc-protection-controller": () => [
    rule(["get", "list", "watch", "update"], [""], ["persistentvolumeclaims"]),
    rule(["list", "watch", "get"], [""], ["pods"]),
    eventsRule(),
  ],
  "pv-protection-controller": () => [rule(["get", "list", "watch", "update"], [""], ["persistentvolumes"]), eventsRule()],
  "ttl-after-finished-controller": () => [rule(["get", "list", "watch", "delete"], ["batch"], ["jobs"]), eventsRule()],
  "root-ca-cert-publisher": () => [rule(["create", "update"], [""], ["configmaps"]), eventsRule()],
  "validatingadmissionpolicy-status-controller": () => [
    rule(read, ["admissionregistration.k8s.io"], ["validatingadmissionpolicies"]),
    rule(["get", "patch", "update"], ["admissionregistration.k8s.io"], ["validatingadmissionpolicies/status"]),
    eventsRule(),
  ],
  "legacy-service-account-token-cleaner": () => [
    rule(["get"], [""], ["configmaps"], ["kube-apiserver-legacy-service-account-token-tracking"]),
    rule(["patch", "delete"], [""], ["secrets"]),
  ],
};

export function controllerRoles(): KObject[] {
  return Object.entries(controllers).map(([name, rules]) => clusterRole(prefix + name, rules()));
}

export function controllerRoleBindings(): KObject[] {
  return Object.keys(controllers).map((name) => clusterRoleBinding(prefix + name, prefix + name, [serviceAccount("kube-system", name)]));
}
