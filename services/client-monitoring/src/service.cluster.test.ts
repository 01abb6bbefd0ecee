import { catalog, partitionsOf } from "@retail/contracts";
import { ALL_SCOPES, authorizeInjects, testIdentity } from "@retail/service-kit/testing";
import { useRedisCluster } from "@retail/testing";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type ClientMonitoringService, clientMonitoringService } from "./service.js";

const WAIT = { timeout: 15_000, interval: 50 };
/** Client id → app; the ids' partitions spread over the masters. */
const CLIENTS: Record<string, string> = {
  "till-1": "till",
  "web-2": "web-shop",
  "mobile-3": "mobile",
  "till-4": "till",
};

describe("client-monitoring on a Redis Cluster", () => {
  const cluster = useRedisCluster();
  let service: ClientMonitoringService;

  beforeAll(async () => {
    const [first, ...others] = cluster().nodes;
    const identity = await testIdentity();
    service = await clientMonitoringService.create({
      env: {
        PORT: "0",
        LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
        REDIS_URL: `redis://${first?.host}:${first?.port}`,
        REDIS_CLUSTER_NODES: others.map(({ host, port }) => `${host}:${port}`).join(","),
        CLIENT_SWEEP_INTERVAL_MS: "60000",
        DEAD_LETTER_CHECK_INTERVAL_MS: "60000",
        AUTH_JWKS_FILE: identity.jwksFile,
      },
      bus: { shutdownTimeoutMs: 2_000 },
    });
    authorizeInjects(service.app, await identity.bearer("staff", ALL_SCOPES));
    await service.start();
  });
  afterAll(async () => {
    await service?.close();
  });

  it("records heartbeats, lists the clients, and announces each one online through the topic", async () => {
    for (const [clientId, app] of Object.entries(CLIENTS)) {
      const beat = await service.app.inject({
        method: "POST",
        url: `/clients/${clientId}/heartbeat`,
        payload: { app, version: "1.0.0" },
      });
      expect(beat.statusCode, beat.body).toBe(204);
    }
    const list = await service.app.inject({ url: "/clients" });
    expect(list.statusCode, list.body).toBe(200);
    expect(
      list
        .json()
        .map((client: { clientId: string }) => client.clientId)
        .sort(),
    ).toEqual(Object.keys(CLIENTS).sort());
    // The statistics read every topic's partitions, on whichever master holds each.
    await vi.waitFor(async () => {
      const stats = await service.app.inject({ url: "/stats" });
      expect(stats.statusCode, stats.body).toBe(200);
      const online = stats
        .json()
        .topics.find(({ topic }: { topic: string }) => topic === "client.online");
      expect(online?.length).toBe(Object.keys(CLIENTS).length);
    }, WAIT);
  });

  it("names in GET /stats, for each partition stream, the master serving its slot, as the cluster says", async () => {
    const admin = cluster().client();
    try {
      // Redis's own answer: which node serves which slot range, and each stream's slot.
      const ranges = await admin.cluster("SLOTS");
      const masterOfSlot = (slot: number) => {
        const [host, port] = ranges.find(([from, to]) => slot >= from && slot <= to)?.[2] ?? [];
        return `${host}:${port}`;
      };
      const stats = (await service.app.inject({ url: "/stats" })).json();
      const partitions: { stream: string; master: string | null }[] = stats.topics.flatMap(
        (topic: { partitions: unknown[] }) => topic.partitions,
      );
      expect(partitions.length).toBe(
        Object.values(catalog).reduce((sum, topic) => sum + partitionsOf(topic), 0),
      );
      for (const { stream, master } of partitions) {
        const slot = Number(await admin.cluster("KEYSLOT", stream));
        expect({ stream, master }).toEqual({ stream, master: masterOfSlot(slot) });
      }
      // the partitions spread over the masters: the table is worth showing
      expect(new Set(partitions.map(({ master }) => master)).size).toBeGreaterThan(1);
    } finally {
      admin.disconnect();
    }
  });
});
