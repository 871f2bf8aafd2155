/**
 * What a controller is in kplane's controller manager: a name, and a run loop fed by shared
 * informers and its own work queue, writing only through the ApiClient. Each controller's
 * sync (one key -> the writes that bring the world toward the spec) is exported on its own so
 * table tests can call it over FakeClient + FakeInformerFactory (src/client/fake.ts).
 */
import type { ApiClient, Clock, EventRecorder, InformerFactory } from "../client/types.js";
import type { Logger } from "../util/log.js";

export interface ControllerContext {
  client: ApiClient;
  informers: InformerFactory;
  /** Events are recorded as `component` (e.g. "deployment-controller"). */
  recorder(component: string): EventRecorder;
  clock: Clock;
  log: Logger;
}

export interface Controller {
  /** kube-controller-manager's name for it: "deployment", "replicaset", "garbage-collector", ... */
  readonly name: string;
  /**
   * Registers informer handlers (synchronously, before informers start), then waits for sync
   * and runs `workers` workers until the signal aborts.
   */
  run(signal: AbortSignal, workers: number): Promise<void>;
}

export type ControllerConstructor = (ctx: ControllerContext) => Controller;
