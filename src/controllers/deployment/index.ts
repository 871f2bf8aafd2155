export { DeploymentController, newDeploymentController, type DeploymentControllerOptions } from "./controller.js";
export * from "./util.js";
