/** Printers for apps/v1. */
import type { Printer } from "./types.js";
import {
  age,
  ageColumn,
  column,
  containerCells,
  containersColumn,
  formatLabelSelector,
  formatLabels,
  imagesColumn,
  int,
  intOrString,
  isSet,
  labelSelectorString,
  name,
  nameColumn,
  obj,
  objects,
  printer,
  selectorColumn,
  str,
} from "./format.js";

export const deployments: Printer = printer(
  [
    nameColumn,
    column("Ready", "string", "Ready replicas out of desired replicas."),
    column("Up-to-date", "string", "Replicas running the current pod template."),
    column("Available", "string", "Replicas available to serve."),
    ageColumn,
    containersColumn,
    imagesColumn,
    selectorColumn,
  ],
  (o, now) => {
    const spec = obj(o, "spec");
    const status = obj(o, "status");
    // Deployments print the raw selector string ("" when there is none), not FormatLabelSelector.
    const selector = labelSelectorString(spec.selector) ?? "<invalid>";
    return [
      name(o),
      `${int(status.readyReplicas)}/${int(spec.replicas)}`,
      int(status.updatedReplicas),
      int(status.availableReplicas),
      age(o, now),
      ...containerCells(obj(spec, "template", "spec")),
      selector,
    ];
  },
);

/** ReplicaSets and (core/v1) ReplicationControllers print alike but for their selector's shape. */
function replicaPrinter(selectorText: (selector: unknown) => string): Printer {
  return printer(
    [
      nameColumn,
      column("Desired", "integer", "Number of replicas wanted."),
      column("Current", "integer", "Number of replicas that exist."),
      column("Ready", "integer", "Number of ready replicas."),
      ageColumn,
      containersColumn,
      imagesColumn,
      selectorColumn,
    ],
    (o, now) => {
      const spec = obj(o, "spec");
      const status = obj(o, "status");
      return [
        name(o),
        int(spec.replicas),
        int(status.replicas),
        int(status.readyReplicas),
        age(o, now),
        ...containerCells(obj(spec, "template", "spec")),
        selectorText(spec.selector),
      ];
    },
  );
}

export const replicaSets: Printer = replicaPrinter(formatLabelSelector);
export const replicationControllers: Printer = replicaPrinter(formatLabels);

export const statefulSets: Printer = printer(
  [nameColumn, column("Ready", "string", "Ready replicas out of desired replicas."), ageColumn, containersColumn, imagesColumn],
  (o, now) => {
    const spec = obj(o, "spec");
    return [
      name(o),
      `${int(obj(o, "status").readyReplicas)}/${int(spec.replicas)}`,
      age(o, now),
      ...containerCells(obj(spec, "template", "spec")),
    ];
  },
);

export const daemonSets: Printer = printer(
  [
    nameColumn,
    column("Desired", "integer", "Nodes that should run the daemon pod."),
    column("Current", "integer", "Nodes running at least one daemon pod."),
    column("Ready", "integer", "Nodes with a ready daemon pod."),
    column("Up-to-date", "integer", "Nodes running the current pod template."),
    column("Available", "integer", "Nodes with an available daemon pod."),
    column("Node Selector", "string", "Node labels the daemon pods are restricted to."),
    ageColumn,
    containersColumn,
    imagesColumn,
    selectorColumn,
  ],
  (o, now) => {
    const spec = obj(o, "spec");
    const status = obj(o, "status");
    const podSpec = obj(spec, "template", "spec");
    return [
      name(o),
      int(status.desiredNumberScheduled),
      int(status.currentNumberScheduled),
      int(status.numberReady),
      int(status.updatedNumberScheduled),
      int(status.numberAvailable),
      formatLabels(podSpec.nodeSelector),
      age(o, now),
      ...containerCells(podSpec),
      formatLabelSelector(spec.selector),
    ];
  },
);

/** The controlling owner as "kind.group/name" (kind alone for the core group). */
function controllerName(o: { metadata?: unknown }): string {
  const ref = objects(obj(o, "metadata").ownerReferences).find((r) => r.controller === true);
  if (!ref) return "<none>";
  const apiVersion = str(ref.apiVersion);
  const parts = apiVersion.split("/");
  // An apiVersion kube cannot parse fails its whole request; here the row shows the bare name.
  if (parts.length > 2) return str(ref.name);
  const group = parts.length === 2 ? parts[0]! : "";
  const kind = str(ref.kind);
  if (group === "" && kind === "") return str(ref.name);
  return `${(group === "" ? kind : `${kind}.${group}`).toLowerCase()}/${str(ref.name)}`;
}

export const controllerRevisions: Printer = printer(
  [
    nameColumn,
    column("Controller", "string", "The object that owns the revision."),
    column("Revision", "string", "The revision number."),
    ageColumn,
  ],
  (o, now) => [name(o), controllerName(o), int(o.revision), age(o, now)],
);

/** policy/v1 PodDisruptionBudget. */
export const podDisruptionBudgets: Printer = printer(
  [
    nameColumn,
    column("Min Available", "string", "Pods that must stay available, as a number or percentage."),
    column("Max Unavailable", "string", "Pods that may be unavailable, as a number or percentage."),
    column("Allowed Disruptions", "integer", "Pods that may be disrupted now."),
    ageColumn,
  ],
  (o, now) => {
    const spec = obj(o, "spec");
    return [
      name(o),
      isSet(spec.minAvailable) ? intOrString(spec.minAvailable) : "N/A",
      isSet(spec.maxUnavailable) ? intOrString(spec.maxUnavailable) : "N/A",
      int(obj(o, "status").disruptionsAllowed),
      age(o, now),
    ];
  },
);
