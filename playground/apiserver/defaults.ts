// Defaults kube-apiserver fills in on create (and update), the ones kubectl output and the playground's
// controllers rely on. Pure functions over plain objects.
import type { KubeObject } from "../cluster/client.ts";

type Obj = Record<string, unknown>;

function obj(v: unknown): Obj | undefined {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : undefined;
}

function setDefault(o: Obj, key: string, value: unknown): void {
  if (o[key] === undefined || o[key] === null) o[key] = value;
}

export function defaultPodSpec(spec: Obj): void {
  setDefault(spec, "restartPolicy", "Always");
  setDefault(spec, "terminationGracePeriodSeconds", 30);
  setDefault(spec, "dnsPolicy", "ClusterFirst");
  setDefault(spec, "securityContext", {});
  setDefault(spec, "schedulerName", "default-scheduler");
  setDefault(spec, "serviceAccountName", (spec.serviceAccount as string | undefined) ?? "default");
  for (const list of ["initContainers", "containers", "ephemeralContainers"]) {
    const containers = spec[list];
    if (!Array.isArray(containers)) continue;
    for (const c of containers) {
      const container = obj(c);
      if (!container) continue;
      const image = typeof container.image === "string" ? container.image : "";
      const tag = image.includes("@") ? "digest" : (image.split("/").pop() ?? "").split(":")[1];
      setDefault(container, "imagePullPolicy", tag === undefined || tag === "latest" ? "Always" : "IfNotPresent");
      setDefault(container, "terminationMessagePath", "/dev/termination-log");
      setDefault(container, "terminationMessagePolicy", "File");
      setDefault(container, "resources", {});
      if (Array.isArray(container.ports)) {
        for (const p of container.ports) {
          const port = obj(p);
          if (port) setDefault(port, "protocol", "TCP");
        }
      }
      for (const probeName of ["readinessProbe", "livenessProbe", "startupProbe"]) {
        const probe = obj(container[probeName]);
        if (!probe) continue;
        setDefault(probe, "timeoutSeconds", 1);
        setDefault(probe, "periodSeconds", 10);
        setDefault(probe, "successThreshold", 1);
        setDefault(probe, "failureThreshold", 3);
        const httpGet = obj(probe.httpGet);
        if (httpGet) {
          setDefault(httpGet, "path", "/");
          setDefault(httpGet, "scheme", "HTTP");
        }
      }
    }
  }
}

function defaultTemplate(spec: Obj): void {
  const template = obj(spec.template);
  if (!template) return;
  setDefault(template, "metadata", {});
  const podSpec = obj(template.spec);
  if (podSpec) defaultPodSpec(podSpec);
}

export interface DefaultingContext {
  allocateClusterIP: () => string;
}

/** Fills defaults in place. `old` is the stored object on update (clusterIP is kept from it). */
export function applyDefaults(object: KubeObject, ctx: DefaultingContext, old?: KubeObject): void {
  const o = object as Obj;
  const spec = obj(o.spec);
  switch (object.kind) {
    case "Namespace": {
      object.metadata.labels = { ...object.metadata.labels, "kubernetes.io/metadata.name": object.metadata.name };
      o.spec = { finalizers: ["kubernetes"], ...(spec ?? {}) };
      if (!old) o.status = { phase: "Active" };
      break;
    }
    case "Pod": {
      if (spec) defaultPodSpec(spec);
      if (!old) {
        const status = obj(o.status) ?? {};
        setDefault(status, "phase", "Pending");
        setDefault(status, "qosClass", "BestEffort");
        o.status = status;
      }
      break;
    }
    case "Service": {
      if (!spec) break;
      setDefault(spec, "type", "ClusterIP");
      setDefault(spec, "sessionAffinity", "None");
      const oldSpec = obj((old as Obj | undefined)?.spec);
      // An update without clusterIP keeps the allocated one (kube-apiserver does the same since 1.20).
      if (oldSpec && (spec.clusterIP === undefined || spec.clusterIP === "")) {
        spec.clusterIP = oldSpec.clusterIP;
        spec.clusterIPs = oldSpec.clusterIPs;
      }
      if (spec.type !== "ExternalName") {
        if (spec.clusterIP === undefined || spec.clusterIP === "") spec.clusterIP = ctx.allocateClusterIP();
        setDefault(spec, "clusterIPs", [spec.clusterIP]);
        setDefault(spec, "ipFamilies", ["IPv4"]);
        setDefault(spec, "ipFamilyPolicy", "SingleStack");
        setDefault(spec, "internalTrafficPolicy", "Cluster");
      }
      if (spec.type === "NodePort" || spec.type === "LoadBalancer") setDefault(spec, "externalTrafficPolicy", "Cluster");
      if (Array.isArray(spec.ports)) {
        let nodePort = 30000 + Math.floor(Math.random() * 2000);
        for (const p of spec.ports) {
          const port = obj(p);
          if (!port) continue;
          setDefault(port, "protocol", "TCP");
          setDefault(port, "targetPort", port.port);
          if ((spec.type === "NodePort" || spec.type === "LoadBalancer") && port.nodePort === undefined) port.nodePort = nodePort++;
        }
      }
      setDefault(o, "status", { loadBalancer: {} });
      break;
    }
    case "Deployment": {
      if (!spec) break;
      setDefault(spec, "replicas", 1);
      setDefault(spec, "revisionHistoryLimit", 10);
      setDefault(spec, "progressDeadlineSeconds", 600);
      setDefault(spec, "strategy", { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "25%", maxSurge: "25%" } });
      defaultTemplate(spec);
      break;
    }
    case "ReplicaSet": {
      if (!spec) break;
      setDefault(spec, "replicas", 1);
      defaultTemplate(spec);
      break;
    }
    case "HealthCheckPolicy": {
      // CRD schema defaults (gke-neg.md §7): checkIntervalSec 5, timeoutSec 5.
      const def = obj(spec?.default);
      if (def) {
        setDefault(def, "checkIntervalSec", 5);
        setDefault(def, "timeoutSec", 5);
      }
      break;
    }
  }
}
