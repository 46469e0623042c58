// Recorded shapes from telepresence.md (§1–3) per generation, for unit tests and the fake program.
// Only what the reference documents; nothing here is a guess about a version it does not describe,
// except the cobra help layout, which follows cobra's fixed format.

export type Generation = "2.20" | "2.22" | "2.25" | "2.27" | "newest";

export const versionText: Record<Generation, string> = {
  "2.20": "OSS Client : v2.20.2\nRoot Daemon: not running\nUser Daemon: not running\nTraffic Manager: not connected\n",
  "2.22": "OSS Client         : v2.22.4\nRoot Daemon        : v2.22.4\nUser Daemon        : v2.22.4\nTraffic Manager    : v2.22.4\n",
  "2.25": "OSS Client         : v2.25.1\nRoot Daemon        : not running\nUser Daemon        : not running\nTraffic Manager    : not connected\n",
  "2.27": "OSS Client         : v2.27.0\nRoot Daemon        : v2.27.0\nUser Daemon        : v2.27.0\nTraffic Manager    : v2.24.2\n",
  newest: "OSS Client         : v2.28.0-rc.1\nRoot Daemon        : not running\nUser Daemon        : not running\nTraffic Manager    : not connected\n",
};

function rootHelp(commands: string[], flags: string[]): string {
  return [
    "Telepresence can connect to a cluster and route all outbound traffic from your workstation to that cluster.",
    "",
    "Usage:",
    "  telepresence [command]",
    "",
    "Session Commands:",
    ...commands.map((c) => `  ${c.padEnd(14)}${c} things`),
    "",
    "Other Commands:",
    "  helm          Install telepresence traffic manager into a cluster",
    "  version       Show version",
    "",
    "Flags:",
    "  -h, --help                help for telepresence",
    ...flags,
    "",
    'Use "telepresence [command] --help" for more information about a command.',
    "",
  ].join("\n");
}

const OUTPUT = "      --output string       Set the output format, supported values are 'json', 'yaml', and 'default' (default \"default\")";
const FORMAT = "      --format string       Set the output format, supported values are 'json', 'yaml', 'json-stream' and 'default' (default \"default\")";
const PROGRESS = "      --progress string     Progress output: auto|tty|plain|json|quiet (default \"auto\")";

export const rootHelpText: Record<Generation, string> = {
  "2.20": rootHelp(["connect", "intercept", "leave", "list", "quit", "status"], [OUTPUT]),
  "2.22": rootHelp(["connect", "ingest", "intercept", "leave", "list", "quit", "replace", "status"], [OUTPUT]),
  "2.25": rootHelp(["connect", "ingest", "intercept", "leave", "list", "quit", "replace", "status", "wiretap"], [OUTPUT, PROGRESS]),
  "2.27": rootHelp(["connect", "detach", "ingest", "intercept", "list", "quit", "replace", "status", "wiretap"], [OUTPUT, PROGRESS]),
  newest: rootHelp(["connect", "detach", "ingest", "intercept", "list", "quit", "replace", "status", "wiretap"], [FORMAT, PROGRESS]),
};

function interceptHelp(flags: string[]): string {
  return ["Intercept a service", "", "Usage:", "  telepresence intercept [flags] <intercept_base_name> [-- <command with arguments...>]", "", "Flags:", ...flags, ""].join("\n");
}

const BASE_FLAGS = [
  "      --address string       Local address to forward to (default \"127.0.0.1\")",
  "      --detailed-output      Provide very detailed info about the intercept when used together with --output=json or --output=yaml",
  "  -e, --env-file string      Also emit the remote environment to an env file.",
  "      --mount string         Mount remote volumes (default \"true\")",
  "      --service string       Name of service to intercept.",
  "  -w, --workload string      Name of workload (Deployment, ReplicaSet, StatefulSet, Rollout) to intercept",
];

export const interceptHelpText: Record<Generation, string> = {
  "2.20": interceptHelp([...BASE_FLAGS, "  -p, --port string          Local port to forward to."]),
  "2.22": interceptHelp([...BASE_FLAGS, "      --container string     Name of container", "  -p, --port stringArray     Local ports to forward to (can be repeated)."]),
  "2.25": interceptHelp([
    ...BASE_FLAGS,
    "      --container string     Name of container",
    "      --http-header stringArray   Only intercept traffic that matches this \"HTTP2_HEADER=REGEXP\" specifier.",
    "      --http-path-prefix string   Only intercept traffic with paths beginning with this prefix",
    "  -p, --port stringArray     Local ports to forward to (can be repeated).",
  ]),
  "2.27": interceptHelp([
    ...BASE_FLAGS,
    "      --container string     Name of container",
    "      --http-header stringArray   Only intercept traffic that matches this \"HTTP2_HEADER=REGEXP\" specifier.",
    "  -p, --port stringArray     Local ports to forward to (can be repeated).",
  ]),
  newest: interceptHelp([
    ...BASE_FLAGS,
    "      --container string     Name of container",
    "      --http-header stringArray   Only intercept traffic that matches this \"HTTP2_HEADER=REGEXP\" specifier.",
    "  -p, --port stringArray     Local ports to forward to (can be repeated).",
  ]),
};

/** `status --output json`, connected (§2). */
export function statusConnected(options: { version?: string; context?: string; namespace?: string; intercepts?: string[]; tmVersion?: string } = {}): string {
  const version = options.version ?? "v2.25.1";
  return JSON.stringify({
    user_daemon: {
      running: true,
      name: "OSS User Daemon",
      version,
      executable: "/usr/local/bin/telepresence",
      status: "Connected",
      kubernetes_server: "https://127.0.0.1:6443",
      kubernetes_context: options.context ?? "gke_proj_europe-west1_demo",
      namespace: options.namespace ?? "default",
      manager_namespace: "ambassador",
      mapped_namespaces: ["default"],
      intercepts: (options.intercepts ?? []).map((name) => ({ name, client: "dev@laptop" })),
    },
    root_daemon: { running: true, name: "OSS Root Daemon", version, subnets: ["10.0.0.0/14"], dns: {} },
    traffic_manager: { name: "OSS Traffic Manager", version: options.tmVersion ?? version, traffic_agent: "ghcr.io/telepresenceio/tel2:2.25.1" },
  });
}

/** `status --output json` with daemons running but not connected. */
export const statusNotConnected = JSON.stringify({
  user_daemon: { running: true, name: "OSS User Daemon", version: "v2.25.1", status: "Not connected" },
  root_daemon: {},
  traffic_manager: {},
});

/** No daemon running → empty objects (§2, inferred). */
export const statusNoDaemon = JSON.stringify({ user_daemon: {}, root_daemon: {}, traffic_manager: {} });

/** `list --output json`, per key generation (§2). `disposition` is a number here. */
export const listOutput = {
  "2.20": JSON.stringify({
    cmd: "list",
    stdout: [
      {
        name: "web",
        namespace: "default",
        workload_resource_type: "Deployment",
        uid: "u-web",
        services: [{ name: "web", ports: [{ name: "http", port: 80 }] }],
        sidecar: { agentName: "web", agentImage: "ghcr.io/telepresenceio/tel2:2.20.2" },
        intercept_infos: [
          {
            spec: { name: "web", client: "dev@laptop", agent: "web", workload_kind: "Deployment", namespace: "default", target_host: "127.0.0.1", target_port: 8080, service_port_identifier: "http" },
            id: "abc:web",
            disposition: 1,
            message: "",
            pod_ip: "10.4.0.7",
          },
        ],
      },
      { name: "worker", namespace: "default", workload_resource_type: "Deployment", uid: "u-worker", services: [] },
    ],
  }),
  "2.21": JSON.stringify({
    cmd: "list",
    stdout: [
      {
        name: "web",
        namespace: "default",
        workload_resource_type: "Deployment",
        uid: "u-web",
        agent_version: "v2.21.3",
        intercept_infos: [{ spec: { name: "web", client: "alice@box", namespace: "default", target_port: 3000 }, id: "x:web", disposition: 7, message: "Conflicts" }],
        ingest_infos: [{ workload: "web", container: "app" }],
      },
      { name: "batch", namespace: "default", workload_resource_type: "StatefulSet", uid: "u-batch", not_interceptable_reason: "No service targets this workload" },
    ],
  }),
  "2.22.4": JSON.stringify({
    cmd: "list",
    stdout: [
      {
        name: "web",
        namespace: "default",
        workload_resource_type: "Deployment",
        uid: "u-web",
        agent_version: "2.22.4",
        intercept_info: [{ spec: { name: "web", client: "dev@laptop", namespace: "default", target_port: 8080 }, id: "s:web", disposition: 2 }],
        ingest_info: [],
      },
      { name: "api", namespace: "default", workload_resource_type: "Deployment", uid: "u-api", agent_version: "", not_interceptable_reason: "" },
    ],
  }),
};

/** `intercept … --output json --detailed-output`: the bare Info (§2). */
export function interceptInfo(options: { name?: string; localPort?: number; disposition?: string | number; generation?: "2.20" | "2.22" } = {}): string {
  const name = options.name ?? "web";
  const base = {
    id: `2b0f3c:${name}`,
    name,
    disposition: options.disposition ?? "ACTIVE",
    message: "",
    workload_kind: "Deployment",
    target_host: "127.0.0.1",
    target_port: options.localPort ?? 8080,
    port_id: "http",
    service_port_id: "http",
    container_port: 8080,
    pod_ip: "10.4.0.7",
    environment: { DATABASE_URL: "postgres://user:secret@db:5432/app", PORT: "8080" },
    mount: { local_dir: "", remote_dir: "", error: "", pod_ip: "10.4.0.7", port: 0, mounts: [] },
    filter_desc: "all TCP connections",
    global: true,
    http_filter: [],
    metadata: {},
  };
  return JSON.stringify(
    options.generation === "2.20" ? base : { ...base, pod_ports: ["8080/TCP"], container_name: "app", protocol: "TCP", replace: false, wiretap: false },
  );
}

export function envelopeError(cmd: string, err: string): string {
  return JSON.stringify({ cmd, err });
}
