import { ApiError } from "./api/status.js";
import type { KObject } from "./api/types.js";
import type { Registry } from "./registry/index.js";
import { timestamp } from "./registry/store.js";
import { firstServiceIP } from "./registry/alloc/serviceip.js";
import {
  bootstrapClusterRoleBindings, bootstrapClusterRoles, bootstrapFlowSchemas, bootstrapPriorityLevelConfigurations,
  bootstrapRoleBindings, bootstrapRoles, localAPIServices,
} from "./bootstrapdata/index.js";

/**
 * What a fresh cluster has before anyone writes (kube-apiserver's bootstrap controllers and
 * post-start hooks): the system namespaces, the `kubernetes` Service with its Endpoints and
 * EndpointSlice, and the system PriorityClasses. Existing objects are left alone.
 */
export interface BootstrapOptions {
  serviceClusterIPRange: string;
  advertiseAddress: string;
  port: number;
  clock: () => Date;
}

async function ensure(registry: Registry, group: string, resource: string, namespace: string, obj: KObject): Promise<void> {
  await ensureAll(registry, group, resource, [{ namespace, obj }]);
}

/**
 * Creates the objects of one resource that are missing (a cache lookup each, so a warm
 * restart writes nothing). `withStatus` writes the object's status afterwards through the
 * status subresource (create resets status, as kube's strategies do).
 */
async function ensureAll(registry: Registry, group: string, resource: string, objs: { namespace: string; obj: KObject }[], withStatus = false): Promise<void> {
  const store = registry.byResource(group, resource);
  if (!store || objs.length === 0) return;
  // In parallel: the store's group commit makes one fsync cover many creates (cold start).
  await Promise.all(objs.map(async ({ namespace, obj }) => {
    if (await store.find(namespace, obj.metadata.name ?? "")) return;
    const status = obj.status;
    try {
      await store.create(namespace, structuredClone(obj), { dryRun: false, fieldManager: "kube-apiserver" });
    } catch (e) {
      if (e instanceof ApiError && e.code === 409) return;
      throw e;
    }
    if (withStatus && status !== undefined) {
      await store.applyUpdate(namespace, obj.metadata.name ?? "", (cur) => ({ ...cur!, status }), { dryRun: false, subresource: "status" });
    }
  }));
}

export async function bootstrap(registry: Registry, opts: BootstrapOptions): Promise<void> {
  const cluster = (objs: KObject[]) => objs.map((obj) => ({ namespace: "", obj }));
  await ensureAll(registry, "rbac.authorization.k8s.io", "clusterroles", cluster(bootstrapClusterRoles()));
  await ensureAll(registry, "rbac.authorization.k8s.io", "clusterrolebindings", cluster(bootstrapClusterRoleBindings()));
  await ensureAll(registry, "flowcontrol.apiserver.k8s.io", "prioritylevelconfigurations", cluster(bootstrapPriorityLevelConfigurations()));
  // The APF config controller reports each FlowSchema's priority level as found (not dangling).
  const now = timestamp(opts.clock());
  const flowSchemas = bootstrapFlowSchemas().map((fs) => {
    const pl = ((fs.spec as { priorityLevelConfiguration?: { name?: string } } | undefined)?.priorityLevelConfiguration?.name) ?? "";
    return { ...fs, status: { conditions: [{ type: "Dangling", status: "False", lastTransitionTime: now, reason: "Found", message: `This FlowSchema references the PriorityLevelConfiguration object named "${pl}" and it exists` }] } };
  });
  await ensureAll(registry, "flowcontrol.apiserver.k8s.io", "flowschemas", cluster(flowSchemas), true);
  const gvs = [...new Map(registry.resources.map((r) => [`${r.group}/${r.version}`, { group: r.group, version: r.version }])).values()];
  await ensureAll(registry, "apiregistration.k8s.io", "apiservices", cluster(localAPIServices(gvs, opts.clock())), true);
  for (const name of ["default", "kube-system", "kube-public", "kube-node-lease"]) {
    await ensure(registry, "", "namespaces", "", { metadata: { name, labels: { "kubernetes.io/metadata.name": name } } });
  }
  // Namespaced bootstrap RBAC goes in once kube-system and kube-public exist.
  await ensureAll(registry, "rbac.authorization.k8s.io", "roles", bootstrapRoles());
  await ensureAll(registry, "rbac.authorization.k8s.io", "rolebindings", bootstrapRoleBindings());
  const ip = firstServiceIP(opts.serviceClusterIPRange);
  await ensure(registry, "", "services", "default", {
    metadata: { name: "kubernetes", namespace: "default", labels: { component: "apiserver", provider: "kubernetes" } },
    spec: {
      type: "ClusterIP",
      clusterIP: ip,
      clusterIPs: [ip],
      ports: [{ name: "https", port: 443, protocol: "TCP", targetPort: opts.port }],
      sessionAffinity: "None",
      ipFamilies: ["IPv4"],
      ipFamilyPolicy: "SingleStack",
      internalTrafficPolicy: "Cluster",
    },
  });
  // kube's endpoint reconciler cannot publish a loopback address either (Endpoints validation
  // refuses it): a server bound to loopback has a `kubernetes` Service without endpoints.
  const address = opts.advertiseAddress;
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(address) || address.startsWith("127.")) return priorityClasses(registry);
  await ensure(registry, "", "endpoints", "default", {
    metadata: { name: "kubernetes", namespace: "default", labels: { "endpointslice.kubernetes.io/skip-mirror": "true" } },
    subsets: [{ addresses: [{ ip: address }], ports: [{ name: "https", port: opts.port, protocol: "TCP" }] }],
  });
  await ensure(registry, "discovery.k8s.io", "endpointslices", "default", {
    metadata: { name: "kubernetes", namespace: "default", labels: { "kubernetes.io/service-name": "kubernetes" } },
    addressType: "IPv4",
    endpoints: [{ addresses: [address], conditions: { ready: true } }],
    ports: [{ name: "https", port: opts.port, protocol: "TCP" }],
  });
  await priorityClasses(registry);
}

async function priorityClasses(registry: Registry): Promise<void> {
  for (const [name, value, description] of [
    ["system-node-critical", 2000001000, "Used for system critical pods that must not be moved from their current node."],
    ["system-cluster-critical", 2000000000, "Used for system critical pods that must run in the cluster, but can be moved to another node if necessary."],
  ] as const) {
    await ensure(registry, "scheduling.k8s.io", "priorityclasses", "", { metadata: { name }, value, description, preemptionPolicy: "PreemptLowerPriority" });
  }
}
