export * from "./revision.js";
export * from "./store.js";
export * from "./ownership.js";
export { runWorkers, runController } from "./workloop.js";
