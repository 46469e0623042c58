// Readiness probes run for real: an HTTP GET or a TCP connect to the pod's own address, through the
// pod network's dialer (so an iptables-style redirect sends probes where it sends other traffic,
// telepresence.md §4).
import { request } from "node:http";
import { connect } from "node:net";
import type { Dialer } from "./network.ts";
import type { Container, Probe } from "../workloads/types.ts";

export type ProbeResult = { ok: boolean; message: string };

/** A probe's port by number or by the NAME of one of the container's ports. */
export function resolveProbePort(container: Container, port: number | string): number | undefined {
  if (typeof port === "number") return port;
  if (/^\d+$/.test(port)) return Number(port);
  return container.ports?.find((p) => p.name === port)?.containerPort;
}

export async function runProbe(probe: Probe, container: Container, podIP: string, dial: Dialer, timeoutMs: number): Promise<ProbeResult> {
  if (probe.httpGet) {
    const port = resolveProbePort(container, probe.httpGet.port);
    if (port === undefined) return { ok: false, message: `port "${probe.httpGet.port}" not found in container ${container.name}` };
    const address = dial(probe.httpGet.host ?? podIP, port);
    if (!address) return { ok: false, message: `Get "http://${podIP}:${port}${probe.httpGet.path ?? "/"}": dial tcp ${podIP}:${port}: connect: connection refused` };
    return httpGet(address.host, address.port, probe.httpGet.path ?? "/", podIP, port, probe.httpGet.httpHeaders ?? [], timeoutMs);
  }
  if (probe.tcpSocket) {
    const port = resolveProbePort(container, probe.tcpSocket.port);
    if (port === undefined) return { ok: false, message: `port "${probe.tcpSocket.port}" not found in container ${container.name}` };
    const address = dial(probe.tcpSocket.host ?? podIP, port);
    if (!address) return { ok: false, message: `dial tcp ${podIP}:${port}: connect: connection refused` };
    return tcpConnect(address.host, address.port, timeoutMs);
  }
  // exec and grpc probes have no process to run in; the playground treats them as passing
  // (documented in playground/README.md).
  return { ok: true, message: "" };
}

function httpGet(host: string, port: number, path: string, podIP: string, podPort: number,
  headers: Array<{ name: string; value: string }>, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const h: Record<string, string> = { "user-agent": "kube-probe/1.32", accept: "*/*", connection: "close", host: `${podIP}:${podPort}` };
    for (const { name, value } of headers) h[name.toLowerCase()] = value;
    const url = `http://${podIP}:${podPort}${path}`;
    const req = request({ host, port, path, method: "GET", headers: h, agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      // Kubernetes: 200 <= status < 400 is success.
      resolve(status >= 200 && status < 400 ? { ok: true, message: "" } : { ok: false, message: `HTTP probe failed with statuscode: ${status}` });
    });
    req.on("timeout", () => {
      req.destroy();
      resolve({ ok: false, message: `Get "${url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)` });
    });
    req.on("error", (err) => resolve({ ok: false, message: `Get "${url}": ${err.message}` }));
    req.end();
  });
}

function tcpConnect(host: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ ok: false, message: `dial tcp: i/o timeout` });
    }, timeoutMs);
    socket.on("connect", () => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ ok: true, message: "" });
    });
    socket.on("error", (err) => {
      clearTimeout(timer);
      resolve({ ok: false, message: err.message });
    });
  });
}
