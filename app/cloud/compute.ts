// The Compute API calls that carry live per-endpoint load-balancer health (gke-neg.md §1, §8), with
// plain fetch on the real REST paths and JSON shapes. Why not @google-cloud/compute: it is ~40 MB of
// gax/protobuf for two POSTs, its auth (google-auth-library) falls back to probing the GCE metadata
// server when no file credentials exist, and an emulation needs host/port/protocol/fallback juggling;
// plain fetch takes a base URL, so tests and the playground use exactly this code path.
import { SwitchboardError } from "../contract/errors.ts";
import type { TokenSource } from "./adc.ts";

export const COMPUTE_API = "https://compute.googleapis.com";

/** Open string: the API documents HEALTHY | UNHEALTHY | DRAINING | UNKNOWN; TIMEOUT occurs (§8). */
export type HealthState = string;

export interface EndpointHealth {
  ipAddress: string;
  port: number;
  instance: string | null;
  /** One per health-checked backend service the NEG is in; empty ⇒ not behind a health check. */
  healths: Array<{ backendService: string | null; healthCheck: string | null; healthState: HealthState }>;
}

export interface BackendHealth {
  ipAddress: string;
  port: number;
  instance: string | null;
  healthState: HealthState;
}

export interface ComputeClientOptions {
  /** Default https://compute.googleapis.com; the playground's emulation gives http://127.0.0.1:PORT. */
  baseUrl?: string;
  tokens: TokenSource;
  timeoutMs?: number;
  /** Page size (maxResults), default 500 (the API's maximum). */
  pageSize?: number;
  fetch?: typeof fetch;
}

interface GoogleError {
  error?: { code?: number; message?: string; status?: string; errors?: Array<{ reason?: string; message?: string }> };
}

/** Last path segment of a Compute URL ("…/backendServices/k8s1-abc" → "k8s1-abc"). */
export function lastSegment(url: string | undefined | null): string | null {
  if (!url) return null;
  return url.split("/").pop() ?? null;
}

export function negSelfLink(project: string, zone: string, neg: string): string {
  return `https://www.googleapis.com/compute/v1/projects/${project}/zones/${zone}/networkEndpointGroups/${neg}`;
}

export function classifyComputeError(status: number, bodyText: string, what: string): SwitchboardError {
  let body: GoogleError = {};
  try {
    body = JSON.parse(bodyText) as GoogleError;
  } catch {
    // not JSON
  }
  const said = body.error?.message ?? (bodyText.length < 300 ? bodyText.trim() : "");
  const details = { status, what, ...(body.error?.errors?.[0]?.reason ? { reason: body.error.errors[0].reason } : {}) };
  switch (status) {
    case 401:
      return new SwitchboardError(
        "auth-failed",
        `The Compute API refused the Google Cloud credentials (401)${said ? `: ${said}` : ""}.`,
        "Run `gcloud auth application-default login` to renew them.",
        details,
      );
    case 403:
      return new SwitchboardError(
        "forbidden",
        `Your Google Cloud credentials may not read ${what}${said ? `: ${said}` : ""}.`,
        "Ask for the Compute Viewer role (roles/compute.viewer) on the cluster's project; it includes compute.networkEndpointGroups.listNetworkEndpoints and compute.backendServices.get.",
        details,
      );
    case 404:
      return new SwitchboardError(
        "not-found",
        `${what} does not exist in Google Cloud${said ? ` (${said})` : ""}.`,
        "The NEG controller may not have created it yet, or it was deleted: check the Service's events.",
        details,
      );
    case 429:
      return new SwitchboardError("unreachable", `The Compute API is rate-limiting requests (429).`, "Switchboard polls less often for a while.", details);
    default:
      return new SwitchboardError(
        status >= 500 ? "unreachable" : "internal",
        `The Compute API answered ${status} for ${what}${said ? `: ${said}` : ""}.`,
        status >= 500 ? "Google Cloud had a problem; Switchboard retries by itself." : "This is unexpected; please report it.",
        details,
      );
  }
}

export class ComputeClient {
  readonly baseUrl: string;
  readonly #tokens: TokenSource;
  readonly #timeoutMs: number;
  readonly #pageSize: number;
  readonly #fetch: typeof fetch;

  constructor(options: ComputeClientOptions) {
    this.baseUrl = (options.baseUrl ?? COMPUTE_API).replace(/\/+$/, "");
    this.#tokens = options.tokens;
    this.#timeoutMs = options.timeoutMs ?? 15_000;
    this.#pageSize = options.pageSize ?? 500;
    this.#fetch = options.fetch ?? fetch;
  }

  async #post<T>(path: string, query: Record<string, string | undefined>, body: unknown, what: string, retried = false): Promise<T> {
    const url = new URL(`${this.baseUrl}/compute/v1/${path}`);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, v);
    const token = await this.#tokens.token();
    let res: Response;
    try {
      res = await this.#fetch(url, {
        method: "POST",
        headers: {
          Authorization: `Bearer ${token}`,
          "Content-Type": "application/json",
          ...(this.#tokens.quotaProject ? { "x-goog-user-project": this.#tokens.quotaProject } : {}),
        },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (err) {
      const e = err as { name?: string; cause?: { code?: string } };
      const timeout = e.name === "TimeoutError";
      throw new SwitchboardError(
        "unreachable",
        timeout ? `The Compute API (${this.baseUrl}) did not answer within ${this.#timeoutMs / 1000} s.` : `Could not reach the Compute API (${this.baseUrl}): ${e.cause?.code ?? (err instanceof Error ? err.message : String(err))}.`,
        "Check your network connection; Switchboard retries by itself.",
        { what, ...(timeout ? { timeout: true } : {}) },
      );
    }
    const text = await res.text();
    if (res.status === 401 && !retried) {
      // An access token can expire between mint and use: mint once more.
      this.#tokens.invalidate();
      return this.#post(path, query, body, what, true);
    }
    if (!res.ok) throw classifyComputeError(res.status, text, what);
    return JSON.parse(text) as T;
  }

  /** gke-neg.md §8: every endpoint of a zonal NEG with its health per backend service (all pages). */
  async listNetworkEndpoints(project: string, zone: string, neg: string): Promise<EndpointHealth[]> {
    const out: EndpointHealth[] = [];
    let pageToken: string | undefined;
    const what = `NEG "${neg}" in zone ${zone}`;
    do {
      const page = await this.#post<{
        items?: Array<{
          networkEndpoint?: { ipAddress?: string; port?: number; instance?: string };
          healths?: Array<{ backendService?: { backendService?: string }; healthCheck?: { healthCheck?: string }; healthState?: string }>;
        }>;
        nextPageToken?: string;
      }>(
        `projects/${encodeURIComponent(project)}/zones/${encodeURIComponent(zone)}/networkEndpointGroups/${encodeURIComponent(neg)}/listNetworkEndpoints`,
        { maxResults: String(this.#pageSize), pageToken },
        { healthStatus: "SHOW" },
        what,
      );
      for (const item of page.items ?? []) {
        const ep = item.networkEndpoint ?? {};
        out.push({
          ipAddress: ep.ipAddress ?? "",
          port: ep.port ?? 0,
          instance: ep.instance ?? null,
          healths: (item.healths ?? []).map((h) => ({
            backendService: h.backendService?.backendService ?? null,
            healthCheck: h.healthCheck?.healthCheck ?? null,
            healthState: h.healthState ?? "UNKNOWN",
          })),
        });
      }
      pageToken = page.nextPageToken || undefined;
    } while (pageToken);
    return out;
  }

  /** gke-neg.md §8: health of one NEG's endpoints as one backend service sees them. */
  async getHealth(project: string, backendService: string, negUrl: string): Promise<BackendHealth[]> {
    const res = await this.#post<{ healthStatus?: Array<{ ipAddress?: string; port?: number; instance?: string; healthState?: string }> }>(
      `projects/${encodeURIComponent(project)}/global/backendServices/${encodeURIComponent(backendService)}/getHealth`,
      {},
      { group: negUrl },
      `backend service "${backendService}"`,
    );
    return (res.healthStatus ?? []).map((h) => ({
      ipAddress: h.ipAddress ?? "",
      port: h.port ?? 0,
      instance: h.instance ?? null,
      healthState: h.healthState ?? "UNKNOWN",
    }));
  }
}
