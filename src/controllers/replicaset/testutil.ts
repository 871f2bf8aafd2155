/** Test helpers shared by the replicaset and deployment tests: pods a kubelet would have made ready. */
import type { FakeClient } from "../../client/fake.js";
import { R } from "../../client/resources.js";
import type { KObject } from "../../client/types.js";
import { rfc3339 } from "../util/pods.js";

/** Binds the pod to `node` and marks it Running and Ready as of `nowMs`, through the fake API. */
export async function markReady(client: FakeClient, pod: KObject, nowMs: number, node = "node-1"): Promise<void> {
  const ns = pod.metadata.namespace;
  const name = pod.metadata.name ?? "";
  await client.patch(R.pods, ns, name, "merge", { spec: { nodeName: node } });
  const cur = await client.get(R.pods, ns, name);
  const status = { phase: "Running", conditions: [{ type: "Ready", status: "True", lastProbeTime: null, lastTransitionTime: rfc3339(nowMs) }] };
  await client.update(R.pods, { ...cur, status }, { subresource: "status" });
}

/** Marks every pod of the namespace that is not Ready yet. */
export async function markAllReady(client: FakeClient, namespace: string, nowMs: number): Promise<number> {
  let n = 0;
  for (const p of client.objectsOf(R.pods, namespace)) {
    const ready = (p.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions?.some((c) => c.type === "Ready" && c.status === "True");
    if (ready || p.metadata.deletionTimestamp) continue;
    await markReady(client, p, nowMs);
    n++;
  }
  return n;
}

/** Finishes graceful deletions, as kubelets would: pods with a deletionTimestamp are removed. */
export async function finishTerminating(client: FakeClient, namespace: string): Promise<number> {
  let n = 0;
  for (const p of client.objectsOf(R.pods, namespace)) {
    if (!p.metadata.deletionTimestamp) continue;
    await client.delete(R.pods, namespace, p.metadata.name ?? "", { gracePeriodSeconds: 0 });
    n++;
  }
  return n;
}
