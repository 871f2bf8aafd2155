/** The built-in resource types the control loop reads and writes, named once. */
import type { ResourceType } from "./types.js";

const core = (resource: string, kind: string, namespaced = true): ResourceType => ({ group: "", version: "v1", resource, kind, namespaced });
const of = (group: string, version: string, resource: string, kind: string, namespaced = true): ResourceType => ({ group, version, resource, kind, namespaced });

export const R = {
  pods: core("pods", "Pod"),
  nodes: core("nodes", "Node", false),
  namespaces: core("namespaces", "Namespace", false),
  services: core("services", "Service"),
  endpoints: core("endpoints", "Endpoints"),
  events: core("events", "Event"),
  configmaps: core("configmaps", "ConfigMap"),
  secrets: core("secrets", "Secret"),
  serviceaccounts: core("serviceaccounts", "ServiceAccount"),
  persistentvolumeclaims: core("persistentvolumeclaims", "PersistentVolumeClaim"),
  persistentvolumes: core("persistentvolumes", "PersistentVolume", false),
  replicationcontrollers: core("replicationcontrollers", "ReplicationController"),
  podtemplates: core("podtemplates", "PodTemplate"),
  limitranges: core("limitranges", "LimitRange"),
  resourcequotas: core("resourcequotas", "ResourceQuota"),
  deployments: of("apps", "v1", "deployments", "Deployment"),
  replicasets: of("apps", "v1", "replicasets", "ReplicaSet"),
  statefulsets: of("apps", "v1", "statefulsets", "StatefulSet"),
  daemonsets: of("apps", "v1", "daemonsets", "DaemonSet"),
  controllerrevisions: of("apps", "v1", "controllerrevisions", "ControllerRevision"),
  jobs: of("batch", "v1", "jobs", "Job"),
  cronjobs: of("batch", "v1", "cronjobs", "CronJob"),
  leases: of("coordination.k8s.io", "v1", "leases", "Lease"),
  endpointslices: of("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice"),
  poddisruptionbudgets: of("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget"),
  priorityclasses: of("scheduling.k8s.io", "v1", "priorityclasses", "PriorityClass", false),
  storageclasses: of("storage.k8s.io", "v1", "storageclasses", "StorageClass", false),
  csinodes: of("storage.k8s.io", "v1", "csinodes", "CSINode", false),
  horizontalpodautoscalers: of("autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler"),
  customresourcedefinitions: of("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", false),
} as const satisfies Record<string, ResourceType>;

/** "v1" or "apps/v1": the apiVersion objects of this type carry. */
export function apiVersionOf(t: ResourceType): string {
  return t.group === "" ? t.version : `${t.group}/${t.version}`;
}

/** The REST path of a collection or object: /api/v1/namespaces/ns/pods/name[/sub]. */
export function pathOf(t: ResourceType, namespace: string | undefined, name?: string, subresource?: string): string {
  let p = t.group === "" ? `/api/${t.version}` : `/apis/${t.group}/${t.version}`;
  if (t.namespaced && namespace) p += `/namespaces/${encodeURIComponent(namespace)}`;
  p += `/${t.resource}`;
  if (name !== undefined) p += `/${encodeURIComponent(name)}`;
  if (subresource) p += `/${subresource}`;
  return p;
}
