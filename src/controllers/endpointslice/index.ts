export { EndpointSliceController, SliceTracker, newEndpointSliceController, type EndpointSliceControllerOptions } from "./controller.js";
export * from "./reconciler.js";
