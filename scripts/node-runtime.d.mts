// Types of node-runtime.mjs (plain JavaScript on purpose: it must run under the old Node it replaces).
export const MIN_NODE: [number, number, number];
export function isNewEnough(version?: string): boolean;
/** Path of a Node binary that satisfies MIN_NODE: this one, a cached one, or a freshly fetched one. */
export function ensureNode(): string;
