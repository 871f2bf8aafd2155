/** Test wiring shared by the statefulset and daemonset tests: fakes, a recording queue, and a stand-in kubelet. */
import { FakeClient, FakeClock, FakeInformerFactory, FakeRecorder } from "../../client/fake.js";
import { R } from "../../client/resources.js";
import type { KObject, WorkQueue } from "../../client/types.js";
import type { ControllerContext } from "../types.js";
import { rfc3339 } from "../util/pods.js";

import { RecordingQueue } from "../../client/fake.js";
export { RecordingQueue };

export interface TestEnv {
  clock: FakeClock;
  client: FakeClient;
  informers: FakeInformerFactory;
  recorder: FakeRecorder;
  queue: RecordingQueue;
  ctx: ControllerContext;
}

export function testEnv(): TestEnv {
  const clock = new FakeClock();
  const client = new FakeClient(clock);
  const informers = new FakeInformerFactory(client);
  const recorder = new FakeRecorder();
  const quiet = { info: () => {}, warn: () => {}, error: () => {} };
  const ctx: ControllerContext = { client, informers, recorder: () => recorder, clock, log: quiet };
  return { clock, client, informers, recorder, queue: new RecordingQueue(), ctx };
}

/** What the API server does on pod create that the fake does not: status.phase Pending. */
export async function defaultPodPhases(client: FakeClient, namespace = "default"): Promise<void> {
  for (const p of client.objectsOf(R.pods, namespace)) {
    if ((p.status as { phase?: string } | undefined)?.phase) continue;
    await client.update(R.pods, { ...p, status: { phase: "Pending" } }, { subresource: "status" });
  }
}

/** The kubelet's report for a started pod: Running with Ready True since now. */
export async function markRunningReady(client: FakeClient, name: string, namespace = "default"): Promise<KObject> {
  const p = await client.get(R.pods, namespace, name);
  const t = rfc3339(client.clock.now());
  const status = { phase: "Running", conditions: [{ type: "Ready", status: "True", lastTransitionTime: t }] };
  return client.update(R.pods, { ...p, status }, { subresource: "status" });
}
