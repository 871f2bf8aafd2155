import type { KObject } from "../api/types.js";
import { errors, type ApiError, type GroupResource } from "../api/status.js";

/**
 * Admission (kube's plugin chain, mutating phase): plugins that change objects on create
 * before validation. Each plugin is a plain function; the chain runs them in kube's order.
 * NamespaceLifecycle lives in the server (it needs the namespace store); ServiceAccount
 * admission needs the serviceaccount controller and comes with it.
 */

export interface AdmissionAttributes {
  operation: "CREATE" | "UPDATE";
  resource: GroupResource;
  subresource: string;
  namespace: string;
  name: string;
  dryRun: boolean;
}

export interface AdmissionDeps {
  /** Looks a PriorityClass up by name (undefined when missing). */
  priorityClass(name: string): Promise<KObject | undefined>;
  /** All PriorityClasses (to find the global default). */
  priorityClasses(): Promise<KObject[]>;
  /** Looks a ServiceAccount up (undefined when missing). */
  serviceAccount(namespace: string, name: string): Promise<KObject | undefined>;
}

export type MutatingPlugin = (obj: KObject, a: AdmissionAttributes, deps: AdmissionDeps) => Promise<void> | void;

function isPodCreate(a: AdmissionAttributes): boolean {
  return a.operation === "CREATE" && a.resource.group === "" && a.resource.resource === "pods" && a.subresource === "";
}

/** DefaultTolerationSeconds: tolerate not-ready and unreachable nodes for 300 s unless the pod says otherwise. */
export const defaultTolerationSeconds: MutatingPlugin = (obj, a) => {
  if (!isPodCreate(a)) return;
  const spec = (obj.spec ??= {}) as { tolerations?: Record<string, unknown>[] };
  const tolerations = spec.tolerations ?? [];
  const has = (key: string) => tolerations.some((t) => (t.key === key || (t.key === undefined && t.operator === "Exists")) && (t.effect === "NoExecute" || t.effect === undefined || t.effect === ""));
  const add: Record<string, unknown>[] = [];
  for (const key of ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"]) {
    if (!has(key)) add.push({ key, operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 });
  }
  if (add.length) spec.tolerations = [...tolerations, ...add];
};

/** Priority: resolve priorityClassName into priority and preemptionPolicy. */
export const priority: MutatingPlugin = async (obj, a, deps) => {
  if (!isPodCreate(a)) return;
  const spec = (obj.spec ??= {}) as { priorityClassName?: string; priority?: number; preemptionPolicy?: string };
  let pc: KObject | undefined;
  if (spec.priorityClassName) {
    pc = await deps.priorityClass(spec.priorityClassName);
    if (!pc) {
      throw forbidden(a, `no PriorityClass with name ${spec.priorityClassName} was found`);
    }
  } else {
    pc = (await deps.priorityClasses()).find((c) => c.globalDefault === true);
    if (pc) spec.priorityClassName = pc.metadata.name;
  }
  const value = pc ? Number(pc.value ?? 0) : 0;
  if (spec.priority !== undefined && spec.priority !== value) {
    throw forbidden(a, "the integer value of priority (" + spec.priority + ") must not be provided in pod spec; priority admission controller computed " + value + " from the given PriorityClass name");
  }
  spec.priority = value;
  spec.preemptionPolicy ??= pc && typeof pc.preemptionPolicy === "string" ? pc.preemptionPolicy : "PreemptLowerPriority";
};

function forbidden(a: AdmissionAttributes, message: string): ApiError {
  return errors.forbidden(a.resource, a.name, message);
}

const tokenMountPath = "/var/run/secrets/kubernetes.io/serviceaccount";
const suffixChars = "bcdfghjklmnpqrstvwxz2456789";

/**
 * ServiceAccount: every pod runs as a ServiceAccount ("default" unless named), which must exist;
 * unless automounting is off, a projected token volume is added and mounted in every container.
 */
export const serviceAccount: MutatingPlugin = async (obj, a, deps) => {
  if (!isPodCreate(a)) return;
  const annotations = obj.metadata.annotations ?? {};
  if (annotations["kubernetes.io/config.mirror"] !== undefined) return;
  type Container = { volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[] };
  const spec = (obj.spec ??= {}) as {
    serviceAccountName?: string; serviceAccount?: string; automountServiceAccountToken?: boolean;
    volumes?: Record<string, unknown>[]; containers?: Container[]; initContainers?: Container[];
  };
  const name = spec.serviceAccountName || spec.serviceAccount || "default";
  spec.serviceAccountName = name;
  spec.serviceAccount = name;
  const sa = await deps.serviceAccount(a.namespace, name);
  if (!sa) throw forbidden(a, `error looking up service account ${a.namespace}/${name}: serviceaccount "${name}" not found`);
  const automount = spec.automountServiceAccountToken ?? (typeof sa.automountServiceAccountToken === "boolean" ? sa.automountServiceAccountToken : true);
  if (!automount) return;
  const containers = [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
  if (containers.some((c) => c.volumeMounts?.some((m) => m.mountPath === tokenMountPath))) return;
  const volumes = spec.volumes ?? [];
  let volName: string;
  do {
    let sfx = "";
    for (let i = 0; i < 5; i++) sfx += suffixChars[Math.floor(Math.random() * suffixChars.length)];
    volName = `kube-api-access-${sfx}`;
  } while (volumes.some((v) => v.name === volName));
  volumes.push({
    name: volName,
    projected: {
      defaultMode: 420,
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: "token" } },
        { configMap: { items: [{ key: "ca.crt", path: "ca.crt" }], name: "kube-root-ca.crt" } },
        { downwardAPI: { items: [{ fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" }, path: "namespace" }] } },
      ],
    },
  });
  spec.volumes = volumes;
  for (const c of containers) (c.volumeMounts ??= []).push({ mountPath: tokenMountPath, name: volName, readOnly: true });
};

/** The mutating chain in kube's default order (of the plugins kplane has). */
export const mutatingPlugins: MutatingPlugin[] = [serviceAccount, defaultTolerationSeconds, priority];

export async function admit(obj: KObject, a: AdmissionAttributes, deps: AdmissionDeps, plugins = mutatingPlugins): Promise<void> {
  for (const p of plugins) await p(obj, a, deps);
}
