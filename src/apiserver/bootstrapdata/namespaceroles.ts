/**
 * The Roles and RoleBindings kube 1.32 bootstraps inside kube-system and kube-public
 * (bootstrappolicy namespace_policy.go).
 */
import type { KObject } from "../api/types.js";
import { eventsRule, read, role, roleBinding, rule, serviceAccount, user } from "./rules.js";

export interface NamespacedObject {
  namespace: string;
  obj: KObject;
}

const inNamespace = (objs: KObject[]): NamespacedObject[] => objs.map((obj) => ({ namespace: obj.metadata.namespace ?? "", obj }));

export function namespaceRoles(): NamespacedObject[] {
  const sys = "kube-system";
  return inNamespace([
    // The configmap extension API servers read their client CA and request-header settings from.
    role(sys, "extension-apiserver-authentication-reader", [
      rule(read, [""], ["configmaps"], ["extension-apiserver-authentication"]),
    ]),
    role(sys, "system:controller:bootstrap-signer", [rule(read, [""], ["secrets"])]),
    // Deprecated since 1.10; still created.
    role(sys, "system:controller:cloud-provider", [rule(["create", "get", "list", "watch"], [""], ["configmaps"])]),
    role(sys, "system:controller:token-cleaner", [rule(["get", "list", "watch", "delete"], [""], ["secrets"]), eventsRule()]),
    role(sys, "system::leader-locking-kube-controller-manager", [
      rule(["watch"], [""], ["configmaps"]),
      rule(["get", "update"], [""], ["configmaps"], ["kube-controller-manager"]),
      rule(["get", "watch", "list", "create", "update"], ["coordination.k8s.io"], ["leases"]),
    ]),
    role(sys, "system::leader-locking-kube-scheduler", [
      rule(["watch"], [""], ["configmaps"]),
      rule(["get", "update"], [""], ["configmaps"], ["kube-scheduler"]),
    ]),
    role("kube-public", "system:controller:bootstrap-signer", [
      rule(read, [""], ["configmaps"]),
      rule(["update"], [""], ["configmaps"], ["cluster-info"]),
      eventsRule(),
    ]),
  ]);
}

export function namespaceRoleBindings(): NamespacedObject[] {
  const sys = "kube-system";
  return inNamespace([
    roleBinding(sys, "system::extension-apiserver-authentication-reader", "extension-apiserver-authentication-reader", [
      user("system:kube-controller-manager"),
      user("system:kube-scheduler"),
    ]),
    roleBinding(sys, "system::leader-locking-kube-controller-manager", "system::leader-locking-kube-controller-manager", [
      user("system:kube-controller-manager"),
      serviceAccount(sys, "kube-controller-manager"),
      serviceAccount(sys, "leader-election-controller"),
    ]),
    roleBinding(sys, "system::leader-locking-kube-scheduler", "system::leader-locking-kube-scheduler", [
      user("system:kube-scheduler"),
      serviceAccount(sys, "kube-scheduler"),
    ]),
    roleBinding(sys, "system:controller:bootstrap-signer", "system:controller:bootstrap-signer", [serviceAccount(sys, "bootstrap-signer")]),
    roleBinding(sys, "system:controller:cloud-provider", "system:controller:cloud-provider", [serviceAccount(sys, "cloud-provider")]),
    roleBinding(sys, "system:controller:token-cleaner", "system:controller:token-cleaner", [serviceAccount(sys, "token-cleaner")]),
    roleBinding("kube-public", "system:controller:bootstrap-signer", "system:controller:bootstrap-signer", [serviceAccount(sys, "bootstrap-signer")]),
  ]);
}
