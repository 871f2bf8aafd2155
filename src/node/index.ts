/** Simulated nodes: kubelets that register, heartbeat and report pods Running without running any container. */
import type { Controller, ControllerContext } from "../controllers/types.js";
import { SimulatedNodes, type SimulatedNodesOptions } from "./simulator.js";

export { SimulatedNodes, nodeRequestsInFlight, startSimulatedNodes, POD_NODE_INDEX, type SimulatedNodesHandle, type SimulatedNodesOptions } from "./simulator.js";
export { SIMULATED_ANNOTATION, KUBELET_VERSION, NODE_LEASE_NAMESPACE } from "./node.js";

/**
 * The same as a Controller, for a controller manager that runs everything through one loop.
 * Construct it before informers start; `workers` is ignored (concurrency is options.maxInFlight).
 */
export function newSimulatedNodesController(ctx: ControllerContext, options: SimulatedNodesOptions): Controller & { simulator: SimulatedNodes } {
  const simulator = new SimulatedNodes(ctx, options);
  return { name: "simulated-nodes", simulator, run: (signal) => simulator.run(signal) };
}
