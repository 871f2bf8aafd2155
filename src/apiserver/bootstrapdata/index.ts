/**
 * Objects kube-apiserver 1.32 creates at start that clients and test suites expect to find: the
 * RBAC bootstrap policy, the APF configuration and the local APIServices. Plain data, built fresh
 * on every call (callers may mutate what they get).
 */
import type { KObject } from "../api/types.js";
import { policyClusterRoleBindings, policyClusterRolesAggregated } from "./clusterroles.js";
import { controllerRoleBindings, controllerRoles } from "./controllerroles.js";
import { namespaceRoleBindings, namespaceRoles, type NamespacedObject } from "./namespaceroles.js";

export { bootstrapFlowSchemas, bootstrapPriorityLevelConfigurations } from "./flowcontrol.js";
export { apiServicePriority, localAPIServices, type GroupVersion } from "./apiservices.js";
export { aggregateClusterRoles } from "./clusterroles.js";
export type { NamespacedObject } from "./namespaceroles.js";
export type { PolicyRule, Subject } from "./rules.js";

/** Every bootstrap ClusterRole; admin, edit and view with their aggregated rules filled in. */
export function bootstrapClusterRoles(): KObject[] {
  return [...policyClusterRolesAggregated(), ...controllerRoles()];
}

export function bootstrapClusterRoleBindings(): KObject[] {
  return [...policyClusterRoleBindings(), ...controllerRoleBindings()];
}

/** Roles inside kube-system and kube-public. */
export function bootstrapRoles(): NamespacedObject[] {
  return namespaceRoles();
}

export function bootstrapRoleBindings(): NamespacedObject[] {
  return namespaceRoleBindings();
}
