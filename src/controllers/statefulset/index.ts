export { StatefulSetController, newStatefulSetController, type StatefulSetControllerOptions } from "./controller.js";
export * from "./core.js";
