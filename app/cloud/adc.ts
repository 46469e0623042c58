// Application Default Credentials for the Compute API, read from files only:
//   1. $GOOGLE_APPLICATION_CREDENTIALS,
//   2. gcloud's ADC file (`gcloud auth application-default login`):
//      $CLOUDSDK_CONFIG or ~/.config/gcloud (Windows: %APPDATA%\gcloud) / application_default_credentials.json.
// The GCE metadata server (ADC's last resort) is deliberately NOT tried: Switchboard runs on laptops,
// where probing 169.254.169.254 only costs seconds of waiting before failing.
// Tokens are minted with plain fetch: an authorized_user file (refresh-token grant) or a service account
// key (JWT-bearer grant, RS256 signed with node:crypto), honouring the file's token_uri, so tests can
// point the whole path at a loopback token endpoint.
import { createSign } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";
import { SwitchboardError } from "../contract/errors.ts";

const DEFAULT_TOKEN_URI = "https://oauth2.googleapis.com/token";
const SCOPE = "https://www.googleapis.com/auth/cloud-platform";

export interface AdcFile {
  type: "authorized_user" | "service_account" | string;
  client_id?: string;
  client_secret?: string;
  refresh_token?: string;
  client_email?: string;
  private_key?: string;
  private_key_id?: string;
  token_uri?: string;
  quota_project_id?: string;
  project_id?: string;
}

export interface FoundCredentials {
  /** The file the credentials came from. */
  file: string;
  origin: "GOOGLE_APPLICATION_CREDENTIALS" | "gcloud";
  credentials: AdcFile;
}

/** Where gcloud keeps its configuration (and the ADC file). */
export function gcloudConfigDir(env: Record<string, string | undefined> = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.CLOUDSDK_CONFIG) return env.CLOUDSDK_CONFIG;
  if (platform === "win32") return path.join(env.APPDATA ?? path.join(homedir(), "AppData", "Roaming"), "gcloud");
  return path.join(env.HOME ?? homedir(), ".config", "gcloud");
}

/** Finds ADC in files; null when there are none (not an error: the app falls back to Kubernetes signals). */
export function findAdc(env: Record<string, string | undefined> = process.env, platform: NodeJS.Platform = process.platform): FoundCredentials | null {
  const explicit = env.GOOGLE_APPLICATION_CREDENTIALS;
  const candidates: Array<[string, FoundCredentials["origin"]]> = explicit
    ? [[explicit, "GOOGLE_APPLICATION_CREDENTIALS"]]
    : [[path.join(gcloudConfigDir(env, platform), "application_default_credentials.json"), "gcloud"]];
  for (const [file, origin] of candidates) {
    if (!existsSync(file)) {
      if (origin === "GOOGLE_APPLICATION_CREDENTIALS") {
        throw new SwitchboardError(
          "auth-failed",
          `GOOGLE_APPLICATION_CREDENTIALS points to ${file}, which does not exist.`,
          "Fix or unset GOOGLE_APPLICATION_CREDENTIALS, or run `gcloud auth application-default login`.",
          { file },
        );
      }
      continue;
    }
    let credentials: AdcFile;
    try {
      credentials = JSON.parse(readFileSync(file, "utf8")) as AdcFile;
    } catch (err) {
      throw new SwitchboardError(
        "auth-failed",
        `The Google Cloud credentials file ${file} could not be read: ${err instanceof Error ? err.message : String(err)}.`,
        "Run `gcloud auth application-default login` again to rewrite it.",
        { file },
      );
    }
    return { file, origin, credentials };
  }
  return null;
}

/** Gives bearer tokens for the Compute API (cached until shortly before they expire). */
export interface TokenSource {
  token(): Promise<string>;
  /** Forget the cached token (after a 401). */
  invalidate(): void;
  /** x-goog-user-project for quota, when the credentials name one. */
  quotaProject?: string;
  /** A human description ("service account x@y from $GOOGLE_APPLICATION_CREDENTIALS"). */
  describe: string;
}

export function staticToken(token: string): TokenSource {
  return { token: async () => token, invalidate: () => undefined, describe: "a fixed access token" };
}

function base64url(data: string | Buffer): string {
  return Buffer.from(data).toString("base64url");
}

export function adcTokenSource(found: FoundCredentials, options: { timeoutMs?: number; fetch?: typeof fetch } = {}): TokenSource {
  const c = found.credentials;
  const tokenUri = c.token_uri ?? DEFAULT_TOKEN_URI;
  const doFetch = options.fetch ?? fetch;
  let cached: { token: string; expires: number } | undefined;
  let pending: Promise<string> | undefined;

  const body = (): URLSearchParams => {
    if (c.type === "authorized_user") {
      if (!c.refresh_token || !c.client_id) throw unusable(found, "it has no refresh_token or client_id");
      return new URLSearchParams({ grant_type: "refresh_token", client_id: c.client_id, client_secret: c.client_secret ?? "", refresh_token: c.refresh_token });
    }
    if (c.type === "service_account") {
      if (!c.private_key || !c.client_email) throw unusable(found, "it has no private_key or client_email");
      const now = Math.floor(Date.now() / 1000);
      const header = base64url(JSON.stringify({ alg: "RS256", typ: "JWT", ...(c.private_key_id ? { kid: c.private_key_id } : {}) }));
      const claims = base64url(JSON.stringify({ iss: c.client_email, scope: SCOPE, aud: tokenUri, iat: now, exp: now + 3600 }));
      const signature = createSign("RSA-SHA256").update(`${header}.${claims}`).sign(c.private_key).toString("base64url");
      return new URLSearchParams({ grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer", assertion: `${header}.${claims}.${signature}` });
    }
    throw unusable(found, `its type "${c.type}" is not supported by Switchboard yet (authorized_user and service_account are)`);
  };

  const mint = async (): Promise<string> => {
    let res: Response;
    try {
      res = await doFetch(tokenUri, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: body().toString(),
        signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
      });
    } catch (err) {
      if (err instanceof SwitchboardError) throw err;
      throw new SwitchboardError("unreachable", `Could not reach Google's token service (${tokenUri}): ${err instanceof Error ? err.message : String(err)}.`, "Check your network connection.", { tokenUri });
    }
    const text = await res.text();
    let json: { access_token?: string; expires_in?: number; error?: string; error_description?: string } = {};
    try {
      json = JSON.parse(text) as typeof json;
    } catch {
      // reported below
    }
    if (!res.ok || !json.access_token) {
      const why = json.error_description ?? json.error ?? `HTTP ${res.status}`;
      throw new SwitchboardError(
        "auth-failed",
        `Google refused the credentials from ${found.file}: ${why}.`,
        c.type === "authorized_user"
          ? "Run `gcloud auth application-default login` to renew them."
          : "The service account key may be revoked or disabled: create a new key, or use `gcloud auth application-default login`.",
        { file: found.file, status: res.status },
      );
    }
    cached = { token: json.access_token, expires: Date.now() + ((json.expires_in ?? 3600) - 60) * 1000 };
    return json.access_token;
  };

  return {
    describe:
      c.type === "service_account"
        ? `service account ${c.client_email} (${found.file})`
        : `your Google account's application-default login (${found.file})`,
    ...(c.quota_project_id ? { quotaProject: c.quota_project_id } : {}),
    invalidate: () => (cached = undefined),
    token: async () => {
      if (cached && cached.expires > Date.now()) return cached.token;
      pending ??= mint().finally(() => (pending = undefined));
      return pending;
    },
  };
}

function unusable(found: FoundCredentials, why: string): SwitchboardError {
  return new SwitchboardError(
    "auth-failed",
    `The Google Cloud credentials in ${found.file} cannot be used: ${why}.`,
    "Run `gcloud auth application-default login` to create usable application-default credentials.",
    { file: found.file },
  );
}
