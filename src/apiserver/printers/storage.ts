/** Printers for storage.k8s.io. */
import type { Printer } from "./types.js";
import { age, ageColumn, annotations, column, isSet, name, nameColumn, obj, objects, printer, str, strings } from "./format.js";
import { formatQuantity } from "./quantity.js";

function isDefaultClass(ann: Record<string, string>, keys: string[]): boolean {
  return keys.some((k) => ann[k] === "true");
}

export const storageClasses: Printer = printer(
  [
    nameColumn,
    column("Provisioner", "string", "The volume plugin that provisions volumes of the class."),
    column("ReclaimPolicy", "string", "Reclaim policy of volumes provisioned for the class."),
    column("VolumeBindingMode", "string", "When volumes are bound and provisioned."),
    column("AllowVolumeExpansion", "string", "Whether volumes of the class can be expanded."),
    ageColumn,
  ],
  (o, now) => {
    const isDefault = isDefaultClass(annotations(o), [
      "storageclass.kubernetes.io/is-default-class",
      "storageclass.beta.kubernetes.io/is-default-class",
    ]);
    return [
      isDefault ? `${name(o)} (default)` : name(o),
      str(o.provisioner),
      isSet(o.reclaimPolicy) ? str(o.reclaimPolicy) : "Delete",
      isSet(o.volumeBindingMode) ? str(o.volumeBindingMode) : "Immediate",
      o.allowVolumeExpansion === true,
      age(o, now),
    ];
  },
);

export const volumeAttributesClasses: Printer = printer(
  [nameColumn, column("DriverName", "string", "The CSI driver the class is for."), ageColumn],
  (o, now) => {
    const isDefault = isDefaultClass(annotations(o), ["volumeattributesclass.alpha.kubernetes.io/is-default-class"]);
    return [isDefault ? `${name(o)} (default)` : name(o), str(o.driverName), age(o, now)];
  },
);

export const volumeAttachments: Printer = printer(
  [
    nameColumn,
    // kube marks this column as a name column too.
    column("Attacher", "string", "The volume driver doing the attachment.", { format: "name" }),
    column("PV", "string", "The persistent volume being attached."),
    column("Node", "string", "The node the volume is attached to."),
    column("Attached", "boolean", "Whether the attachment has succeeded."),
    ageColumn,
  ],
  (o, now) => {
    const spec = obj(o, "spec");
    return [
      name(o),
      str(spec.attacher),
      str(obj(spec, "source").persistentVolumeName),
      str(spec.nodeName),
      obj(o, "status").attached === true,
      age(o, now),
    ];
  },
);

export const csiNodes: Printer = printer(
  [nameColumn, column("Drivers", "integer", "Number of CSI drivers registered on the node."), ageColumn],
  (o, now) => [name(o), objects(obj(o, "spec").drivers).length, age(o, now)],
);

export const csiDrivers: Printer = printer(
  [
    nameColumn,
    column("AttachRequired", "boolean", "Whether volumes need an attach step."),
    column("PodInfoOnMount", "boolean", "Whether pod information is passed on mount."),
    column("StorageCapacity", "boolean", "Whether the scheduler considers storage capacity."),
    column("TokenRequests", "string", "Audiences of service account tokens passed to the driver."),
    column("RequiresRepublish", "boolean", "Whether volumes are periodically remounted."),
    column("Modes", "string", "Volume lifecycle modes the driver supports."),
    ageColumn,
  ],
  (o, now) => {
    const spec = obj(o, "spec");
    const tokenRequests = objects(spec.tokenRequests);
    return [
      name(o),
      spec.attachRequired !== false, // kube's default is true
      spec.podInfoOnMount === true,
      spec.storageCapacity === true,
      // An empty list does not survive storage (omitempty), so it reads as unset, as in kube.
      tokenRequests.length > 0 ? tokenRequests.map((t) => str(t.audience)).join(",") : "<unset>",
      spec.requiresRepublish === true,
      strings(spec.volumeLifecycleModes).join(",") || "<none>",
      age(o, now),
    ];
  },
);

export const csiStorageCapacities: Printer = printer(
  [
    nameColumn,
    column("StorageClassName", "string", "The storage class the capacity is for."),
    column("Capacity", "string", "The capacity reported."),
  ],
  (o) => [name(o), str(o.storageClassName), isSet(o.capacity) ? formatQuantity(o.capacity) : "<unset>"],
);
