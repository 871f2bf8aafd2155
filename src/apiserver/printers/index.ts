/**
 * Server-side Table printing (kube's pkg/printers/internalversion plus the default convertor):
 * the columns and cells `kubectl get` shows for each built-in resource.
 *
 * A printer always produces every column's cell, the wide ones included: kube-apiserver always
 * prints "wide" and kubectl hides priority-1 columns unless asked for `-o wide`.
 */
import type { Printer } from "./types.js";
import * as apps from "./apps.js";
import * as autoscaling from "./autoscaling.js";
import * as batch from "./batch.js";
import * as cluster from "./cluster.js";
import * as core from "./core.js";
import { column, NAME_DESCRIPTION, name, obj, printer, rfc3339 } from "./format.js";
import * as networking from "./networking.js";
import * as storage from "./storage.js";

export { humanDuration } from "./duration.js";
export { formatQuantity } from "./quantity.js";
export type { ColumnDefinition, Printer, TableRow, TableRowCondition } from "./types.js";

/**
 * The printer of resources without their own (roles, clusterroles, limitranges,
 * customresourcedefinitions, ...): the name and the creation time as an RFC 3339 date.
 */
export const defaultPrinter: Printer = printer(
  [
    column("Name", "string", NAME_DESCRIPTION, { format: "name" }),
    column("Created At", "date", "When the object was created (metadata.creationTimestamp)."),
  ],
  (o) => [name(o), rfc3339(obj(o, "metadata").creationTimestamp)],
);

/** The scale subresource's printer (autoscaling/v1 Scale). */
export const scalePrinter: Printer = autoscaling.scale;

const table: [string, Printer][] = [
  // core
  ["/pods", core.pods],
  ["/podtemplates", core.podTemplates],
  ["/services", core.services],
  ["/endpoints", core.endpoints],
  ["/nodes", core.nodes],
  ["/events", core.events],
  ["/namespaces", core.namespaces],
  ["/secrets", core.secrets],
  ["/serviceaccounts", core.serviceAccounts],
  ["/configmaps", core.configMaps],
  ["/componentstatuses", core.componentStatuses],
  ["/replicationcontrollers", apps.replicationControllers],
  ["/resourcequotas", core.resourceQuotas],
  ["/persistentvolumes", core.persistentVolumes],
  ["/persistentvolumeclaims", core.persistentVolumeClaims],
  ["/limitranges", defaultPrinter],
  // apps
  ["apps/deployments", apps.deployments],
  ["apps/replicasets", apps.replicaSets],
  ["apps/statefulsets", apps.statefulSets],
  ["apps/daemonsets", apps.daemonSets],
  ["apps/controllerrevisions", apps.controllerRevisions],
  // batch
  ["batch/jobs", batch.jobs],
  ["batch/cronjobs", batch.cronJobs],
  // autoscaling (v1 and v2 share the resource and the printer)
  ["autoscaling/horizontalpodautoscalers", autoscaling.horizontalPodAutoscalers],
  // policy
  ["policy/poddisruptionbudgets", apps.podDisruptionBudgets],
  // rbac
  ["rbac.authorization.k8s.io/roles", defaultPrinter],
  ["rbac.authorization.k8s.io/clusterroles", defaultPrinter],
  ["rbac.authorization.k8s.io/rolebindings", cluster.roleBindings],
  ["rbac.authorization.k8s.io/clusterrolebindings", cluster.clusterRoleBindings],
  // coordination
  ["coordination.k8s.io/leases", cluster.leases],
  ["coordination.k8s.io/leasecandidates", cluster.leaseCandidates],
  // discovery
  ["discovery.k8s.io/endpointslices", networking.endpointSlices],
  // networking
  ["networking.k8s.io/ingresses", networking.ingresses],
  ["networking.k8s.io/ingressclasses", networking.ingressClasses],
  ["networking.k8s.io/networkpolicies", networking.networkPolicies],
  ["networking.k8s.io/servicecidrs", networking.serviceCIDRs],
  ["networking.k8s.io/ipaddresses", networking.ipAddresses],
  // storage
  ["storage.k8s.io/storageclasses", storage.storageClasses],
  ["storage.k8s.io/volumeattachments", storage.volumeAttachments],
  ["storage.k8s.io/csidrivers", storage.csiDrivers],
  ["storage.k8s.io/csinodes", storage.csiNodes],
  ["storage.k8s.io/csistoragecapacities", storage.csiStorageCapacities],
  ["storage.k8s.io/volumeattributesclasses", storage.volumeAttributesClasses],
  // scheduling, node
  ["scheduling.k8s.io/priorityclasses", cluster.priorityClasses],
  ["node.k8s.io/runtimeclasses", cluster.runtimeClasses],
  // events.k8s.io shares storage (and so printing) with core events
  ["events.k8s.io/events", core.events],
  // admissionregistration
  ["admissionregistration.k8s.io/mutatingwebhookconfigurations", cluster.mutatingWebhookConfigurations],
  ["admissionregistration.k8s.io/validatingwebhookconfigurations", cluster.validatingWebhookConfigurations],
  ["admissionregistration.k8s.io/validatingadmissionpolicies", cluster.validatingAdmissionPolicies],
  ["admissionregistration.k8s.io/validatingadmissionpolicybindings", cluster.validatingAdmissionPolicyBindings],
  ["admissionregistration.k8s.io/mutatingadmissionpolicies", cluster.mutatingAdmissionPolicies],
  ["admissionregistration.k8s.io/mutatingadmissionpolicybindings", cluster.mutatingAdmissionPolicyBindings],
  // apiextensions, apiregistration
  ["apiextensions.k8s.io/customresourcedefinitions", defaultPrinter],
  ["apiregistration.k8s.io/apiservices", cluster.apiServices],
  // certificates
  ["certificates.k8s.io/certificatesigningrequests", cluster.certificateSigningRequests],
  ["certificates.k8s.io/clustertrustbundles", cluster.clusterTrustBundles],
  // flowcontrol
  ["flowcontrol.apiserver.k8s.io/flowschemas", cluster.flowSchemas],
  ["flowcontrol.apiserver.k8s.io/prioritylevelconfigurations", cluster.priorityLevelConfigurations],
  // resource (dynamic resource allocation)
  ["resource.k8s.io/deviceclasses", cluster.deviceClasses],
  ["resource.k8s.io/resourceclaims", cluster.resourceClaims],
  ["resource.k8s.io/resourceclaimtemplates", cluster.resourceClaimTemplates],
  ["resource.k8s.io/resourceslices", cluster.resourceSlices],
  // alpha internal groups
  ["internal.apiserver.k8s.io/storageversions", cluster.storageVersions],
  ["storagemigration.k8s.io/storageversionmigrations", cluster.storageVersionMigrations],
];

/** Printers keyed "group/resource" (core group = "", so "/pods"). */
export const printers: ReadonlyMap<string, Printer> = new Map(table);

/**
 * The printer for a resource. `resource` may name a subresource: "deployments/scale" prints a
 * Scale, "pods/status" prints the pod. Anything unknown gets kube's default Name/Created At.
 */
export function printerFor(group: string, resource: string): Printer {
  const [main, sub] = resource.split("/", 2);
  if (sub === "scale") return scalePrinter;
  return printers.get(`${group}/${main}`) ?? defaultPrinter;
}
