import type { ResourceInfo, SubresourceInfo, Verb } from "../registry/types.js";

/**
 * A small set of resources for this folder's tests, written out here so the tests do not depend
 * on the server's catalog: cluster and namespaced kinds, every kind of subresource (status,
 * scale, binding, eviction, token, log, connect, finalize), create-only and read-only resources.
 */

const crud: Verb[] = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
const getUpdate: Verb[] = ["get", "patch", "update"];

function sub(name: string, kind: string, verbs: Verb[], group = "", version = "v1"): SubresourceInfo {
  return { name, group, version, kind, verbs };
}

function res(group: string, version: string, resource: string, kind: string, namespaced: boolean, extra: Partial<ResourceInfo> = {}): ResourceInfo {
  return { group, version, resource, singular: kind.toLowerCase(), kind, namespaced, verbs: crud, etcdPrefix: resource, ...extra };
}

const scale = sub("scale", "Scale", getUpdate, "autoscaling", "v1");

export const testResources: ResourceInfo[] = [
  res("", "v1", "bindings", "Binding", true, { verbs: ["create"] }),
  res("", "v1", "componentstatuses", "ComponentStatus", false, { verbs: ["get", "list"] }),
  res("", "v1", "configmaps", "ConfigMap", true),
  res("", "v1", "endpoints", "Endpoints", true),
  res("", "v1", "namespaces", "Namespace", false, {
    verbs: ["create", "delete", "get", "list", "patch", "update", "watch"],
    subresources: [sub("finalize", "Namespace", ["update"]), sub("status", "Namespace", getUpdate)],
  }),
  res("", "v1", "nodes", "Node", false, {
    subresources: [sub("proxy", "NodeProxyOptions", ["create", "delete", "get", "patch", "update"]), sub("status", "Node", getUpdate)],
  }),
  res("", "v1", "pods", "Pod", true, {
    subresources: [
      sub("attach", "PodAttachOptions", ["create", "get"]),
      sub("binding", "Binding", ["create"]),
      sub("ephemeralcontainers", "Pod", getUpdate),
      sub("eviction", "Eviction", ["create"], "policy", "v1"),
      sub("exec", "PodExecOptions", ["create", "get"]),
      sub("log", "Pod", ["get"]),
      sub("portforward", "PodPortForwardOptions", ["create", "get"]),
      sub("proxy", "PodProxyOptions", ["create", "delete", "get", "patch", "update"]),
      sub("status", "Pod", getUpdate),
    ],
  }),
  res("", "v1", "serviceaccounts", "ServiceAccount", true, { subresources: [sub("token", "TokenRequest", ["create"], "authentication.k8s.io", "v1")] }),
  res("", "v1", "services", "Service", true, {
    subresources: [sub("proxy", "ServiceProxyOptions", ["create", "delete", "get", "patch", "update"]), sub("status", "Service", getUpdate)],
  }),
  res("apps", "v1", "deployments", "Deployment", true, { subresources: [scale, sub("status", "Deployment", getUpdate, "apps", "v1")] }),
  res("apps", "v1", "statefulsets", "StatefulSet", true, { subresources: [scale, sub("status", "StatefulSet", getUpdate, "apps", "v1")] }),
  res("authorization.k8s.io", "v1", "selfsubjectaccessreviews", "SelfSubjectAccessReview", false, { verbs: ["create"] }),
  res("authorization.k8s.io", "v1", "localsubjectaccessreviews", "LocalSubjectAccessReview", true, { verbs: ["create"] }),
  res("autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler", true, {
    subresources: [sub("status", "HorizontalPodAutoscaler", getUpdate, "autoscaling", "v2")],
  }),
  res("batch", "v1", "jobs", "Job", true, { subresources: [sub("status", "Job", getUpdate, "batch", "v1")] }),
  res("certificates.k8s.io", "v1", "certificatesigningrequests", "CertificateSigningRequest", false, {
    subresources: [sub("approval", "CertificateSigningRequest", getUpdate, "certificates.k8s.io", "v1"), sub("status", "CertificateSigningRequest", getUpdate, "certificates.k8s.io", "v1")],
  }),
  res("networking.k8s.io", "v1", "ingresses", "Ingress", true, { subresources: [sub("status", "Ingress", getUpdate, "networking.k8s.io", "v1")] }),
  res("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", false),
  res("storage.k8s.io", "v1", "storageclasses", "StorageClass", false),
  res("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", false, {
    subresources: [sub("status", "CustomResourceDefinition", getUpdate, "apiextensions.k8s.io", "v1")],
  }),
];

/** A custom resource: no built-in definition. */
export const cronTabs: ResourceInfo = res("stable.example.com", "v1", "crontabs", "CronTab", true, {
  subresources: [sub("status", "CronTab", getUpdate, "stable.example.com", "v1")],
});
