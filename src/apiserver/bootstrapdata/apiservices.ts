/**
 * The APIService objects kube-apiserver registers for the group-versions it serves itself
 * (kube-aggregator's autoregister controller): named `<version>.<group>` ("v1." for core), no
 * service, Available because local. The priorities are kube 1.32's table, the same that orders
 * /apis; a group-version missing from it gets no APIService, as in kube.
 */
import type { KObject } from "../api/types.js";

export interface GroupVersion {
  group: string;
  version: string;
}

interface Priority {
  group: number;
  version: number;
}

const priorities: Record<string, Record<string, Priority>> = {};
function set(group: number, ...versions: [string, string, number][]): void {
  for (const [g, v, version] of versions) (priorities[g] ??= {})[v] = { group, version };
}
set(18000, ["", "v1", 1]);
set(17800, ["apps", "v1", 15]);
set(17750, ["events.k8s.io", "v1", 15], ["events.k8s.io", "v1beta1", 5]);
set(17700, ["authentication.k8s.io", "v1", 15], ["authentication.k8s.io", "v1beta1", 9], ["authentication.k8s.io", "v1alpha1", 1]);
set(17600, ["authorization.k8s.io", "v1", 15]);
set(17500, ["autoscaling", "v1", 15], ["autoscaling", "v2", 30], ["autoscaling", "v2beta1", 9], ["autoscaling", "v2beta2", 1]);
set(17400, ["batch", "v1", 15], ["batch", "v1beta1", 9], ["batch", "v2alpha1", 9]);
set(17300, ["certificates.k8s.io", "v1", 15], ["certificates.k8s.io", "v1beta1", 9], ["certificates.k8s.io", "v1alpha1", 1]);
set(17200, ["networking.k8s.io", "v1", 15], ["networking.k8s.io", "v1beta1", 9], ["networking.k8s.io", "v1alpha1", 1]);
set(17100, ["policy", "v1", 15], ["policy", "v1beta1", 9]);
set(17000, ["rbac.authorization.k8s.io", "v1", 15]);
set(16800, ["storage.k8s.io", "v1", 15], ["storage.k8s.io", "v1beta1", 9], ["storage.k8s.io", "v1alpha1", 1]);
set(16700, ["apiextensions.k8s.io", "v1", 15]);
set(16700, ["admissionregistration.k8s.io", "v1", 15], ["admissionregistration.k8s.io", "v1beta1", 12], ["admissionregistration.k8s.io", "v1alpha1", 9]);
set(16600, ["scheduling.k8s.io", "v1", 15]);
set(16500, ["coordination.k8s.io", "v1", 15], ["coordination.k8s.io", "v1alpha2", 12]);
set(16300, ["node.k8s.io", "v1", 15], ["node.k8s.io", "v1beta1", 9], ["node.k8s.io", "v1alpha1", 1]);
set(16200, ["discovery.k8s.io", "v1", 15], ["discovery.k8s.io", "v1beta1", 12]);
set(16200, ["resource.k8s.io", "v1beta1", 9], ["resource.k8s.io", "v1alpha3", 1]);
set(16100,
  ["flowcontrol.apiserver.k8s.io", "v1", 21], ["flowcontrol.apiserver.k8s.io", "v1beta3", 18],
  ["flowcontrol.apiserver.k8s.io", "v1beta2", 15], ["flowcontrol.apiserver.k8s.io", "v1beta1", 12],
  ["flowcontrol.apiserver.k8s.io", "v1alpha1", 9]);
set(16000, ["internal.apiserver.k8s.io", "v1alpha1", 9]);
set(15800, ["storagemigration.k8s.io", "v1alpha1", 9]);

/** groupPriorityMinimum and versionPriority of a built-in group-version, if kube registers it. */
export function apiServicePriority(gv: GroupVersion): { groupPriorityMinimum: number; versionPriority: number } | undefined {
  const p = priorities[gv.group]?.[gv.version];
  return p ? { groupPriorityMinimum: p.group, versionPriority: p.version } : undefined;
}

/**
 * One local APIService per known group-version, duplicates dropped. `now` is the condition's
 * lastTransitionTime (RFC 3339, second precision).
 */
export function localAPIServices(groupVersions: readonly GroupVersion[], now: Date = new Date()): KObject[] {
  const lastTransitionTime = now.toISOString().replace(/\.\d{3}Z$/, "Z");
  const out: KObject[] = [];
  const seen = new Set<string>();
  for (const gv of groupVersions) {
    const name = `${gv.version}.${gv.group}`;
    const p = apiServicePriority(gv);
    if (!p || seen.has(name)) continue;
    seen.add(name);
    out.push({
      apiVersion: "apiregistration.k8s.io/v1",
      kind: "APIService",
      // The autoregister controller syncs these once at start (label value "onstart").
      metadata: { name, labels: { "kube-aggregator.kubernetes.io/automanaged": "onstart" } },
      // kube omits the empty group of core and the nil service of a local APIService.
      spec: { ...(gv.group ? { group: gv.group } : {}), version: gv.version, ...p },
      status: {
        conditions: [
          { type: "Available", status: "True", lastTransitionTime, reason: "Local", message: "Local APIServices are always available" },
        ],
      },
    });
  }
  return out;
}
