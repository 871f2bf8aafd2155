export { DaemonSetController, newDaemonSetController, type DaemonSetControllerOptions } from "./controller.js";
export * from "./core.js";
