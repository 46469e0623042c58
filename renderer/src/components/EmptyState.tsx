import type { ContextsView } from "../../../app/contract/api.ts";
import { Problems } from "./Problems.tsx";

/** No contexts: say why (no file, or files without contexts) and how to get one. */
export function EmptyState({ view }: { view: ContextsView }) {
  const missing = view.problems.find((p) => p.code === "kubeconfig-missing");
  return (
    <div className="empty">
      <Problems problems={view.problems} />
      <div className="empty-card">
        <h1>No Kubernetes contexts yet</h1>
        <p>
          {missing
            ? missing.message
            : view.files.length > 0
              ? `Your kubeconfig (${view.files.join(", ")}) has no contexts.`
              : "No kubeconfig was found."}
        </p>
        <h2>Connect a GKE cluster</h2>
        <p>Run this with the Google Cloud CLI, then come back: Switchboard notices the new context by itself.</p>
        <pre className="code">
          <code>gcloud container clusters get-credentials CLUSTER --location LOCATION --project PROJECT</code>
        </pre>
        <p className="muted">
          Any other cluster works too: anything that writes a kubeconfig (kind, minikube, k3d) or a KUBECONFIG variable
          pointing at one. A built-in playground cluster arrives in a later version of Switchboard.
        </p>
      </div>
    </div>
  );
}
