export * from "./field.js";
export * from "./strings.js";
export * from "./objectmeta.js";
