/** Printers for the core group (v1). Column sets follow kube-apiserver 1.32. */
import type { KObject } from "../api/types.js";
import type { Printer, TableRowCondition } from "./types.js";
import { humanDuration } from "./duration.js";
import {
  age,
  ageColumn,
  annotations,
  byteOrder,
  column,
  containerCells,
  formatLabels,
  int,
  isDeleting,
  isObject,
  isSet,
  joinHostPort,
  name,
  nameColumn,
  obj,
  objects,
  parseTime,
  printer,
  since,
  sortedUnique,
  str,
  stringMap,
  strings,
  wide,
  type JSONObject,
} from "./format.js";
import { formatQuantity } from "./quantity.js";

// ---- pods -----------------------------------------------------------------------------------

const podSucceeded: TableRowCondition[] = [
  { type: "Completed", status: "True", reason: "Succeeded", message: "The pod has completed successfully." },
];
const podFailed: TableRowCondition[] = [{ type: "Completed", status: "True", reason: "Failed", message: "The pod failed." }];

function isSidecar(container: JSONObject | undefined): boolean {
  return container?.restartPolicy === "Always";
}

function conditionStatus(conditions: JSONObject[], type: string): string | undefined {
  return conditions.find((c) => c.type === type)?.status as string | undefined;
}

/** When the container last terminated (lastState.terminated.finishedAt), if it did. */
function lastTerminated(cs: JSONObject): number | undefined {
  const terminated = obj(cs, "lastState").terminated;
  return isObject(terminated) ? parseTime(terminated.finishedAt) : undefined;
}

function later(a: number | undefined, b: number | undefined): number | undefined {
  if (b === undefined) return a;
  return a === undefined || a < b ? b : a;
}

function exitText(terminated: JSONObject, prefix: string): string {
  const signal = int(terminated.signal);
  return signal !== 0 ? `${prefix}Signal:${signal}` : `${prefix}ExitCode:${int(terminated.exitCode)}`;
}

function podCells(pod: KObject, now: Date): unknown[] {
  const spec = obj(pod, "spec");
  const status = obj(pod, "status");
  const conditions = objects(status.conditions);
  const phase = str(status.phase);

  let reason = str(status.reason) || phase;
  if (conditions.some((c) => c.type === "PodScheduled" && c.reason === "SchedulingGated")) reason = "SchedulingGated";

  const initSpecs = objects(spec.initContainers);
  const initByName = new Map(initSpecs.map((c) => [str(c.name), c]));
  let total = objects(spec.containers).length + initSpecs.filter(isSidecar).length;
  let ready = 0;
  let restarts = 0;
  let sidecarRestarts = 0;
  let lastRestart: number | undefined;
  let lastSidecarRestart: number | undefined;

  // Init containers run in order: the first one not done decides the status.
  let initializing = false;
  const initStatuses = objects(status.initContainerStatuses);
  for (let i = 0; i < initStatuses.length; i++) {
    const cs = initStatuses[i]!;
    const count = int(cs.restartCount);
    restarts += count;
    lastRestart = later(lastRestart, lastTerminated(cs));
    const sidecar = isSidecar(initByName.get(str(cs.name)));
    if (sidecar) {
      sidecarRestarts += count;
      lastSidecarRestart = later(lastSidecarRestart, lastTerminated(cs));
    }
    const state = obj(cs, "state");
    const terminated = isObject(state.terminated) ? state.terminated : undefined;
    const waiting = isObject(state.waiting) ? state.waiting : undefined;
    if (terminated && int(terminated.exitCode) === 0) continue;
    if (sidecar && cs.started === true) {
      if (cs.ready === true) ready++;
      continue;
    }
    if (terminated) {
      reason = str(terminated.reason) === "" ? exitText(terminated, "Init:") : `Init:${str(terminated.reason)}`;
    } else if (waiting && str(waiting.reason) !== "" && waiting.reason !== "PodInitializing") {
      reason = `Init:${str(waiting.reason)}`;
    } else {
      reason = `Init:${i}/${initSpecs.length}`;
    }
    initializing = true;
    break;
  }

  if (!initializing || conditionStatus(conditions, "Initialized") === "True") {
    restarts = sidecarRestarts;
    lastRestart = lastSidecarRestart;
    let hasRunning = false;
    const statuses = objects(status.containerStatuses);
    // Backwards, so the first container's state is the one that sticks.
    for (let i = statuses.length - 1; i >= 0; i--) {
      const cs = statuses[i]!;
      restarts += int(cs.restartCount);
      lastRestart = later(lastRestart, lastTerminated(cs));
      const state = obj(cs, "state");
      const terminated = isObject(state.terminated) ? state.terminated : undefined;
      const waiting = isObject(state.waiting) ? state.waiting : undefined;
      if (waiting && str(waiting.reason) !== "") reason = str(waiting.reason);
      else if (terminated && str(terminated.reason) !== "") reason = str(terminated.reason);
      else if (terminated) reason = exitText(terminated, "");
      else if (cs.ready === true && isObject(state.running)) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === "Completed" && hasRunning) {
      reason = conditions.some((c) => c.type === "Ready" && c.status === "True") ? "Running" : "NotReady";
    }
  }

  if (isDeleting(pod) && status.reason === "NodeLost") reason = "Unknown";
  else if (isDeleting(pod) && phase !== "Succeeded" && phase !== "Failed") reason = "Terminating";

  let restartsText = String(restarts);
  if (restarts !== 0 && lastRestart !== undefined) {
    restartsText = `${restarts} (${humanDuration(now.getTime() - lastRestart)} ago)`;
  }

  // status.podIP wins over podIPs[0] (kube's v1 conversion does the same).
  const podIP = str(status.podIP) || str(objects(status.podIPs)[0]?.ip) || "<none>";
  const gates = objects(spec.readinessGates);
  let readinessGates = "<none>";
  if (gates.length > 0) {
    const trueGates = gates.filter((g) => conditionStatus(conditions, str(g.conditionType)) === "True").length;
    readinessGates = `${trueGates}/${gates.length}`;
  }

  return [
    name(pod),
    `${ready}/${total}`,
    reason,
    restartsText,
    age(pod, now),
    podIP,
    str(spec.nodeName) || "<none>",
    str(status.nominatedNodeName) || "<none>",
    readinessGates,
  ];
}

function podConditions(pod: KObject): TableRowCondition[] | undefined {
  const phase = obj(pod, "status").phase;
  if (phase === "Succeeded") return podSucceeded.map((c) => ({ ...c }));
  if (phase === "Failed") return podFailed.map((c) => ({ ...c }));
  return undefined;
}

export const pods: Printer = printer(
  [
    nameColumn,
    column("Ready", "string", "Ready containers out of all containers, sidecars included."),
    column("Status", "string", "The pod's phase, or why its containers are not running."),
    column("Restarts", "string", "Container restarts, and how long ago the last one happened."),
    ageColumn,
    column("IP", "string", "The pod's primary IP address.", wide),
    column("Node", "string", "The node the pod is bound to.", wide),
    column("Nominated Node", "string", "The node chosen for the pod by preemption.", wide),
    column("Readiness Gates", "string", "Readiness gates whose condition is True, out of all gates.", wide),
  ],
  podCells,
  podConditions,
);

export const podTemplates: Printer = printer(
  [
    nameColumn,
    column("Containers", "string", "Names of the template's containers."),
    column("Images", "string", "Images of the template's containers."),
    column("Pod Labels", "string", "Labels of the pod template."),
  ],
  (o) => {
    const template = obj(o, "template");
    return [name(o), ...containerCells(obj(template, "spec")), formatLabels(obj(template, "metadata").labels)];
  },
);

// ---- services and endpoints -----------------------------------------------------------------

/** Load balancer ingress points: IPs or hostnames, unique and sorted. */
export function loadBalancerIngress(status: JSONObject): string {
  const points = objects(status.ingress).map((i) => str(i.ip) || str(i.hostname)).filter((s) => s !== "");
  return sortedUnique(points).join(",");
}

function serviceExternalIP(spec: JSONObject, status: JSONObject): string {
  const externalIPs = strings(spec.externalIPs);
  switch (spec.type) {
    case "ClusterIP":
    case "NodePort":
      return externalIPs.length > 0 ? externalIPs.join(",") : "<none>";
    case "LoadBalancer": {
      const lb = loadBalancerIngress(obj(status, "loadBalancer"));
      if (externalIPs.length > 0) return [...(lb ? lb.split(",") : []), ...externalIPs].join(",");
      return lb || "<pending>";
    }
    case "ExternalName":
      return str(spec.externalName);
    default:
      return "<unknown>";
  }
}

function servicePorts(spec: JSONObject): string {
  const ports = objects(spec.ports).map((p) => {
    const nodePort = int(p.nodePort);
    return nodePort > 0 ? `${int(p.port)}:${nodePort}/${str(p.protocol)}` : `${int(p.port)}/${str(p.protocol)}`;
  });
  return ports.length > 0 ? ports.join(",") : "<none>";
}

export const services: Printer = printer(
  [
    nameColumn,
    column("Type", "string", "How the service is exposed: ClusterIP, NodePort, LoadBalancer or ExternalName."),
    column("Cluster-IP", "string", "The service's primary cluster IP."),
    column("External-IP", "string", "External IPs or load balancer ingress points."),
    column("Port(s)", "string", "Service ports, with node ports where allocated."),
    ageColumn,
    column("Selector", "string", "Labels of the pods the service routes to.", wide),
  ],
  (o, now) => {
    const spec = obj(o, "spec");
    // clusterIPs[0] as kube prints it; a stored object without clusterIPs falls back to clusterIP.
    const clusterIP = strings(spec.clusterIPs)[0] || str(spec.clusterIP) || "<none>";
    return [
      name(o),
      str(spec.type),
      clusterIP,
      serviceExternalIP(spec, obj(o, "status")),
      servicePorts(spec),
      age(o, now),
      formatLabels(spec.selector),
    ];
  },
);

function formatEndpoints(subsets: JSONObject[]): string {
  if (subsets.length === 0) return "<none>";
  const max = 3;
  const shown: string[] = [];
  let count = 0;
  let more = false;
  for (const ss of subsets) {
    const addresses = objects(ss.addresses);
    const ports = objects(ss.ports);
    if (ports.length === 0) {
      // Headless services without ports list bare IPs.
      count += addresses.length;
      for (const a of addresses) {
        if (shown.length === max) {
          more = true;
          break;
        }
        shown.push(str(a.ip));
      }
      continue;
    }
    for (const port of ports) {
      count += addresses.length;
      for (const a of addresses) {
        if (shown.length === max) {
          more = true;
          break;
        }
        shown.push(joinHostPort(str(a.ip), int(port.port)));
      }
    }
  }
  const text = shown.join(",");
  return more ? `${text} + ${count - max} more...` : text;
}

export const endpoints: Printer = printer(
  [nameColumn, column("Endpoints", "string", "Ready addresses and ports behind the service."), ageColumn],
  (o, now) => [name(o), formatEndpoints(objects(o.subsets)), age(o, now)],
);

// ---- nodes ----------------------------------------------------------------------------------

function nodeRoles(labels: Record<string, string>): string {
  const roles: string[] = [];
  for (const [k, v] of Object.entries(labels)) {
    if (k.startsWith("node-role.kubernetes.io/")) {
      const role = k.slice("node-role.kubernetes.io/".length);
      if (role !== "") roles.push(role);
    } else if (k === "kubernetes.io/role" && v !== "") {
      roles.push(v);
    }
  }
  return sortedUnique(roles).join(",") || "<none>";
}

function nodeAddress(status: JSONObject, type: string): string {
  return str(objects(status.addresses).find((a) => a.type === type)?.address) || "<none>";
}

export const nodes: Printer = printer(
  [
    nameColumn,
    column("Status", "string", "Whether the node is Ready, and whether scheduling is disabled."),
    column("Roles", "string", "Roles from the node's node-role.kubernetes.io/ labels."),
    ageColumn,
    column("Version", "string", "The kubelet version the node reports."),
    column("Internal-IP", "string", "The node's first internal IP.", wide),
    column("External-IP", "string", "The node's first external IP.", wide),
    column("OS-Image", "string", "The operating system image the node reports.", wide),
    column("Kernel-Version", "string", "The kernel version the node reports.", wide),
    column("Container-Runtime", "string", "The container runtime and version the node reports.", wide),
  ],
  (o, now) => {
    const status = obj(o, "status");
    const info = obj(status, "nodeInfo");
    // The last Ready condition wins, as in kube's map of conditions by type.
    const readyCondition = objects(status.conditions).filter((c) => c.type === "Ready").pop();
    const states = [readyCondition === undefined ? "Unknown" : readyCondition.status === "True" ? "Ready" : "NotReady"];
    if (obj(o, "spec").unschedulable === true) states.push("SchedulingDisabled");
    return [
      name(o),
      states.join(","),
      nodeRoles(stringMap(obj(o, "metadata").labels)),
      age(o, now),
      str(info.kubeletVersion),
      nodeAddress(status, "InternalIP"),
      nodeAddress(status, "ExternalIP"),
      str(info.osImage) || "<unknown>",
      str(info.kernelVersion) || "<unknown>",
      str(info.containerRuntimeVersion) || "<unknown>",
    ];
  },
);

// ---- events (core/v1 and events.k8s.io/v1 share the printer) -------------------------------

/** An events.k8s.io/v1 Event read with core/v1 field names, as kube's shared storage does. */
function coreEvent(e: KObject): JSONObject {
  const isNewAPI =
    str(e.apiVersion).startsWith("events.k8s.io/") || (!isSet(e.involvedObject) && (isSet(e.regarding) || isSet(e.note)));
  if (!isNewAPI) return e;
  return {
    metadata: e.metadata,
    involvedObject: e.regarding,
    reason: e.reason,
    message: e.note,
    source: e.deprecatedSource,
    firstTimestamp: e.deprecatedFirstTimestamp,
    lastTimestamp: e.deprecatedLastTimestamp,
    count: e.deprecatedCount,
    type: e.type,
    eventTime: e.eventTime,
    series: e.series,
    reportingController: e.reportingController,
    reportingInstance: e.reportingInstance,
  };
}

export const events: Printer = printer(
  [
    column("Last Seen", "string", "Time since the event was last observed."),
    column("Type", "string", "Normal or Warning."),
    column("Reason", "string", "Short machine-readable reason for the event."),
    column("Object", "string", "The object the event is about."),
    column("Subobject", "string", "The part of the object the event is about.", wide),
    column("Source", "string", "The component (and host) that reported the event.", wide),
    column("Message", "string", "Human-readable description of the event."),
    column("First Seen", "string", "Time since the event was first observed.", wide),
    column("Count", "string", "How many times the event has occurred.", wide),
    column("Name", "string", "Name of the event object.", { priority: 1, format: "name" }),
  ],
  (o, now) => {
    const e = coreEvent(o);
    const first = isSet(parseTime(e.firstTimestamp)) ? since(e.firstTimestamp, now) : since(e.eventTime, now);
    let last = isSet(parseTime(e.lastTimestamp)) ? since(e.lastTimestamp, now) : first;
    let count = int(e.count);
    if (isObject(e.series)) {
      last = since(e.series.lastObservedTime, now);
      count = int(e.series.count);
    } else if (count === 0) {
      count = 1; // singleton events of the new API carry no count
    }
    const involved = obj(e, "involvedObject");
    const kind = str(involved.kind).toLowerCase();
    const target = str(involved.name) !== "" ? `${kind}/${str(involved.name)}` : kind;
    const source = obj(e, "source");
    // Core Events name the reporting controller reportingComponent (kube's internal type: ReportingController).
    const component = str(source.component) || str(e.reportingComponent) || str(e.reportingController);
    const host = str(source.host) || str(e.reportingInstance);
    return [
      last,
      str(e.type),
      str(e.reason),
      target,
      str(involved.fieldPath),
      host === "" ? component : `${component}, ${host}`,
      str(e.message).trim(),
      first,
      count,
      name(o),
    ];
  },
);

// ---- simple core objects --------------------------------------------------------------------

export const namespaces: Printer = printer(
  [nameColumn, column("Status", "string", "The namespace's phase: Active or Terminating."), ageColumn],
  (o, now) => [name(o), str(obj(o, "status").phase), age(o, now)],
);

export const secrets: Printer = printer(
  [
    nameColumn,
    column("Type", "string", "The secret's type."),
    column("Data", "string", "Number of keys in the secret."),
    ageColumn,
  ],
  // stringData is merged into data when kube decodes a secret, so both count.
  (o, now) => [name(o), str(o.type), new Set([...Object.keys(obj(o, "data")), ...Object.keys(obj(o, "stringData"))]).size, age(o, now)],
);

export const serviceAccounts: Printer = printer(
  [nameColumn, column("Secrets", "string", "Number of secrets listed for the service account."), ageColumn],
  (o, now) => [name(o), objects(o.secrets).length, age(o, now)],
);

export const configMaps: Printer = printer(
  [nameColumn, column("Data", "string", "Number of keys in data and binaryData."), ageColumn],
  (o, now) => [name(o), Object.keys(obj(o, "data")).length + Object.keys(obj(o, "binaryData")).length, age(o, now)],
);

export const componentStatuses: Printer = printer(
  [
    nameColumn,
    column("Status", "string", "Healthy, Unhealthy or Unknown."),
    column("Message", "string", "Message of the Healthy condition."),
    column("Error", "string", "Error of the Healthy condition."),
  ],
  (o) => {
    const healthy = objects(o.conditions).find((c) => c.type === "Healthy");
    if (!healthy) return [name(o), "Unknown", "", ""];
    return [name(o), healthy.status === "True" ? "Healthy" : "Unhealthy", str(healthy.message), str(healthy.error)];
  },
);

export const resourceQuotas: Printer = printer(
  [
    nameColumn,
    column("Request", "string", "Used and hard amounts of the quota's request (non-limit) resources."),
    column("Limit", "string", "Used and hard amounts of the quota's limits.* resources."),
    ageColumn,
  ],
  (o, now) => {
    const status = obj(o, "status");
    const hard = obj(status, "hard");
    const used = obj(status, "used");
    const requests: string[] = [];
    const limits: string[] = [];
    for (const resource of Object.keys(hard).sort(byteOrder)) {
      const text = `${resource}: ${formatQuantity(used[resource])}/${formatQuantity(hard[resource])}`;
      const pieces = resource.split(".");
      (pieces.length > 1 && pieces[0] === "limits" ? limits : requests).push(text);
    }
    return [name(o), requests.join(", "), limits.join(", "), age(o, now)];
  },
);

// ---- volumes --------------------------------------------------------------------------------

/** The storage class: the old beta annotation wins over spec.storageClassName. */
function storageClass(o: KObject, spec: JSONObject): string {
  const ann = annotations(o);
  const beta = "volume.beta.kubernetes.io/storage-class";
  return Object.hasOwn(ann, beta) ? ann[beta]! : str(spec.storageClassName);
}

function unsetOr(v: unknown): string {
  return isSet(v) ? str(v) : "<unset>";
}

/** Access modes in kube's fixed order, duplicates dropped. */
export function accessModes(modes: unknown): string {
  const set = new Set(strings(modes));
  const order: [string, string][] = [
    ["ReadWriteOnce", "RWO"],
    ["ReadOnlyMany", "ROX"],
    ["ReadWriteMany", "RWX"],
    ["ReadWriteOncePod", "RWOP"],
  ];
  return order.filter(([mode]) => set.has(mode)).map(([, short]) => short).join(",");
}

export const persistentVolumes: Printer = printer(
  [
    nameColumn,
    column("Capacity", "string", "The volume's storage capacity."),
    column("Access Modes", "string", "Ways the volume can be mounted."),
    column("Reclaim Policy", "string", "What happens to the volume when its claim is released."),
    column("Status", "string", "The volume's phase."),
    column("Claim", "string", "The claim bound to the volume, as namespace/name."),
    column("StorageClass", "string", "The volume's storage class."),
    column("VolumeAttributesClass", "string", "The volume's attributes class."),
    column("Reason", "string", "Why the volume is in its phase."),
    ageColumn,
    column("VolumeMode", "string", "Filesystem or Block.", wide),
  ],
  (o, now) => {
    const spec = obj(o, "spec");
    const status = obj(o, "status");
    const claimRef = isObject(spec.claimRef) ? `${str(spec.claimRef.namespace)}/${str(spec.claimRef.name)}` : "";
    return [
      name(o),
      formatQuantity(obj(spec, "capacity").storage),
      accessModes(spec.accessModes),
      str(spec.persistentVolumeReclaimPolicy),
      isDeleting(o) ? "Terminating" : str(status.phase),
      claimRef,
      storageClass(o, spec),
      unsetOr(spec.volumeAttributesClassName),
      str(status.reason),
      age(o, now),
      unsetOr(spec.volumeMode),
    ];
  },
);

export const persistentVolumeClaims: Printer = printer(
  [
    nameColumn,
    column("Status", "string", "The claim's phase."),
    column("Volume", "string", "The volume bound to the claim."),
    column("Capacity", "string", "Storage capacity of the bound volume."),
    column("Access Modes", "string", "Access modes of the bound volume."),
    column("StorageClass", "string", "The claim's storage class."),
    column("VolumeAttributesClass", "string", "The claim's attributes class."),
    ageColumn,
    column("VolumeMode", "string", "Filesystem or Block.", wide),
  ],
  (o, now) => {
    const spec = obj(o, "spec");
    const status = obj(o, "status");
    const volumeName = str(spec.volumeName);
    const bound = volumeName !== "";
    return [
      name(o),
      isDeleting(o) ? "Terminating" : str(status.phase),
      volumeName,
      bound ? formatQuantity(obj(status, "capacity").storage) : "",
      bound ? accessModes(status.accessModes) : "",
      storageClass(o, spec),
      unsetOr(spec.volumeAttributesClassName),
      age(o, now),
      unsetOr(spec.volumeMode),
    ];
  },
);
