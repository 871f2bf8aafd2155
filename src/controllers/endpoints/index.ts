export { EndpointsController, newEndpointsController, type EndpointsControllerOptions } from "./controller.js";
export * from "./core.js";
