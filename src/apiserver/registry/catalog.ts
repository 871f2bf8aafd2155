import type { ResourceInfo, SubresourceInfo, Verb } from "./types.js";

/**
 * Every resource kube-apiserver 1.32 serves with its default --runtime-config: GA groups plus
 * the legacy core group. Alpha and beta versions are off by default in 1.32 and are left out;
 * so is pods/resize, which only exists behind the (alpha, off) InPlacePodVerticalScaling gate.
 *
 * Order matters: groups come in `groupOrder` (core first), versions inside a group in kube's
 * preference order (autoscaling v2 before v1), resources alphabetically as discovery lists them,
 * subresources alphabetically. Verbs are sorted, as discovery prints them.
 *
 * etcdPrefix is the key under /registry/ that kube-apiserver uses, including its compiled-in
 * special prefixes (services/specs, services/endpoints, minions, controllers, ingress) and the
 * group-qualified prefixes of the apiextensions and aggregator servers. Resources that are never
 * stored (reviews, bindings, componentstatuses) have an empty etcdPrefix.
 */

/** The eight verbs of an ordinary stored resource. */
const crud: Verb[] = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
/** What a status-like subresource (and ephemeralcontainers, approval) allows. */
const getUpdate: Verb[] = ["get", "patch", "update"];
/** A connect subresource answering every HTTP method (proxy). */
const proxyVerbs: Verb[] = ["create", "delete", "get", "patch", "update"];
/** A connect subresource answering GET and POST (exec, attach, portforward). */
const streamVerbs: Verb[] = ["create", "get"];
const createOnly: Verb[] = ["create"];

function sub(name: string, kind: string, verbs: Verb[], group = "", version = "v1"): SubresourceInfo {
  return { name, group, version, kind, verbs };
}

/** The status subresource of `kind` in the same group/version as its parent. */
function status(group: string, version: string, kind: string): SubresourceInfo {
  return sub("status", kind, getUpdate, group, version);
}

/** autoscaling/v1 Scale, which every scalable workload serves regardless of its own group. */
const scale: SubresourceInfo = sub("scale", "Scale", getUpdate, "autoscaling", "v1");

interface Spec {
  resource: string;
  kind: string;
  singular?: string; // default: kind in lower case
  namespaced: boolean;
  verbs?: Verb[]; // default: crud
  shortNames?: string[];
  categories?: string[];
  subresources?: SubresourceInfo[];
  etcdPrefix?: string; // default: the resource name
  storageVersion?: string;
}

function groupVersion(group: string, version: string, specs: Spec[]): ResourceInfo[] {
  return specs.map((s) => {
    const info: ResourceInfo = {
      group,
      version,
      resource: s.resource,
      singular: s.singular ?? s.kind.toLowerCase(),
      kind: s.kind,
      namespaced: s.namespaced,
      verbs: s.verbs ?? crud,
      etcdPrefix: s.etcdPrefix ?? s.resource,
    };
    if (s.shortNames) info.shortNames = s.shortNames;
    if (s.categories) info.categories = s.categories;
    if (s.subresources) info.subresources = s.subresources;
    if (s.storageVersion) info.storageVersion = s.storageVersion;
    return info;
  });
}

const all = ["all"];
const apiExtensions = ["api-extensions"];
const notStored = "";

const core = groupVersion("", "v1", [
  { resource: "bindings", kind: "Binding", namespaced: true, verbs: createOnly, etcdPrefix: notStored },
  {
    resource: "componentstatuses",
    kind: "ComponentStatus",
    namespaced: false,
    verbs: ["get", "list"],
    shortNames: ["cs"],
    etcdPrefix: notStored,
  },
  { resource: "configmaps", kind: "ConfigMap", namespaced: true, shortNames: ["cm"] },
  {
    resource: "endpoints",
    kind: "Endpoints",
    namespaced: true,
    shortNames: ["ep"],
    etcdPrefix: "services/endpoints",
  },
  { resource: "events", kind: "Event", namespaced: true, shortNames: ["ev"] },
  { resource: "limitranges", kind: "LimitRange", namespaced: true, shortNames: ["limits"] },
  {
    resource: "namespaces",
    kind: "Namespace",
    namespaced: false,
    verbs: ["create", "delete", "get", "list", "patch", "update", "watch"],
    shortNames: ["ns"],
    subresources: [sub("finalize", "Namespace", ["update"]), status("", "v1", "Namespace")],
  },
  {
    resource: "nodes",
    kind: "Node",
    namespaced: false,
    shortNames: ["no"],
    subresources: [sub("proxy", "NodeProxyOptions", proxyVerbs), status("", "v1", "Node")],
    etcdPrefix: "minions",
  },
  {
    resource: "persistentvolumeclaims",
    kind: "PersistentVolumeClaim",
    namespaced: true,
    shortNames: ["pvc"],
    subresources: [status("", "v1", "PersistentVolumeClaim")],
  },
  {
    resource: "persistentvolumes",
    kind: "PersistentVolume",
    namespaced: false,
    shortNames: ["pv"],
    subresources: [status("", "v1", "PersistentVolume")],
  },
  {
    resource: "pods",
    kind: "Pod",
    namespaced: true,
    shortNames: ["po"],
    categories: all,
    subresources: [
      sub("attach", "PodAttachOptions", streamVerbs),
      sub("binding", "Binding", createOnly),
      sub("ephemeralcontainers", "Pod", getUpdate),
      sub("eviction", "Eviction", createOnly, "policy", "v1"),
      sub("exec", "PodExecOptions", streamVerbs),
      sub("log", "Pod", ["get"]),
      sub("portforward", "PodPortForwardOptions", streamVerbs),
      sub("proxy", "PodProxyOptions", proxyVerbs),
      status("", "v1", "Pod"),
    ],
  },
  { resource: "podtemplates", kind: "PodTemplate", namespaced: true },
  {
    resource: "replicationcontrollers",
    kind: "ReplicationController",
    namespaced: true,
    shortNames: ["rc"],
    categories: all,
    subresources: [scale, status("", "v1", "ReplicationController")],
    etcdPrefix: "controllers",
  },
  {
    resource: "resourcequotas",
    kind: "ResourceQuota",
    namespaced: true,
    shortNames: ["quota"],
    subresources: [status("", "v1", "ResourceQuota")],
  },
  { resource: "secrets", kind: "Secret", namespaced: true },
  {
    resource: "serviceaccounts",
    kind: "ServiceAccount",
    namespaced: true,
    shortNames: ["sa"],
    subresources: [sub("token", "TokenRequest", createOnly, "authentication.k8s.io", "v1")],
  },
  {
    resource: "services",
    kind: "Service",
    namespaced: true,
    shortNames: ["svc"],
    categories: all,
    subresources: [sub("proxy", "ServiceProxyOptions", proxyVerbs), status("", "v1", "Service")],
    etcdPrefix: "services/specs",
  },
]);

const apiregistration = groupVersion("apiregistration.k8s.io", "v1", [
  {
    resource: "apiservices",
    kind: "APIService",
    namespaced: false,
    categories: apiExtensions,
    subresources: [status("apiregistration.k8s.io", "v1", "APIService")],
    etcdPrefix: "apiregistration.k8s.io/apiservices",
  },
]);

function workload(resource: string, kind: string, shortName: string | undefined, scalable: boolean): Spec {
  const spec: Spec = {
    resource,
    kind,
    namespaced: true,
    categories: all,
    subresources: scalable ? [scale, status("apps", "v1", kind)] : [status("apps", "v1", kind)],
  };
  if (shortName) spec.shortNames = [shortName];
  return spec;
}

const apps = groupVersion("apps", "v1", [
  { resource: "controllerrevisions", kind: "ControllerRevision", namespaced: true },
  workload("daemonsets", "DaemonSet", "ds", false),
  workload("deployments", "Deployment", "deploy", true),
  workload("replicasets", "ReplicaSet", "rs", true),
  workload("statefulsets", "StatefulSet", "sts", true),
]);

const events = groupVersion("events.k8s.io", "v1", [
  // Cohabits with core events: the same objects under the same keys.
  { resource: "events", kind: "Event", namespaced: true, shortNames: ["ev"], etcdPrefix: "events" },
]);

function review(resource: string, kind: string, namespaced = false): Spec {
  return { resource, kind, namespaced, verbs: createOnly, etcdPrefix: notStored };
}

const authentication = groupVersion("authentication.k8s.io", "v1", [
  review("selfsubjectreviews", "SelfSubjectReview"),
  review("tokenreviews", "TokenReview"),
]);

const authorization = groupVersion("authorization.k8s.io", "v1", [
  review("localsubjectaccessreviews", "LocalSubjectAccessReview", true),
  review("selfsubjectaccessreviews", "SelfSubjectAccessReview"),
  review("selfsubjectrulesreviews", "SelfSubjectRulesReview"),
  review("subjectaccessreviews", "SubjectAccessReview"),
]);

function hpa(version: string, storageVersion?: string): Spec {
  const spec: Spec = {
    resource: "horizontalpodautoscalers",
    kind: "HorizontalPodAutoscaler",
    namespaced: true,
    shortNames: ["hpa"],
    categories: all,
    subresources: [status("autoscaling", version, "HorizontalPodAutoscaler")],
  };
  if (storageVersion) spec.storageVersion = storageVersion;
  return spec;
}

// v2 is preferred and is the storage version; v1 objects are converted to and from it.
const autoscaling = [
  ...groupVersion("autoscaling", "v2", [hpa("v2")]),
  ...groupVersion("autoscaling", "v1", [hpa("v1", "v2")]),
];

const batch = groupVersion("batch", "v1", [
  {
    resource: "cronjobs",
    kind: "CronJob",
    namespaced: true,
    shortNames: ["cj"],
    categories: all,
    subresources: [status("batch", "v1", "CronJob")],
  },
  {
    resource: "jobs",
    kind: "Job",
    namespaced: true,
    categories: all,
    subresources: [status("batch", "v1", "Job")],
  },
]);

const certificates = groupVersion("certificates.k8s.io", "v1", [
  {
    resource: "certificatesigningrequests",
    kind: "CertificateSigningRequest",
    namespaced: false,
    shortNames: ["csr"],
    subresources: [
      sub("approval", "CertificateSigningRequest", getUpdate, "certificates.k8s.io", "v1"),
      status("certificates.k8s.io", "v1", "CertificateSigningRequest"),
    ],
  },
]);

const networking = groupVersion("networking.k8s.io", "v1", [
  { resource: "ingressclasses", kind: "IngressClass", namespaced: false },
  {
    resource: "ingresses",
    kind: "Ingress",
    namespaced: true,
    shortNames: ["ing"],
    subresources: [status("networking.k8s.io", "v1", "Ingress")],
    etcdPrefix: "ingress",
  },
  { resource: "networkpolicies", kind: "NetworkPolicy", namespaced: true, shortNames: ["netpol"] },
]);

const policy = groupVersion("policy", "v1", [
  {
    resource: "poddisruptionbudgets",
    kind: "PodDisruptionBudget",
    namespaced: true,
    shortNames: ["pdb"],
    subresources: [status("policy", "v1", "PodDisruptionBudget")],
  },
]);

const rbac = groupVersion("rbac.authorization.k8s.io", "v1", [
  { resource: "clusterrolebindings", kind: "ClusterRoleBinding", namespaced: false },
  { resource: "clusterroles", kind: "ClusterRole", namespaced: false },
  { resource: "rolebindings", kind: "RoleBinding", namespaced: true },
  { resource: "roles", kind: "Role", namespaced: true },
]);

const storage = groupVersion("storage.k8s.io", "v1", [
  { resource: "csidrivers", kind: "CSIDriver", namespaced: false },
  { resource: "csinodes", kind: "CSINode", namespaced: false },
  { resource: "csistoragecapacities", kind: "CSIStorageCapacity", namespaced: true },
  { resource: "storageclasses", kind: "StorageClass", namespaced: false, shortNames: ["sc"] },
  {
    resource: "volumeattachments",
    kind: "VolumeAttachment",
    namespaced: false,
    subresources: [status("storage.k8s.io", "v1", "VolumeAttachment")],
  },
]);

const admissionregistration = groupVersion("admissionregistration.k8s.io", "v1", [
  {
    resource: "mutatingwebhookconfigurations",
    kind: "MutatingWebhookConfiguration",
    namespaced: false,
    categories: apiExtensions,
  },
  {
    resource: "validatingadmissionpolicies",
    kind: "ValidatingAdmissionPolicy",
    namespaced: false,
    categories: apiExtensions,
    subresources: [status("admissionregistration.k8s.io", "v1", "ValidatingAdmissionPolicy")],
  },
  {
    resource: "validatingadmissionpolicybindings",
    kind: "ValidatingAdmissionPolicyBinding",
    namespaced: false,
    categories: apiExtensions,
  },
  {
    resource: "validatingwebhookconfigurations",
    kind: "ValidatingWebhookConfiguration",
    namespaced: false,
    categories: apiExtensions,
  },
]);

const apiextensions = groupVersion("apiextensions.k8s.io", "v1", [
  {
    resource: "customresourcedefinitions",
    kind: "CustomResourceDefinition",
    namespaced: false,
    shortNames: ["crd", "crds"],
    categories: apiExtensions,
    subresources: [status("apiextensions.k8s.io", "v1", "CustomResourceDefinition")],
    etcdPrefix: "apiextensions.k8s.io/customresourcedefinitions",
  },
]);

const scheduling = groupVersion("scheduling.k8s.io", "v1", [
  { resource: "priorityclasses", kind: "PriorityClass", namespaced: false, shortNames: ["pc"] },
]);

const coordination = groupVersion("coordination.k8s.io", "v1", [
  { resource: "leases", kind: "Lease", namespaced: true },
]);

const node = groupVersion("node.k8s.io", "v1", [
  { resource: "runtimeclasses", kind: "RuntimeClass", namespaced: false },
]);

const discovery = groupVersion("discovery.k8s.io", "v1", [
  { resource: "endpointslices", kind: "EndpointSlice", namespaced: true },
]);

const flowcontrol = groupVersion("flowcontrol.apiserver.k8s.io", "v1", [
  {
    resource: "flowschemas",
    kind: "FlowSchema",
    namespaced: false,
    subresources: [status("flowcontrol.apiserver.k8s.io", "v1", "FlowSchema")],
  },
  {
    resource: "prioritylevelconfigurations",
    kind: "PriorityLevelConfiguration",
    namespaced: false,
    subresources: [status("flowcontrol.apiserver.k8s.io", "v1", "PriorityLevelConfiguration")],
  },
]);

/**
 * The named groups in the order /apis lists them: kube sorts by the group priority of its
 * APIServices (highest first; the aggregator's own group leads), ties broken by name
 * (admissionregistration before apiextensions). The core group is served at /api, not here.
 */
export const groupOrder: readonly string[] = [
  "apiregistration.k8s.io",
  "apps",
  "events.k8s.io",
  "authentication.k8s.io",
  "authorization.k8s.io",
  "autoscaling",
  "batch",
  "certificates.k8s.io",
  "networking.k8s.io",
  "policy",
  "rbac.authorization.k8s.io",
  "storage.k8s.io",
  "admissionregistration.k8s.io",
  "apiextensions.k8s.io",
  "scheduling.k8s.io",
  "coordination.k8s.io",
  "node.k8s.io",
  "discovery.k8s.io",
  "flowcontrol.apiserver.k8s.io",
];

export const catalog: readonly ResourceInfo[] = [
  ...core,
  ...apiregistration,
  ...apps,
  ...events,
  ...authentication,
  ...authorization,
  ...autoscaling,
  ...batch,
  ...certificates,
  ...networking,
  ...policy,
  ...rbac,
  ...storage,
  ...admissionregistration,
  ...apiextensions,
  ...scheduling,
  ...coordination,
  ...node,
  ...discovery,
  ...flowcontrol,
];

const byKey = new Map<string, ResourceInfo>(catalog.map((r) => [`${r.group}/${r.version}/${r.resource}`, r]));

/** The resource served at group/version/resource ("" is the core group), if any. */
export function findResource(group: string, version: string, resource: string): ResourceInfo | undefined {
  return byKey.get(`${group}/${version}/${resource}`);
}

/** The versions served for `group`, preferred first ("" is the core group). */
export function groupVersions(group: string): string[] {
  const versions: string[] = [];
  for (const r of catalog) if (r.group === group && !versions.includes(r.version)) versions.push(r.version);
  return versions;
}
