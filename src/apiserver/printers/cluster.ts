/**
 * Printers for the cluster-wide API groups: rbac (bindings), coordination, scheduling, node,
 * certificates, admissionregistration, flowcontrol, apiregistration, resource (DRA) and the
 * alpha internal groups.
 */
import type { KObject } from "../api/types.js";
import type { Printer } from "./types.js";
import { humanDuration } from "./duration.js";
import {
  age,
  ageColumn,
  column,
  int,
  isDeleting,
  isObject,
  isSet,
  labelSelectorGoString,
  listWithMore,
  name,
  nameColumn,
  obj,
  objects,
  printer,
  str,
  wide,
  type JSONObject,
} from "./format.js";

// ---- rbac -----------------------------------------------------------------------------------

function bindingCells(o: KObject, now: Date): unknown[] {
  const roleRef = obj(o, "roleRef");
  const users: string[] = [];
  const groups: string[] = [];
  const serviceAccounts: string[] = [];
  for (const s of objects(o.subjects)) {
    if (s.kind === "User") users.push(str(s.name));
    else if (s.kind === "Group") groups.push(str(s.name));
    else if (s.kind === "ServiceAccount") serviceAccounts.push(`${str(s.namespace)}/${str(s.name)}`);
  }
  return [
    name(o),
    `${str(roleRef.kind)}/${str(roleRef.name)}`,
    age(o, now),
    users.join(", "),
    groups.join(", "),
    serviceAccounts.join(", "),
  ];
}

function bindingPrinter(what: string): Printer {
  return printer(
    [
      nameColumn,
      column("Role", "string", `The role the ${what} grants, as Kind/name.`),
      ageColumn,
      column("Users", "string", `Users bound by the ${what}.`, wide),
      column("Groups", "string", `Groups bound by the ${what}.`, wide),
      column("ServiceAccounts", "string", `Service accounts bound by the ${what}, as namespace/name.`, wide),
    ],
    bindingCells,
  );
}

export const roleBindings: Printer = bindingPrinter("role binding");
export const clusterRoleBindings: Printer = bindingPrinter("cluster role binding");

// ---- coordination, scheduling, node ---------------------------------------------------------

export const leases: Printer = printer(
  [nameColumn, column("Holder", "string", "Identity of the lease's current holder."), ageColumn],
  (o, now) => [name(o), str(obj(o, "spec").holderIdentity), age(o, now)],
);

export const leaseCandidates: Printer = printer(
  [
    nameColumn,
    column("LeaseName", "string", "The lease the candidate runs for."),
    column("BinaryVersion", "string", "Binary version of the candidate."),
    column("EmulationVersion", "string", "Emulation version of the candidate."),
    ageColumn,
  ],
  (o, now) => {
    const spec = obj(o, "spec");
    return [name(o), str(spec.leaseName), str(spec.binaryVersion), str(spec.emulationVersion), age(o, now)];
  },
);

export const priorityClasses: Printer = printer(
  [
    nameColumn,
    column("Value", "integer", "The priority of pods using the class."),
    column("Global-Default", "boolean", "Whether pods without a class get this one."),
    ageColumn,
    column("PreemptionPolicy", "string", "Whether pods of the class may preempt others."),
  ],
  (o, now) => [name(o), int(o.value), o.globalDefault === true, age(o, now), str(o.preemptionPolicy)],
);

export const runtimeClasses: Printer = printer(
  [nameColumn, column("Handler", "string", "The CRI handler that runs pods of the class."), ageColumn],
  (o, now) => [name(o), str(o.handler), age(o, now)],
);

// ---- certificates ---------------------------------------------------------------------------

function csrCondition(o: JSONObject): string {
  const types = new Set(objects(obj(o, "status").conditions).map((c) => c.type));
  let status = types.has("Denied") ? "Denied" : types.has("Approved") ? "Approved" : "Pending";
  if (types.has("Failed")) status += ",Failed";
  if (str(obj(o, "status").certificate) !== "") status += ",Issued";
  return status;
}

export const certificateSigningRequests: Printer = printer(
  [
    nameColumn,
    ageColumn,
    column("SignerName", "string", "The signer the request is for."),
    column("Requestor", "string", "The user who created the request."),
    column("RequestedDuration", "string", "The validity the requestor asked for."),
    column("Condition", "string", "Approved, Denied or Pending, and Failed or Issued."),
  ],
  (o, now) => {
    const spec = obj(o, "spec");
    return [
      name(o),
      age(o, now),
      str(spec.signerName) || "<none>",
      str(spec.username),
      isSet(spec.expirationSeconds) ? humanDuration(int(spec.expirationSeconds) * 1000) : "<none>",
      csrCondition(o),
    ];
  },
);

export const clusterTrustBundles: Printer = printer(
  [nameColumn, column("SignerName", "string", "The signer the bundle belongs to.")],
  (o) => [name(o), str(obj(o, "spec").signerName) || "<none>"],
);

// ---- admissionregistration ------------------------------------------------------------------

function webhookPrinter(): Printer {
  return printer(
    [nameColumn, column("Webhooks", "integer", "Number of webhooks in the configuration."), ageColumn],
    (o, now) => [name(o), objects(o.webhooks).length, age(o, now)],
  );
}

export const mutatingWebhookConfigurations: Printer = webhookPrinter();
export const validatingWebhookConfigurations: Printer = webhookPrinter();

function policyPrinter(countColumn: string, countField: string): Printer {
  return printer(
    [
      nameColumn,
      column(countColumn, "integer", `Number of ${countField} in the policy.`),
      column("ParamKind", "string", "The kind of resource that parameterizes the policy."),
      ageColumn,
    ],
    (o, now) => {
      const spec = obj(o, "spec");
      const paramKind = isObject(spec.paramKind) ? `${str(spec.paramKind.apiVersion)}/${str(spec.paramKind.kind)}` : "<unset>";
      return [name(o), objects(spec[countField]).length, paramKind, age(o, now)];
    },
  );
}

function policyBindingPrinter(): Printer {
  return printer(
    [
      nameColumn,
      column("PolicyName", "string", "The policy the binding applies."),
      column("ParamRef", "string", "The parameter resource of the binding."),
      ageColumn,
    ],
    (o, now) => {
      const spec = obj(o, "spec");
      let param = "<unset>";
      if (isObject(spec.paramRef)) {
        const ref = spec.paramRef;
        if (str(ref.name) !== "") {
          // A name without a namespace may be cluster-scoped or per-namespace: kube shows "*/".
          param = str(ref.namespace) !== "" ? `${str(ref.namespace)}/${str(ref.name)}` : `*/${str(ref.name)}`;
        } else if (isObject(ref.selector)) {
          param = labelSelectorGoString(ref.selector);
        }
      }
      return [name(o), str(spec.policyName), param, age(o, now)];
    },
  );
}

export const validatingAdmissionPolicies: Printer = policyPrinter("Validations", "validations");
export const validatingAdmissionPolicyBindings: Printer = policyBindingPrinter();
export const mutatingAdmissionPolicies: Printer = policyPrinter("Mutations", "mutations");
export const mutatingAdmissionPolicyBindings: Printer = policyBindingPrinter();

// ---- flowcontrol ----------------------------------------------------------------------------

export const flowSchemas: Printer = printer(
  [
    nameColumn,
    column("PriorityLevel", "string", "The priority level requests of the schema go to."),
    column("MatchingPrecedence", "string", "Order in which schemas are matched (lowest first)."),
    column("DistinguisherMethod", "string", "How flows are told apart: ByUser, ByNamespace or none."),
    ageColumn,
    column("MissingPL", "string", "Whether the priority level it names is missing."),
  ],
  (o, now) => {
    const spec = obj(o, "spec");
    const dangling = objects(obj(o, "status").conditions).find((c) => c.type === "Dangling");
    return [
      name(o),
      str(obj(spec, "priorityLevelConfiguration").name),
      int(spec.matchingPrecedence),
      isObject(spec.distinguisherMethod) ? str(spec.distinguisherMethod.type) : "<none>",
      age(o, now),
      dangling ? str(dangling.status) : "?",
    ];
  },
);

export const priorityLevelConfigurations: Printer = printer(
  [
    nameColumn,
    column("Type", "string", "Limited or Exempt."),
    column("NominalConcurrencyShares", "string", "The level's share of the server's concurrency."),
    column("Queues", "string", "Number of queues."),
    column("HandSize", "string", "Queues each flow is shuffle-sharded over."),
    column("QueueLengthLimit", "string", "Most requests waiting in one queue."),
    ageColumn,
  ],
  (o, now) => {
    const spec = obj(o, "spec");
    const cells: unknown[] = ["<none>", "<none>", "<none>", "<none>"];
    if (isObject(spec.limited)) {
      cells[0] = int(spec.limited.nominalConcurrencyShares);
      const queuing = obj(spec.limited, "limitResponse").queuing;
      if (isObject(queuing)) {
        cells[1] = int(queuing.queues);
        cells[2] = int(queuing.handSize);
        cells[3] = int(queuing.queueLengthLimit);
      }
    }
    return [name(o), str(spec.type), ...cells, age(o, now)];
  },
);

// ---- apiregistration (served by kube-aggregator) --------------------------------------------

export const apiServices: Printer = printer(
  [
    nameColumn,
    column("Service", "string", "The service that serves the API, or Local."),
    column("Available", "string", "Whether the API is available, and why not."),
    ageColumn,
  ],
  (o, now) => {
    const spec = obj(o, "spec");
    const service = isObject(spec.service) ? `${str(spec.service.namespace)}/${str(spec.service.name)}` : "Local";
    const available = objects(obj(o, "status").conditions).find((c) => c.type === "Available");
    let status = "Unknown";
    if (available) {
      status = str(available.status);
      if (available.status !== "True" && str(available.reason) !== "") status = `${status} (${str(available.reason)})`;
    }
    return [name(o), service, status, age(o, now)];
  },
);

// ---- resource.k8s.io (dynamic resource allocation) ------------------------------------------

export const deviceClasses: Printer = printer([nameColumn, ageColumn], (o, now) => [name(o), age(o, now)]);
export const resourceClaimTemplates: Printer = printer([nameColumn, ageColumn], (o, now) => [name(o), age(o, now)]);

export const resourceClaims: Printer = printer(
  [nameColumn, column("State", "string", "pending, allocated, reserved or deleted."), ageColumn],
  (o, now) => {
    const status = obj(o, "status");
    const states: string[] = [];
    if (isDeleting(o)) states.push("deleted");
    if (!isSet(status.allocation)) {
      if (!isDeleting(o)) states.push("pending");
    } else {
      states.push("allocated");
      if (objects(status.reservedFor).length > 0) states.push("reserved");
    }
    return [name(o), states.join(","), age(o, now)];
  },
);

export const resourceSlices: Printer = printer(
  [
    nameColumn,
    column("Node", "string", "The node the slice's devices are on."),
    column("Driver", "string", "The driver publishing the slice."),
    column("Pool", "string", "The pool the slice belongs to."),
    ageColumn,
  ],
  (o, now) => {
    const spec = obj(o, "spec");
    return [name(o), str(spec.nodeName), str(spec.driver), str(obj(spec, "pool").name), age(o, now)];
  },
);

// ---- internal.apiserver.k8s.io, storagemigration.k8s.io (alpha) -----------------------------

export const storageVersions: Printer = printer(
  [
    nameColumn,
    column("CommonEncodingVersion", "string", "The encoding version all API servers agree on."),
    column("StorageVersions", "string", "Each API server's encoding version."),
    ageColumn,
  ],
  (o, now) => {
    const status = obj(o, "status");
    const versions = objects(status.storageVersions).map((v) => `${str(v.apiServerID)}=${str(v.encodingVersion)}`);
    return [
      name(o),
      isSet(status.commonEncodingVersion) ? str(status.commonEncodingVersion) : "<unset>",
      listWithMore(versions, 3),
      age(o, now),
    ];
  },
);

export const storageVersionMigrations: Printer = printer(
  [column("Name", "string", "Name of the migration."), column("Resource", "string", "The resource being migrated.")],
  (o) => {
    const r = obj(o, "spec", "resource");
    return [name(o), `${str(r.resource)}.${str(r.version)}.${str(r.group)}`];
  },
);
