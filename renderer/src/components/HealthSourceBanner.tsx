// Where load-balancer health comes from (gke-neg.md §1): without Google Cloud credentials only the
// Kubernetes-side signals are there, and they are weaker — the banner says so and why. Custom kinds
// that are missing or unreadable are named too, since the model then knows less.
import type { HealthSource, ServicesState } from "../../../app/contract/api.ts";
import { RichText } from "./RichText.tsx";
import { ToneIcon } from "./Health.tsx";

const kindNames: Record<string, string> = {
  backendconfigs: "BackendConfig",
  servicenetworkendpointgroups: "ServiceNetworkEndpointGroup",
  svcnegs: "ServiceNetworkEndpointGroup",
  healthcheckpolicies: "HealthCheckPolicy",
  httproutes: "HTTPRoute",
  gateways: "Gateway",
};

export function HealthSourceBanner({ source, unavailable }: { source: HealthSource | null; unavailable: ServicesState["unavailableKinds"] }) {
  if (!source && unavailable.length === 0) return null;
  return (
    <div className="source-banners">
      {source && source.source !== "compute-api" ? (
        <div className="source-banner" role="status" aria-label="Health source">
          <ToneIcon tone="at-risk" size={16} />
          <div>
            <strong>Showing Kubernetes-side signals — weaker because there is no live load-balancer health.</strong>
            <p>
              <RichText text={source.reason} />
              {source.error?.hint ? (
                <>
                  {" "}
                  <RichText text={source.error.hint} />
                </>
              ) : null}
            </p>
            <p className="muted">
              The NEG readiness gate turns True once and never back, and the Ingress annotation is one value per backend service, so a pod that
              stops answering health checks during an intercept can still look healthy here.
            </p>
          </div>
        </div>
      ) : null}
      {unavailable.length > 0 ? (
        <ul className="kind-notes" aria-label="Unavailable kinds">
          {unavailable.map((k) => (
            <li key={k.kind} className={`kind-note ${k.reason}`}>
              <strong>{kindNames[k.kind] ?? k.kind}</strong> {k.reason === "not-installed" ? "is not installed in this cluster" : "cannot be read (forbidden)"}
              {": "}
              <span className="muted">
                <RichText text={k.message} />
              </span>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

/** The same fact, inline in a service's detail. */
export function HealthSourceNote({ source }: { source: HealthSource }) {
  return (
    <p className="source-note">
      <ToneIcon tone="at-risk" size={13} /> Health here comes from Kubernetes-side signals (readiness gate, Ingress annotation, events), not the
      Compute API: <RichText text={source.reason} />
    </p>
  );
}
