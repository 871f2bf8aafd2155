/** Test wiring for deployment syncs: a deployment controller and a replica set controller over one fake API. */
import { keyOf } from "../../client/cache.js";
import { R } from "../../client/resources.js";
import { RecordingQueue, testEnv, type TestEnv } from "../job/testutil.js";
import { newReplicaSetController, type ReplicaSetController } from "../replicaset/controller.js";
import { finishTerminating, markAllReady } from "../replicaset/testutil.js";
import { newDeploymentController, type DeploymentController } from "./controller.js";
import { REVISION, getCondition, type Deployment } from "./util.js";

export interface Cluster extends TestEnv {
  dc: DeploymentController;
  rsc: ReplicaSetController;
  /** Runs deployment and replica set syncs `rounds` times; with `ready`, kubelets make new pods Ready and finish deletions. */
  settle(rounds?: number, ready?: boolean): Promise<string[]>;
  deployment(): Deployment;
}

/** kubectl rollout status's message for a deployment (DeploymentStatusViewer, kubectl 1.32). */
export function rolloutStatusMessage(d: Deployment): string {
  const name = d.metadata.name;
  const s = d.status ?? {};
  if ((d.metadata.generation ?? 0) > (s.observedGeneration ?? 0)) return "Waiting for deployment spec update to be observed...";
  if (getCondition(s, "Progressing")?.reason === "ProgressDeadlineExceeded") return `error: deployment "${name}" exceeded its progress deadline`;
  const want = d.spec.replicas ?? 1;
  const updated = s.updatedReplicas ?? 0;
  if (updated < want) return `Waiting for deployment "${name}" rollout to finish: ${updated} out of ${want} new replicas have been updated...`;
  if ((s.replicas ?? 0) > updated) return `Waiting for deployment "${name}" rollout to finish: ${(s.replicas ?? 0) - updated} old replicas are pending termination...`;
  if ((s.availableReplicas ?? 0) < updated) return `Waiting for deployment "${name}" rollout to finish: ${s.availableReplicas ?? 0} of ${updated} updated replicas are available...`;
  return `deployment "${name}" successfully rolled out`;
}

export function cluster(): Cluster {
  const env = testEnv();
  const rsc = newReplicaSetController(env.ctx, { queue: new RecordingQueue() });
  const dc = newDeploymentController(env.ctx, { queue: env.queue });
  const deployment = (): Deployment => env.client.objectsOf<Deployment>(R.deployments, "ns")[0]!;
  const settle = async (rounds = 1, ready = false): Promise<string[]> => {
    const seen: string[] = [];
    for (let i = 0; i < rounds; i++) {
      await dc.sync("ns/web");
      for (const rs of env.client.objectsOf(R.replicasets, "ns")) await rsc.sync(keyOf(rs));
      if (ready) {
        await markAllReady(env.client, "ns", env.clock.now());
        await finishTerminating(env.client, "ns");
        for (const rs of env.client.objectsOf(R.replicasets, "ns")) await rsc.sync(keyOf(rs));
      }
      await dc.sync("ns/web");
      const msg = rolloutStatusMessage(deployment());
      if (seen[seen.length - 1] !== msg) seen.push(msg);
    }
    return seen;
  };
  return { ...env, dc, rsc, settle, deployment };
}

export const revisionOfObj = (o: { metadata: { annotations?: Record<string, string> } }): string | undefined => o.metadata.annotations?.[REVISION];
