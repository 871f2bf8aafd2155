/**
 * Writes to nodes and pods that the node lifecycle and taint eviction controllers share
 * (kube's controller/util/node and controller_utils): taint swaps with optimistic concurrency,
 * marking pods NotReady, and the pods-by-node index.
 */
import { R } from "../../client/resources.js";
import { isConflict, isNotFound, type ApiClient, type EventRecorder, type Informer, type KObject } from "../../client/types.js";
import { podCondition, rfc3339, type PodCondition } from "../util/pods.js";
import { nodeTaints, swapTaints, taintExists, type Node, type Taint } from "./core.js";

export const POD_NODE_NAME_INDEX = "spec.nodeName";

/** Adds the spec.nodeName index to the shared pods informer once, whoever asks first. */
export function ensurePodNodeIndex(pods: Informer): void {
  try {
    pods.addIndexers({ [POD_NODE_NAME_INDEX]: (p) => {
      const n = (p.spec as { nodeName?: string } | undefined)?.nodeName;
      return n ? [n] : [];
    } });
  } catch {
    // Already added by the other controller sharing this informer.
  }
}

export const podsOnNode = (pods: Informer, nodeName: string): KObject[] => pods.lister.byIndex(POD_NODE_NAME_INDEX, nodeName);

const RETRIES = 5;

/**
 * Adds (stamped with timeAdded) and removes taints in one merge patch guarded by the node's
 * resourceVersion, retrying conflicts on a fresh read (kube's SwapNodeControllerTaint does the
 * same in two patches). A removal the node does not need costs no request.
 */
export async function swapNodeTaints(client: ApiClient, nodes: Informer<Node>, node: Node, add: Taint[], remove: Taint[], now: () => number): Promise<void> {
  if (add.length === 0 && !remove.some((t) => taintExists(nodeTaints(node), t))) return;
  const name = node.metadata.name ?? "";
  for (let attempt = 0; ; attempt++) {
    const cur: Node = attempt === 0 ? (nodes.lister.get(undefined, name) ?? node) : await client.get<Node>(R.nodes, undefined, name);
    const next = swapTaints(nodeTaints(cur), add, remove, now());
    if (!next) return;
    try {
      await client.patch(R.nodes, undefined, name, "merge", { metadata: { resourceVersion: cur.metadata.resourceVersion }, spec: { taints: next.length ? next : null } });
      return;
    } catch (e) {
      if (!isConflict(e) || attempt >= RETRIES - 1) throw e;
    }
  }
}

/** Sets or updates a pod condition as kube's UpdatePodCondition: the transition time moves only when the status does. Answers whether anything changed. */
export function setPodCondition(pod: KObject, cond: PodCondition, now: number): boolean {
  const status = (pod.status ??= {}) as { conditions?: PodCondition[] };
  const conds = (status.conditions ??= []);
  const i = conds.findIndex((c) => c.type === cond.type);
  const next: PodCondition = { ...cond, lastProbeTime: cond.lastProbeTime ?? null, lastTransitionTime: rfc3339(now) };
  if (i < 0) {
    conds.push(next);
    return true;
  }
  const old = conds[i]!;
  if (old.status === cond.status) next.lastTransitionTime = old.lastTransitionTime ?? next.lastTransitionTime;
  const same = old.status === next.status && old.reason === next.reason && old.message === next.message && old.lastTransitionTime === next.lastTransitionTime;
  conds[i] = next;
  return !same;
}

/**
 * Sets Ready=False on the given pods of a node that stopped being ready (kube's
 * MarkPodsNotReady), with a NodeNotReady warning on each pod. Errors other than NotFound are
 * collected and thrown together so the node is retried.
 */
export async function markPodsNotReady(client: ApiClient, recorder: EventRecorder, pods: KObject[], nodeName: string, now: number): Promise<void> {
  const errors: string[] = [];
  for (const p of pods) {
    if ((p.spec as { nodeName?: string } | undefined)?.nodeName !== nodeName) continue;
    const ready = podCondition(p, "Ready");
    if (!ready) continue;
    const pod = structuredClone(p);
    if (!setPodCondition(pod, { ...ready, status: "False" }, now)) continue;
    try {
      await client.update(R.pods, pod, { subresource: "status" });
    } catch (e) {
      if (isNotFound(e)) continue;
      errors.push(`${pod.metadata.namespace}/${pod.metadata.name}: ${(e as Error).message}`);
    }
    recorder.event(pod, "Warning", "NodeNotReady", "Node is not ready");
  }
  if (errors.length) throw new Error(`unable to mark pods NotReady on node ${nodeName}: ${errors.join("; ")}`);
}
