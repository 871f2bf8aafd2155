/**
 * kplane's controller manager: every controller of issue 5 over one shared informer factory,
 * each with kube-controller-manager's default worker count (--concurrent-*-syncs).
 */
import { newCronJobController } from "./cronjob/controller.js";
import { newDaemonSetController } from "./daemonset/controller.js";
import { newDeploymentController } from "./deployment/controller.js";
import { newEndpointsController } from "./endpoints/controller.js";
import { newEndpointSliceController } from "./endpointslice/controller.js";
import { newGarbageCollector } from "./garbagecollector/controller.js";
import { newJobController } from "./job/controller.js";
import { newNamespaceController } from "./namespace/controller.js";
import { newNodeLifecycleController } from "./nodelifecycle/controller.js";
import type { NodeLifecycleOptions } from "./nodelifecycle/core.js";
import { newTaintEvictionController } from "./nodelifecycle/taint-eviction.js";
import { newPodGCController } from "./podgc/controller.js";
import { newReplicaSetController, newReplicationControllerController } from "./replicaset/controller.js";
import { newServiceAccountsController } from "./serviceaccount/controller.js";
import { newStatefulSetController } from "./statefulset/controller.js";
import { newTTLAfterFinishedController } from "./ttlafterfinished/controller.js";
import type { Controller, ControllerConstructor, ControllerContext } from "./types.js";

/** kube-controller-manager flags that reach single controllers (e.g. --node-monitor-grace-period). */
export interface ControllerOptions {
  nodeLifecycle?: Partial<NodeLifecycleOptions>;
}

interface Entry {
  /** kube-controller-manager's --controllers name. */
  name: string;
  make: ControllerConstructor;
  /** Used instead of `make` by controllers that take flags. */
  makeWith?: (ctx: ControllerContext, options: ControllerOptions) => Controller;
  workers: number;
}

/** In kube's order of kube-controller-manager's defaults (--concurrent-*-syncs). */
export const CONTROLLERS: readonly Entry[] = [
  { name: "serviceaccount", make: newServiceAccountsController, workers: 1 },
  { name: "namespace", make: newNamespaceController, workers: 10 },
  { name: "garbage-collector", make: newGarbageCollector, workers: 20 },
  { name: "deployment", make: newDeploymentController, workers: 5 },
  { name: "replicaset", make: newReplicaSetController, workers: 5 },
  { name: "replicationcontroller", make: newReplicationControllerController, workers: 5 },
  { name: "statefulset", make: newStatefulSetController, workers: 5 },
  { name: "daemonset", make: newDaemonSetController, workers: 2 },
  { name: "job", make: newJobController, workers: 5 },
  { name: "cronjob", make: newCronJobController, workers: 5 },
  { name: "endpoints", make: newEndpointsController, workers: 5 },
  { name: "endpointslice", make: newEndpointSliceController, workers: 5 },
  { name: "node-lifecycle", make: newNodeLifecycleController, makeWith: (ctx, o) => newNodeLifecycleController(ctx, o.nodeLifecycle ?? {}), workers: 1 },
  { name: "taint-eviction-controller", make: newTaintEvictionController, workers: 1 },
  { name: "pod-garbage-collector", make: newPodGCController, workers: 1 },
  { name: "ttl-after-finished", make: newTTLAfterFinishedController, workers: 5 },
];

/**
 * Constructs the chosen controllers (all by default; kube's `--controllers` syntax: names, "*",
 * and "-name" to leave one out) and runs them until the signal aborts. Constructing registers
 * their informers, so call `ctx.informers.start(signal)` after this returns its promise.
 */
export function runControllers(ctx: ControllerContext, signal: AbortSignal, selection: readonly string[] = ["*"], options: ControllerOptions = {}): Promise<void> {
  const chosen = CONTROLLERS.filter((e) => enabled(e.name, selection));
  const running: Promise<void>[] = [];
  for (const e of chosen) {
    let c: Controller;
    try {
      c = e.makeWith ? e.makeWith(ctx, options) : e.make(ctx);
    } catch (err) {
      ctx.log.error("controller failed to start", { controller: e.name, error: (err as Error).stack ?? String(err) });
      continue;
    }
    running.push(
      c.run(signal, e.workers).catch((err: unknown) => {
        if (!signal.aborted) ctx.log.error("controller stopped", { controller: e.name, error: (err as Error).stack ?? String(err) });
      }),
    );
  }
  return Promise.all(running).then(() => undefined);
}

export function enabled(name: string, selection: readonly string[]): boolean {
  if (selection.includes(`-${name}`)) return false;
  return selection.includes(name) || selection.includes("*");
}
