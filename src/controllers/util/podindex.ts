/**
 * An index of the pod informer by controller (kube's PodControllerUIDIndex): a controlled pod
 * under its controller's UID, an orphan under its namespace. A replica set's sync then reads
 * its own pods and the orphans it may adopt, not every pod of the namespace (which made each
 * sync O(pods in the namespace): 10,000 pods under ten Deployments cost seconds of CPU).
 */
import type { Informer, KObject } from "../../client/types.js";
import { controllerRefOf } from "./pods.js";

export const POD_CONTROLLER_INDEX = "kplane.controller/pod-controller-uid";

/** The index value of orphans in a namespace (UIDs never start with NUL). */
const orphanKey = (namespace: string | undefined): string => `\u0000orphan/${namespace ?? ""}`;

const indexed = new WeakSet<Informer>();

/** Adds the index to a (shared) pod informer once, however many controllers ask. */
export function ensurePodControllerIndex(pods: Informer): void {
  if (indexed.has(pods)) return;
  indexed.add(pods);
  pods.addIndexers({
    [POD_CONTROLLER_INDEX]: (p) => {
      const ref = controllerRefOf(p);
      return [ref?.uid ? ref.uid : orphanKey(p.metadata.namespace)];
    },
  });
}

/** Pods whose controller is the object with this UID. */
export function podsControlledBy(pods: Informer, uid: string | undefined): KObject[] {
  return uid ? pods.lister.byIndex(POD_CONTROLLER_INDEX, uid) : [];
}

/** What a controller's claim looks at: the pods it controls, then the orphans of its namespace. */
export function podsControlledByOrOrphaned(pods: Informer, owner: KObject): KObject[] {
  const mine = podsControlledBy(pods, owner.metadata.uid);
  const orphans = pods.lister.byIndex(POD_CONTROLLER_INDEX, orphanKey(owner.metadata.namespace));
  return orphans.length ? mine.concat(orphans) : mine;
}
