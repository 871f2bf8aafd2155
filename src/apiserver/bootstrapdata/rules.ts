/**
 * Building blocks of the RBAC bootstrap policy: policy rules in the normal form kube stores them
 * (every list sorted, empty lists left out), subjects, and the metadata every bootstrap RBAC
 * object carries.
 */
import type { KObject, ObjectMeta } from "../api/types.js";

export const rbacGroup = "rbac.authorization.k8s.io";
export const rbacVersion = `${rbacGroup}/v1`;

/** rbac/v1 PolicyRule, keys in the order kube encodes them. */
export interface PolicyRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

export interface Subject {
  kind: "User" | "Group" | "ServiceAccount";
  apiGroup?: string;
  name: string;
  namespace?: string;
}

export const read = ["get", "list", "watch"];
/** Every verb of a stored resource. */
export const readWrite = ["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"];
/** The mutating half of readWrite, which edit grants on top of view's reads. */
export const write = ["create", "update", "patch", "delete", "deletecollection"];

const sorted = (xs: readonly string[]): string[] => [...xs].sort();

/** A resource rule; kube's rule builder sorts verbs, groups, resources and names. */
export function rule(verbs: readonly string[], apiGroups: readonly string[], resources: readonly string[], resourceNames?: readonly string[]): PolicyRule {
  const r: PolicyRule = { verbs: sorted(verbs), apiGroups: sorted(apiGroups), resources: sorted(resources) };
  if (resourceNames?.length) r.resourceNames = sorted(resourceNames);
  return r;
}

/** A non-resource URL rule. */
export function urlRule(verbs: readonly string[], urls: readonly string[]): PolicyRule {
  return { verbs: sorted(verbs), nonResourceURLs: sorted(urls) };
}

/** The rule nearly every controller has: record events through either events API. */
export function eventsRule(): PolicyRule {
  return rule(["create", "update", "patch"], ["", "events.k8s.io"], ["events"]);
}

export const user = (name: string): Subject => ({ kind: "User", apiGroup: rbacGroup, name });
export const group = (name: string): Subject => ({ kind: "Group", apiGroup: rbacGroup, name });
export const serviceAccount = (namespace: string, name: string): Subject => ({ kind: "ServiceAccount", name, namespace });

/** Name, namespace, the bootstrapping label and the autoupdate annotation (kube's addDefaultMetadata). */
export function bootstrapMeta(name: string, namespace?: string, extraLabels?: Record<string, string>): ObjectMeta {
  return {
    name,
    ...(namespace ? { namespace } : {}),
    labels: { "kubernetes.io/bootstrapping": "rbac-defaults", ...extraLabels },
    annotations: { "rbac.authorization.kubernetes.io/autoupdate": "true" },
  };
}

export function clusterRole(name: string, rules: PolicyRule[], extraLabels?: Record<string, string>): KObject {
  return { apiVersion: rbacVersion, kind: "ClusterRole", metadata: bootstrapMeta(name, undefined, extraLabels), rules };
}

export function role(namespace: string, name: string, rules: PolicyRule[]): KObject {
  return { apiVersion: rbacVersion, kind: "Role", metadata: bootstrapMeta(name, namespace), rules };
}

export function clusterRoleBinding(name: string, roleName: string, subjects: Subject[]): KObject {
  const obj: KObject = { apiVersion: rbacVersion, kind: "ClusterRoleBinding", metadata: bootstrapMeta(name) };
  // kube omits an empty subject list (system:node is bound to nobody: the Node authorizer serves nodes).
  if (subjects.length) obj.subjects = subjects;
  obj.roleRef = { apiGroup: rbacGroup, kind: "ClusterRole", name: roleName };
  return obj;
}

export function roleBinding(namespace: string, name: string, roleName: string, subjects: Subject[]): KObject {
  return {
    apiVersion: rbacVersion,
    kind: "RoleBinding",
    metadata: bootstrapMeta(name, namespace),
    subjects,
    roleRef: { apiGroup: rbacGroup, kind: "Role", name: roleName },
  };
}
