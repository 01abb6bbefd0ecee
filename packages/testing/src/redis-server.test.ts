import { getContainerRuntimeClient } from "testcontainers";
import { describe, expect, it, vi } from "vitest";
import { NoRedisServerError } from "./errors.js";
import { startRedisServer } from "./redis-server.js";
import { useRedisServer } from "./vitest.js";

describe("a Redis server with AOF on (the default)", () => {
  const redis = useRedisServer();
  // while the file's tests are collected, before any hook ran
  const tooEarly = (() => {
    try {
      return redis();
    } catch (error) {
      return error;
    }
  })();

  it("exists only inside tests and hooks: the getter throws a coded error before", () => {
    expect(tooEarly).toBeInstanceOf(NoRedisServerError);
    expect(tooEarly).toMatchObject({ code: "TESTING_ERR_NO_REDIS_SERVER" });
  });

  it("keeps acknowledged writes across a hard kill and restart, on the same URL", async () => {
    const client = redis().client({ maxRetriesPerRequest: null });
    try {
      await client.set("survives", "yes");
      await client.xadd("orders", "*", "n", "1");

      await redis().restart("kill");

      // the same client reconnects by itself to the same address
      expect(await client.get("survives")).toBe("yes");
      expect(await client.xlen("orders")).toBe(1);
    } finally {
      client.disconnect();
    }
  });

  it("makes a client's command time out while paused, and answers again once unpaused", async () => {
    const client = redis().client({ commandTimeout: 300, maxRetriesPerRequest: 0 });
    try {
      await client.ping();
      await redis().pause();
      try {
        await expect(client.get("anything")).rejects.toThrow(/timed out/i);
      } finally {
        await redis().unpause();
      }
      const fresh = redis().client();
      try {
        expect(await fresh.ping()).toBe("PONG");
      } finally {
        fresh.disconnect();
      }
    } finally {
      client.disconnect();
    }
  });

  it("cuts client connections with CLIENT KILL, and ioredis reconnects", async () => {
    const client = redis().client();
    try {
      const idBefore = await client.client("ID");
      const reconnecting = vi.fn();
      client.on("reconnecting", reconnecting);

      expect(await redis().killClients()).toBeGreaterThanOrEqual(1);

      await vi.waitFor(() => expect(reconnecting).toHaveBeenCalled(), { timeout: 10_000 });
      // a new connection has a new id: the old one really was cut
      expect(await client.client("ID")).not.toBe(idBefore);
      expect(await client.ping()).toBe("PONG");
    } finally {
      client.disconnect();
    }
  });

  it("starts empty for the next test after flushAll", async () => {
    const client = redis().client();
    try {
      await client.set("left-over", "1");
      await redis().flushAll();
      expect(await client.dbsize()).toBe(0);
    } finally {
      client.disconnect();
    }
  });
});

describe("a Redis server without persistence", () => {
  it("comes back empty after a restart, as a cache-only Redis would", async () => {
    const server = await startRedisServer({ persistence: "none" });
    try {
      const client = server.client({ maxRetriesPerRequest: null });
      try {
        await client.set("gone", "soon");
        await server.restart("kill");
        expect(await client.get("gone")).toBeNull();
      } finally {
        client.disconnect();
      }
    } finally {
      await server.dispose();
    }
  });
});

describe("dispose", () => {
  it("removes the container, also when it is paused, and can be called twice", async () => {
    const server = await startRedisServer();
    const runtime = await getContainerRuntimeClient();
    const before = await runtime.container.list();
    const started = before.find((container) =>
      container.Ports.some((port) => port.PublicPort === server.port),
    );
    expect(started).toBeDefined();
    // containerId names the same container, so `docker exec` reaches this server
    expect(started?.Id).toBe(server.containerId);

    await server.pause();
    await server.dispose();
    await server.dispose();

    const after = await runtime.container.list();
    expect(after.some((container) => container.Id === started?.Id)).toBe(false);
  });
});
