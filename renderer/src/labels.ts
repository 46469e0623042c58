// How contract values read in the UI. Pure: no state, no calls.
import type { AuthKind, ConnectionPhase, ContextInfo } from "../../app/contract/api.ts";

export const phaseLabel: Record<ConnectionPhase, string> = {
  idle: "Not connected",
  connecting: "Connecting…",
  connected: "Connected",
  reconnecting: "Reconnecting…",
  error: "Connection failed",
};

export const authLabel: Record<AuthKind, string> = {
  token: "Bearer token",
  exec: "Credential plugin",
  "client-certificate": "Client certificate",
  basic: "Username and password",
  "auth-provider": "Auth provider (legacy)",
  none: "None",
};

/** The short name people know a context by: a GKE cluster's own name, else the context name. */
export function displayName(context: ContextInfo): string {
  return context.gke && context.name.startsWith("gke_") ? context.gke.cluster : context.name;
}

/** Second line in the context list: where the cluster lives. */
export function subtitle(context: ContextInfo): string {
  if (context.gke?.project) return `${context.gke.project} · ${context.gke.location}`;
  if (context.server) {
    try {
      return new URL(context.server).host;
    } catch {
      return context.server;
    }
  }
  return "no server address";
}
