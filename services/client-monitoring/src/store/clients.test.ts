import { describe, expect, it, vi } from "vitest";
import { expectError, useMonitoring } from "../../test/harness.js";

/** vi.waitFor gives up after 1 s by default; CI runs every package's tests at once on 2 cores. */
const UNDER_LOAD = { timeout: 10_000 };

describe("client heartbeats", () => {
  const monitoring = useMonitoring();

  it("publishes client.online on a client's first heartbeat only, and lists it online", async () => {
    const { app } = await monitoring.instance();
    const beat = () =>
      app.inject({
        method: "POST",
        url: "/clients/till-1/heartbeat",
        headers: { "x-correlation-id": "beat-1" },
        payload: { app: "till", version: "4.2.0" },
      });
    expect((await beat()).statusCode).toBe(204);
    expect((await beat()).statusCode).toBe(204);

    const online = await monitoring.events("client.online");
    expect(online).toHaveLength(1);
    expect(online[0]).toMatchObject({
      source: "client-monitoring",
      correlationId: "beat-1",
      partitionKey: "till-1",
      payload: { clientId: "till-1", app: "till", version: "4.2.0" },
    });
    const list = await app.inject({ method: "GET", url: "/clients" });
    expect(list.statusCode).toBe(200);
    expect(list.json()).toEqual([
      {
        clientId: "till-1",
        app: "till",
        version: "4.2.0",
        status: "online",
        lastSeen: expect.any(String),
      },
    ]);
    const one = await app.inject({ method: "GET", url: "/clients/till-1" });
    expect(one.json()).toMatchObject({ clientId: "till-1", status: "online" });
  });

  it("flips a silent client offline with an alert, and back online on its next heartbeat", async () => {
    const { app } = await monitoring.instance({
      CLIENT_OFFLINE_AFTER_MS: "150",
      CLIENT_SWEEP_INTERVAL_MS: "20",
    });
    const beat = () =>
      app.inject({
        method: "POST",
        url: "/clients/web-7/heartbeat",
        payload: { app: "web-shop", version: "1.0.0" },
      });
    await beat();

    await vi.waitFor(
      async () => expect(await monitoring.events("client.offline")).toHaveLength(1),
      UNDER_LOAD,
    );
    const [offline] = await monitoring.events("client.offline");
    const [online] = await monitoring.events("client.online");
    if (!offline || !online) throw new Error("missing events");
    expect(offline.payload).toMatchObject({ clientId: "web-7", app: "web-shop", version: "1.0.0" });
    const { lastSeenAt } = offline.payload as { lastSeenAt: string };
    expect(lastSeenAt >= (online.payload as { onlineAt: string }).onlineAt).toBe(true);
    expect((await app.inject({ method: "GET", url: "/clients/web-7" })).json()).toMatchObject({
      status: "offline",
    });
    await vi.waitFor(async () => {
      const alerts = (await app.inject({ method: "GET", url: "/alerts" })).json();
      expect(alerts).toEqual([
        expect.objectContaining({ kind: "client_offline", subject: "web-7", severity: "warning" }),
      ]);
    }, UNDER_LOAD);
    const raised = await monitoring.events("alert.raised");
    expect(raised).toHaveLength(1);
    // the alert continues the offline event's flow
    expect(raised[0]?.causationId).toBe(offline.id);

    await beat();
    expect(await monitoring.events("client.online")).toHaveLength(2);
    expect((await app.inject({ method: "GET", url: "/clients/web-7" })).json()).toMatchObject({
      status: "online",
    });
  });

  it("publishes one client.offline per client when two instances sweep the same clients", async () => {
    const env = { CLIENT_OFFLINE_AFTER_MS: "100", CLIENT_SWEEP_INTERVAL_MS: "5" };
    const first = await monitoring.instance(env);
    const second = await monitoring.instance(env);
    const ids = Array.from({ length: 20 }, (_, index) => `mobile-${index}`);
    for (const [index, id] of ids.entries()) {
      const response = await (index % 2 === 0 ? first : second).app.inject({
        method: "POST",
        url: `/clients/${id}/heartbeat`,
        payload: { app: "mobile", version: "2.0.0" },
      });
      expect(response.statusCode).toBe(204);
    }

    await vi.waitFor(async () => {
      const { json } = await first.app.inject({ method: "GET", url: "/clients" });
      expect(json().every((client: { status: string }) => client.status === "offline")).toBe(true);
    }, UNDER_LOAD);
    const offline = await monitoring.events("client.offline");
    expect(offline.map((event) => (event.payload as { clientId: string }).clientId).sort()).toEqual(
      [...ids].sort(),
    );
    await vi.waitFor(
      async () => expect(await monitoring.events("alert.raised")).toHaveLength(ids.length),
      UNDER_LOAD,
    );
  });

  /** The registries of `count` instances that do not consume: each its own Redis client and bus. */
  async function registries(count: number, env: Record<string, string> = {}) {
    const environment = {
      CLIENT_OFFLINE_AFTER_MS: "1000",
      CLIENT_FORGET_AFTER_MS: "3600000",
      ...env,
    };
    const instances = await Promise.all(
      Array.from({ length: count }, () => monitoring.instance(environment, { start: false })),
    );
    return instances.map(({ expose }) => expose.clients);
  }

  it("brings each client online once when instances race its first heartbeats", async () => {
    const clientIds = ["till-1", "till-2", "web-1"];
    await Promise.all(
      (await registries(3)).flatMap((registry) =>
        clientIds.map((clientId) =>
          registry.heartbeat({ clientId, app: "till", version: "1" }, "t"),
        ),
      ),
    );
    const online = await monitoring.events("client.online");
    expect(online.map(({ partitionKey }) => partitionKey).sort()).toEqual(clientIds);
  });

  it("flips each client exactly once when sweeps race each other", async () => {
    const all = await registries(3);
    const [registry] = all as [(typeof all)[number]];
    for (let index = 0; index < 30; index += 1)
      await registry.heartbeat({ clientId: `till-${index}`, app: "till", version: "1" }, "test");
    const later = new Date(Date.now() + 5_000);
    const flipped = await Promise.all(
      all.flatMap((each) => [each.sweep(later), each.sweep(later)]),
    );
    expect(flipped.reduce((sum, count) => sum + count, 0)).toBe(30);
    expect(await monitoring.events("client.offline")).toHaveLength(30);
    // a client that sent a heartbeat since is left online
    await registry.heartbeat({ clientId: "till-0", app: "till", version: "1" }, "test");
    expect(await registry.sweep(new Date())).toBe(0);
    expect((await registry.get("till-0"))?.status).toBe("online");
  });

  it("forgets clients that stayed offline past the retention", async () => {
    const [registry] = await registries(1, { CLIENT_FORGET_AFTER_MS: "10000" });
    if (!registry) throw new Error("no registry");
    await registry.heartbeat({ clientId: "old", app: "till", version: "1" }, "test");
    await registry.sweep(new Date(Date.now() + 2_000));
    expect((await registry.get("old"))?.status).toBe("offline");
    await registry.sweep(new Date(Date.now() + 20_000));
    expect(await registry.get("old")).toBeUndefined();
    expect(await registry.list(10)).toEqual([]);
  });

  it("rejects a heartbeat with an unknown app or a malformed client id, and answers 404 for unknown clients", async () => {
    const { app } = await monitoring.instance();
    expectError(
      await app.inject({
        method: "POST",
        url: "/clients/till-1/heartbeat",
        payload: { app: "fridge", version: "1" },
      }),
      400,
      "validation_failed",
    );
    expectError(
      await app.inject({
        method: "POST",
        url: `/clients/${encodeURIComponent("has space")}/heartbeat`,
        payload: { app: "till", version: "1" },
      }),
      400,
      "validation_failed",
    );
    expectError(
      await app.inject({ method: "GET", url: "/clients/nobody" }),
      404,
      "client_not_found",
    );
    expectError(
      await app.inject({ method: "GET", url: "/clients?limit=0" }),
      400,
      "validation_failed",
    );
  });
});
