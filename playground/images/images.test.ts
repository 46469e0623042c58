import { request } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { ListenerHost } from "../kubelet/listeners.ts";
import { PodNetwork } from "../kubelet/network.ts";
import type { Container, Pod } from "../workloads/types.ts";
import { HealthSwitches } from "./health.ts";
import { defaultImages, DEMO_APP } from "./images.ts";
import { imageName } from "./registry.ts";

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request({ host: "127.0.0.1", port, path, agent: false }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    }).on("error", reject).end();
  });
}

describe("images", () => {
  const host = new ListenerHost();
  afterEach(() => host.close());

  async function run(container: Container, env: Record<string, string> = {}) {
    const health = new HealthSwitches();
    const registry = defaultImages();
    const process = registry.resolve(container.image)({
      namespace: "demo", podName: "web-abc-x2kq9", podIP: "10.8.0.2", pod: { metadata: { name: "web-abc-x2kq9" } } as Pod,
      container, env, network: new PodNetwork(), health,
    });
    const ports = new Map<number, number>();
    for (const [port, handler] of process.ports) ports.set(port, (await host.listen(handler)).address.port);
    return { health, ports };
  }

  it("names images without registry, tag or digest", () => {
    expect(imageName("docker.io/switchboard/demo-app:1.4.0")).toBe(DEMO_APP);
    expect(imageName("switchboard/demo-app@sha256:abc")).toBe(DEMO_APP);
    expect(imageName("localhost:5000/x/y:2")).toBe("localhost:5000/x/y");
    expect(defaultImages().known("switchboard/health-sidecar:1.0.0")).toBe(true);
    expect(defaultImages().known("nginx:1.27")).toBe(false);
  });

  it("demo-app greets with pod and container, serves health on a dedicated port and follows the health switch", async () => {
    const { health, ports } = await run(
      { name: "app", image: "switchboard/demo-app:1.4.0", ports: [{ name: "http", containerPort: 8080 }, { name: "health", containerPort: 8090 }] },
      { HEALTH_PORT: "8090" },
    );
    expect([...ports.keys()].sort()).toEqual([8080, 8090]);
    expect(await get(ports.get(8080)!, "/anything")).toEqual({ status: 200, body: "hello from web-abc-x2kq9 (app)\n" });
    expect((await get(ports.get(8090)!, "/healthz")).status).toBe(200);
    expect((await get(ports.get(8090)!, "/")).status).toBe(404);
    health.set("demo", "web-abc-x2kq9", false);
    expect((await get(ports.get(8090)!, "/healthz")).status).toBe(503);
    expect((await get(ports.get(8080)!, "/healthz")).status).toBe(503);
    expect((await get(ports.get(8080)!, "/")).status).toBe(200);
  });

  it("demo-app listens on PORT (default 8080) and HEALTH_PORT only, not on every declared containerPort", async () => {
    // A declared port nothing in the process serves (the dedicated-port strategy's trap).
    const declared = await run({ name: "app", image: "switchboard/demo-app:1.4.0", ports: [{ name: "http", containerPort: 8080 }, { name: "health", containerPort: 8081 }] });
    expect([...declared.ports.keys()]).toEqual([8080]);
    const moved = await run({ name: "app", image: "switchboard/demo-app:1.4.0", ports: [{ name: "http", containerPort: 8080 }] }, { PORT: "9000", HEALTH_PORT: "9000" });
    expect([...moved.ports.keys()]).toEqual([9000]);
    expect((await get(moved.ports.get(9000)!, "/healthz")).status).toBe(200);
    expect((await get(moved.ports.get(9000)!, "/x")).body).toBe("hello from web-abc-x2kq9 (app)\n");
    const undeclared = await run({ name: "app", image: "switchboard/demo-app:1.4.0" }, { HEALTH_PORT: "8081" });
    expect([...undeclared.ports.keys()].sort()).toEqual([8080, 8081]);
  });

  it("health-sidecar answers only its path; unknown images answer 200 on declared ports", async () => {
    const side = await run({ name: "health", image: "switchboard/health-sidecar:1.0.0", ports: [{ containerPort: 8081 }] }, { HEALTH_PATH: "/hc" });
    expect((await get(side.ports.get(8081)!, "/hc")).status).toBe(200);
    expect((await get(side.ports.get(8081)!, "/")).status).toBe(404);
    side.health.set("demo", "web-abc-x2kq9", false, "health");
    expect((await get(side.ports.get(8081)!, "/hc")).status).toBe(503);
    const generic = await run({ name: "nginx", image: "nginx:1.27", ports: [{ containerPort: 80 }] });
    expect(await get(generic.ports.get(80)!, "/x")).toEqual({ status: 200, body: "ok from web-abc-x2kq9 (nginx)\n" });
  });
});
