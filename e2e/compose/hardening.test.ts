import { beforeAll, describe, expect, it } from "vitest";
import { containersOf, docker, waitForHealthyStack } from "./stack.js";

/** The long-running containers of the demo and the user each runs as. */
const SERVICES = {
  redis: "redis",
  inventory: "node",
  shipping: "node",
  "shipping-gateway": "node",
  "client-monitoring": "node",
  notifications: "node",
  loadgen: "node",
} as const;

interface Inspected {
  Config: { User: string };
  HostConfig: {
    ReadonlyRootfs: boolean;
    CapDrop: string[] | null;
    SecurityOpt: string[] | null;
    Memory: number;
    PidsLimit: number | null;
    PortBindings: Record<string, { HostIp: string; HostPort: string }[]> | null;
  };
}

async function inspect(container: string): Promise<Inspected> {
  return (JSON.parse(await docker("inspect", container)) as Inspected[])[0] as Inspected;
}

// On the stack global-setup.ts starts.
describe("docker compose: the containers are locked down", () => {
  beforeAll(async () => {
    await waitForHealthyStack(180_000);
  });

  it("runs every container as its image's unprivileged user, on a read-only root, without capabilities, with memory and process limits", async () => {
    for (const [service, user] of Object.entries(SERVICES)) {
      const [container] = await containersOf(service);
      expect(container, service).toBeDefined();
      const { Config, HostConfig } = await inspect(container as string);
      expect(Config.User, service).toBe(user);
      expect(HostConfig.ReadonlyRootfs, service).toBe(true);
      expect(HostConfig.CapDrop, service).toEqual(["ALL"]);
      expect(HostConfig.SecurityOpt, service).toContain("no-new-privileges:true");
      expect(HostConfig.Memory, service).toBeGreaterThan(0);
      expect(HostConfig.PidsLimit, service).toBeGreaterThan(0);
      expect(await docker("exec", container as string, "id", "-u"), service).not.toBe("0");
    }
  });

  it("publishes Redis on the host's loopback only, and its healthcheck user may only PING", async () => {
    const [redis] = await containersOf("redis");
    const { HostConfig } = await inspect(redis as string);
    const bindings = Object.values(HostConfig.PortBindings ?? {}).flat();
    expect(bindings.length).toBeGreaterThan(0);
    expect(bindings.every((binding) => binding.HostIp === "127.0.0.1")).toBe(true);
    const asHealthcheck = (...command: string[]) =>
      docker(
        "exec",
        redis as string,
        "redis-cli",
        "--user",
        "healthcheck",
        "--pass",
        "-",
        "--no-auth-warning",
        ...command,
      );
    expect(await asHealthcheck("ping")).toBe("PONG");
    expect(await asHealthcheck("get", "{inventory}:demo-seeded")).toMatch(/NOPERM/);
    expect(await asHealthcheck("config", "get", "requirepass")).toMatch(/NOPERM/);
  });
});
