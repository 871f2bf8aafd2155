/**
 * Conversion between the served versions of kinds that share one etcd prefix: HPAs in
 * autoscaling/v1 and autoscaling/v2, and Events in core/v1 and events.k8s.io/v1. Pure functions
 * on plain JSON; the generic store decides when to call them.
 */
import type { KObject } from "../../api/types.js";
import { eventCoreToEvents, eventEventsToCore } from "./events.js";
import { hpaV1ToV2, hpaV2ToV1 } from "./hpa.js";

export { roundTripAnnotations } from "./hpa.js";

type Converter = (obj: KObject) => KObject;

/** kind -> "from>to" -> converter. */
const converters: Record<string, Record<string, Converter>> = {
  HorizontalPodAutoscaler: {
    "autoscaling/v2>autoscaling/v1": hpaV2ToV1,
    "autoscaling/v1>autoscaling/v2": hpaV1ToV2,
  },
  Event: {
    "v1>events.k8s.io/v1": eventCoreToEvents,
    "events.k8s.io/v1>v1": eventEventsToCore,
  },
};

/**
 * The apiVersion kube-apiserver 1.32 writes to etcd for these kinds, whichever version the
 * client used (test/integration/etcd/data.go: ExpectedGVK).
 */
const storage: Record<string, string> = {
  "autoscaling/HorizontalPodAutoscaler": "autoscaling/v2",
  "/Event": "v1",
  "events.k8s.io/Event": "v1",
};

/**
 * Convert `obj` (any served version of its kind) to apiVersion `to` ("autoscaling/v1",
 * "autoscaling/v2", "v1", "events.k8s.io/v1"); returns a new object (input not mutated), or the
 * input itself when already in that version. Throws for unknown pairs.
 */
export function convert(obj: KObject, to: string): KObject {
  const from = obj.apiVersion;
  if (from === to) return obj;
  const conv = converters[obj.kind ?? ""]?.[`${from}>${to}`];
  if (!conv) throw new Error(`no conversion for kind ${JSON.stringify(obj.kind)} from ${JSON.stringify(from)} to ${JSON.stringify(to)}`);
  return conv(obj);
}

/** true when kinds in group have more than one served version needing conversion */
export function needsConversion(group: string, kind: string): boolean {
  return `${group}/${kind}` in storage;
}

/** The apiVersion objects of this group/kind are stored in, or undefined when stored as served. */
export function storageAPIVersion(group: string, kind: string): string | undefined {
  return storage[`${group}/${kind}`];
}
