/** kplane's client machinery (client-go's role): the contract, the HTTP client, informers, work queues, leader election, events. */
export * from "./types.js";
export * from "./resources.js";
export * from "./cache.js";
export * from "./transport.js";
export * from "./rest.js";
export * from "./kubeconfig.js";
export * from "./informer.js";
export * from "./workqueue.js";
export * from "./leaderelection.js";
export * from "./events.js";
