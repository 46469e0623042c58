// The CLI ↔ user daemon link: newline-delimited JSON over a unix socket in the state dir (the real
// daemons speak gRPC over a socket too). The daemon returns plain models; the CLI renders them in
// the output shape of the release it emulates (views.ts).
import { connect } from "node:net";
import { join } from "node:path";
import type { InterceptRecord } from "./cluster-state.ts";
import type { ManagerInfo } from "./manager.ts";

export function socketPath(stateDir: string): string {
  return join(stateDir, "daemon.sock");
}

export interface ConnectArgs {
  kubeconfigTexts: string[];
  kubeconfigPaths: string[];
  context?: string;
  namespace?: string;
  managerNamespace?: string;
  docker: boolean;
  /** `--mapped-namespaces`: limits what status reports as mapped (empty: all namespaces). */
  mappedNamespaces: string[];
  /** The GUI case of telepresence.md §3: no terminal to type the sudo password in. */
  noRootDaemon: boolean;
}

export interface InterceptArgs {
  name: string;
  port?: string;
  service?: string;
  workload?: string;
  container?: string;
  mount: string;
  address?: string;
  headers: string[];
  pathPrefix?: string;
  replace: boolean;
  wiretap: boolean;
  namespace?: string;
}

export interface ConnectionModel {
  status: string;
  server: string;
  context: string;
  namespace: string;
  managerNamespace: string;
  mappedNamespaces: string[];
  manager: ManagerInfo;
  docker: boolean;
  session: string;
  client: string;
  warnings: string[];
}

export interface StatusModel {
  version: string;
  executable: string;
  installId: string;
  rootRunning: boolean;
  connection: ConnectionModel | undefined;
  intercepts: InterceptRecord[];
}

export interface WorkloadModel {
  name: string;
  namespace: string;
  kind: string;
  uid: string;
  services: Array<{ name: string; namespace: string; uid: string; ports: Array<{ name: string; port: number; targetPort: number | string }> }>;
  agent: { version: string; image: string; podName: string; podIP: string } | undefined;
  notInterceptableReason: string;
  intercepts: InterceptRecord[];
}

export interface InterceptModel {
  record: InterceptRecord;
  mountError: string;
  mount: boolean;
  workloadKind: string;
  portIdentifier: string;
  httpFilter: string[];
  podPorts: string[];
}

export type Request =
  | { op: "status" }
  | { op: "connect"; args: ConnectArgs }
  | { op: "disconnect" }
  | { op: "stop" }
  | { op: "list"; args: { namespace?: string } }
  | { op: "intercept"; args: InterceptArgs }
  | { op: "leave"; args: { name: string } };

export type Response = { ok: true; result: unknown } | { ok: false; error: string };

/** Sends one request; undefined when no daemon listens. */
export function callDaemon(stateDir: string, request: Request, timeoutMs = 120_000): Promise<Response | undefined> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath(stateDir));
    let buf = "";
    let connected = false;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error("the user daemon did not answer in time"));
    }, timeoutMs);
    socket.on("connect", () => {
      connected = true;
      socket.write(`${JSON.stringify(request)}\n`);
    });
    socket.on("data", (chunk) => {
      buf += chunk.toString("utf8");
      const nl = buf.indexOf("\n");
      if (nl >= 0) {
        clearTimeout(timer);
        socket.end();
        resolve(JSON.parse(buf.slice(0, nl)) as Response);
      }
    });
    socket.on("error", (err) => {
      clearTimeout(timer);
      if (!connected) resolve(undefined);
      else reject(err);
    });
    socket.on("close", () => {
      clearTimeout(timer);
      if (connected && buf.indexOf("\n") < 0) reject(new Error("the user daemon closed the connection"));
    });
  });
}
