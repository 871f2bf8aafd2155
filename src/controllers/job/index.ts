export { JobController, newJobController, type JobControllerOptions } from "./controller.js";
export * from "./api.js";
