// The Telepresence releases the playground's `telepresence` program can pretend to be, and what each
// one does differently (telepresence.md §1–4). Select one with PLAYGROUND_TELEPRESENCE_VERSION.

export const DEFAULT_VERSION = "2.27.1";
export const VERSION_ENV = "PLAYGROUND_TELEPRESENCE_VERSION";

export interface Release {
  /** Without a leading "v", e.g. "2.27.1". */
  version: string;
  major: number;
  minor: number;
  patch: number;
  /** Global output flag: `--output` (≤ 2.27) or `--format` (2.28, telepresence PR #4167). */
  formatFlag: "output" | "format";
  /** 2.20 omitted zero numbers and `false` (Go omitempty); 2.21+ keeps them (§1). */
  omitEmpty: boolean;
  /** Key names of a workload in `list` (§2). */
  listKeys: "2.20" | "2.21" | "2.22.4";
  /** 2.23+: `ingests`, `replacements`, `wiretaps` in status (§2). */
  statusIngestLists: boolean;
  /** Without --detailed-output: 2.20–2.22 wrap human text, 2.23+ print nothing (§2). */
  interceptSilentWithoutDetail: boolean;
  /** 2.22+: Info carries pod_ports, container_name, protocol, replace, wiretap (§2). */
  infoReplaceKeys: boolean;
  /** 2.21+: default local port is the targeted container port; 2.20 defaults to 8080 (§2). */
  defaultPortIsContainerPort: boolean;
  /** 2.21+ `--container`. */
  containerFlag: boolean;
  /** 2.21 `ingest`, 2.22 `replace`, 2.23 `wiretap`, 2.25 HTTP filters (§2, §5). */
  ingest: boolean;
  replace: boolean;
  wiretap: boolean;
  httpFilters: boolean;
  /** Newest builds: `detach`, with `leave` a deprecated alias (§2). */
  detach: boolean;
  /** 2.23+ prints nothing for quit in JSON mode (§2). */
  quitSilentInJson: boolean;
  /** 2.22+ evicts pods to get the agent in; older releases annotate the pod template (§4). */
  restartByEviction: boolean;
  /** 2.22+ annotation prefix `telepresence.io/`, older `telepresence.getambassador.io/` (§4). */
  annotationPrefix: string;
  /** Conflict texts (§3): 2.23+ names the container port, older the served intercept. */
  conflictStyle: "agent-error" | "container-port";
  /** `leave` of an unknown name (§2). */
  leaveNotFound(name: string): string;
  /** Unknown workload (§3). */
  workloadNotFound(name: string, namespace: string): string;
  /** 2.23+: --progress flag. */
  progressFlag: boolean;
  /** 2.25+ clients require a traffic-manager ≥ 2.21.0 (§6). */
  minManager: string | undefined;
}

export function parseVersion(v: string): [number, number, number] | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(v.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

export function compareVersions(a: string, b: string): number {
  const pa = parseVersion(a) ?? [0, 0, 0];
  const pb = parseVersion(b) ?? [0, 0, 0];
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return pa[i]! - pb[i]!;
  return 0;
}

/** The release profile for a version string (2.20.0 … 2.28.x); throws on anything else. */
export function release(version: string = DEFAULT_VERSION): Release {
  const parsed = parseVersion(version);
  if (!parsed || parsed[0] !== 2 || parsed[1] < 20 || parsed[1] > 28) {
    throw new Error(`${VERSION_ENV}=${version}: the playground emulates Telepresence 2.20.0 to 2.28.x`);
  }
  const [major, minor, patch] = parsed;
  const at = (mi: number, pa = 0) => minor > mi || (minor === mi && patch >= pa);
  return {
    version: `${major}.${minor}.${patch}`,
    major,
    minor,
    patch,
    formatFlag: at(28) ? "format" : "output",
    omitEmpty: !at(21),
    listKeys: at(22, 4) ? "2.22.4" : at(21) ? "2.21" : "2.20",
    statusIngestLists: at(23),
    interceptSilentWithoutDetail: at(23),
    infoReplaceKeys: at(22),
    defaultPortIsContainerPort: at(21),
    containerFlag: at(21),
    ingest: at(21),
    replace: at(22),
    wiretap: at(23),
    httpFilters: at(25),
    detach: at(27),
    quitSilentInJson: at(23),
    restartByEviction: at(22),
    annotationPrefix: at(22) ? "telepresence.io/" : "telepresence.getambassador.io/",
    conflictStyle: at(23) ? "container-port" : "agent-error",
    leaveNotFound: (name) =>
      at(22)
        ? `Found no replace, intercept, or ingest named "${name}"`
        : at(21)
          ? `Found no intercept or ingest named "${name}"` // (inferred: 2.21 added ingest, not replace)
          : `Intercept named "${name}" not found`,
    workloadNotFound: (name, namespace) =>
      at(22) ? `workload "${name}.${namespace}" not found` : `No interceptable deployment, replicaset, or statefulset matching ${name} found`,
    progressFlag: at(23),
    minManager: at(25) ? "2.21.0" : undefined,
  };
}

export function releaseFromEnv(env: NodeJS.ProcessEnv = process.env): Release {
  return release(env[VERSION_ENV] || DEFAULT_VERSION);
}

/** The image the traffic-manager and the agents run (tel2 carries both). */
export function managerImage(version: string): string {
  return `ghcr.io/telepresenceio/tel2:${version}`;
}
