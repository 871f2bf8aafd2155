/**
 * The control loop as clients of an API server: controller manager, scheduler and simulated
 * nodes, each optional, sharing one informer factory when they run in one process (`kplane up`)
 * and alone when run as `kplane controller-manager | scheduler | node`. Each component writes
 * under its kube binary's user agent (so managedFields name kube-controller-manager,
 * kube-scheduler and kubelet) and, when asked, leads through a Lease in kube-system as kube's do.
 */
import { setMaxListeners } from "node:events";
import { hostname } from "node:os";
import { randomUUID } from "node:crypto";
import { RestClient, SharedInformerFactory, newEventBroadcaster, runLeaderElection, realClock, stripManagedFields, type EventBroadcaster, type LeaderElectionTiming, type RestConfig } from "../client/index.js";
import { runControllers, type ControllerOptions } from "../controllers/manager.js";
import type { ControllerContext } from "../controllers/types.js";
import { nodeRequestsInFlight, startSimulatedNodes, type SimulatedNodesHandle, type SimulatedNodesOptions } from "../node/index.js";
import { newScheduler } from "../scheduler/index.js";
import { log } from "../util/log.js";

export interface ControlLoopOptions {
  config: RestConfig;
  /** kube's --controllers selection ("*", names, "-name"); false runs no controller manager. */
  controllers: readonly string[] | false;
  scheduler: boolean;
  /** Simulated nodes hosted here (0 = none). */
  nodes: number;
  nodeOptions?: Omit<SimulatedNodesOptions, "count">;
  /** Lead through Leases (kube's default for separate processes; `kplane up` runs one copy and skips it). */
  leaderElect: boolean;
  /** --leader-elect-lease-duration, -renew-deadline, -retry-period (client-go's defaults when absent). */
  leaderElection?: Partial<LeaderElectionTiming>;
  /**
   * Called when a component loses its lease while the loop is not stopping. kube's components
   * exit then (a new process campaigns afresh); the CLI does the same.
   */
  onLeadershipLost?(component: string): void;
  /** Flags of single controllers (e.g. the node lifecycle controller's grace periods). */
  controllerOptions?: ControllerOptions;
}

export interface RunningControlLoop {
  /** Resolves when every simulated node has registered. */
  nodesReady: Promise<void>;
  nodeNames: string[];
  stop(): Promise<void>;
}

const arch = process.arch === "x64" ? "amd64" : process.arch;
const userAgent = (binary: string): string => `${binary}/v1.32.4 (${process.platform}/${arch}) kplane`;

export function startControlLoop(o: ControlLoopOptions): RunningControlLoop {
  const ac = new AbortController();
  const signal = ac.signal;
  // Every informer and controller waits on this one signal.
  setMaxListeners(0, signal);
  const reader = new RestClient({ ...o.config, userAgent: userAgent("kplane-informers") });
  // managedFields are dropped from cached objects, as kube-controller-manager's and
  // kube-scheduler's informers do (nothing here reads them; the simulated nodes neither).
  const informers = new SharedInformerFactory(reader, { log, transform: stripManagedFields });
  const broadcasters: EventBroadcaster[] = [];
  const clients: RestClient[] = [reader];
  // A component's client shares the informers' connections, unless it brings its own pool.
  const contextFor = (binary: string, maxConnections?: number): ControllerContext => {
    const client = maxConnections === undefined ? reader.withUserAgent(userAgent(binary)) : new RestClient({ ...o.config, userAgent: userAgent(binary), maxConnections });
    clients.push(client);
    const events = newEventBroadcaster(client, realClock, { log });
    broadcasters.push(events);
    return { client, informers, recorder: (component) => events.recorder(component, hostname()), clock: realClock, log };
  };
  const running: Promise<unknown>[] = [];
  const lead = (name: string, ctx: ControllerContext, run: (s: AbortSignal) => Promise<void>): Promise<void> =>
    o.leaderElect
      ? runLeaderElection({
          client: ctx.client,
          namespace: "kube-system",
          name,
          identity: `${hostname()}_${randomUUID()}`,
          ...o.leaderElection,
          signal,
          log,
          onStartedLeading: (leading) => {
            // Every controller and informer handler listens on the leadership signal too.
            setMaxListeners(0, leading);
            return run(leading);
          },
          onStoppedLeading: () => {
            if (!signal.aborted) o.onLeadershipLost?.(name);
          },
        })
      : run(signal);

  // Nodes add an index to the pod informer: they come before informers start.
  let nodes: (SimulatedNodesHandle & { nodes: string[] }) | undefined;
  // The kubelets' writes have a pool of their own, as wide as the calls they keep in flight
  // (real kubelets each have their own client).
  if (o.nodes > 0) {
    const inFlight = o.nodeOptions?.maxInFlight ?? nodeRequestsInFlight(o.nodes);
    nodes = startSimulatedNodes(contextFor("kubelet", inFlight), { ...o.nodeOptions, count: o.nodes, maxInFlight: inFlight });
  }
  if (o.controllers !== false) {
    const selection = o.controllers;
    const ctx = contextFor("kube-controller-manager");
    running.push(lead("kube-controller-manager", ctx, (s) => runControllers(ctx, s, selection, o.controllerOptions)));
  }
  if (o.scheduler) {
    const ctx = contextFor("kube-scheduler");
    running.push(lead("kube-scheduler", ctx, (s) => newScheduler(ctx).run(s, 1)));
  }
  informers.start(signal);
  for (const p of running) p.catch((e: unknown) => log.error("control loop component stopped", { error: (e as Error).stack ?? String(e) }));
  return {
    nodesReady: nodes?.ready ?? Promise.resolve(),
    nodeNames: nodes?.nodes ?? [],
    async stop() {
      ac.abort();
      await nodes?.stop();
      await Promise.allSettled(running);
      await Promise.allSettled(broadcasters.map((b) => b.flush()));
      for (const b of broadcasters) b.shutdown();
      for (const c of clients) c.close();
    },
  };
}
