export * from "./error.js";
export * from "./labels.js";
export * from "./fields.js";
