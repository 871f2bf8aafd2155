export { NodeLifecycleController, newNodeLifecycleController, KEY_MONITOR, KEY_NO_EXECUTE, type NodeLifecycleControllerOptions } from "./controller.js";
export { TaintEvictionController, newTaintEvictionController, type TaintEvictionControllerOptions } from "./taint-eviction.js";
export * from "./core.js";
