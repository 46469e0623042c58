// The onboarding tour's tools in the contract: they exist only while the session is the embedded
// playground (the core knows its front doors from its options). `playground.request` sends one HTTP
// request through a playground load balancer's front door (what a user on the internet would get);
// `playground.localServer` starts / stops a tiny HTTP server on 127.0.0.1 owned by the core, standing
// for the developer's laptop process an intercept sends traffic to, and every request that reaches it
// is an event. Re-exported from api.ts (methods, events, outputs) and index.ts (types). Plain JSON only.
import { z } from "zod";

/** "namespace/name" of an Ingress or Gateway (the playground's `loadBalancers` keys). */
const loadBalancerKey = z.string().min(3).max(507).regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-.a-z0-9]*[a-z0-9])?$/, "a load balancer is named namespace/name");
const headerName = z.string().min(1).max(100).regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, "not a valid HTTP header name");

export const tourMethods = {
  /** One GET through the front door of a playground load balancer; answers status, headers and body (or why none). */
  "playground.request": {
    input: z
      .object({
        loadBalancer: loadBalancerKey,
        path: z.string().min(1).max(2000).startsWith("/").optional(),
        headers: z.record(headerName, z.string().max(1000)).optional(),
      })
      .strict(),
  },
  /**
   * The tour's local server ("your laptop"): `start` (idempotent: answers the running one), `stop`,
   * `status`. It answers "hello from your laptop" on every path except `unservedPaths` (a dev server
   * without the health endpoint: 404), and records each request (a `local-request` event).
   */
  "playground.localServer": {
    input: z
      .object({
        action: z.enum(["start", "stop", "status"]),
        unservedPaths: z.array(z.string().min(1).max(1000).startsWith("/")).max(10).optional(),
      })
      .strict(),
  },
} as const;

export interface PlaygroundResponse {
  loadBalancer: string;
  url: string;
  /** Null when no HTTP answer came (connection refused, timeout): then `error` says why. */
  status: number | null;
  headers: Record<string, string>;
  /** The body as text, cut at 4 KiB. */
  body: string;
  error: string | null;
  at: string;
}

export interface LocalRequest {
  /** 1, 2, … per server run. */
  seq: number;
  at: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  /** What the server answered. */
  status: number;
  /** The load balancer's health checker sent it (its User-Agent starts with GoogleHC). */
  healthCheck: boolean;
}

export interface LocalServerView {
  /** The tour's tools can be used now: this Switchboard runs the embedded playground and it is the selected context. */
  available: boolean;
  running: boolean;
  /** 127.0.0.1 port while running. */
  port: number | null;
  unservedPaths: string[];
  /** The latest requests, newest last (at most 50). */
  requests: LocalRequest[];
}

export type TourEvent = { type: "local-request"; port: number; request: LocalRequest } | { type: "local-server"; server: LocalServerView };

export interface TourMethodOutputs {
  "playground.request": PlaygroundResponse;
  "playground.localServer": LocalServerView;
}
