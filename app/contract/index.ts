export * from "./api.ts";
export * from "./errors.ts";
export * from "./result.ts";
export * from "./validate.ts";
export * from "./model.ts";
export * from "./intercepts.ts";
export * from "./strategies.ts";
