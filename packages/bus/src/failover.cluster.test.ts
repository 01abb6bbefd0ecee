import { type RedisClusterNode, useRedisCluster } from "@retail/testing";
import type { Cluster, ClusterOptions } from "ioredis";
import { afterAll, describe, expect, it, vi } from "vitest";
import { apply } from "../test/apply.js";
import { testLogger } from "../test/fixtures.js";
import { catalog } from "../test/fixtures-catalog.js";
import { type Bus, type BusOptions, createBus } from "./index.js";
import { outboxKey } from "./keys.js";
import { uuidv7 } from "./random.js";

const COMMITS = 90;
const KILL_AFTER = 30;

/** What a service's cluster client does on a failover: retry redirections, wait out CLUSTERDOWN. */
const FAILOVER_OPTIONS: ClusterOptions = {
  retryDelayOnFailover: 200,
  retryDelayOnClusterDown: 300,
  retryDelayOnTryAgain: 100,
  maxRedirections: 16,
  redisOptions: { maxRetriesPerRequest: null },
};

// Its own cluster with a replica per master (a failover needs one), so it runs in the
// cluster project (vitest.cluster.config.ts), not on the cluster the run shares.
describe("a master failover under load", () => {
  const cluster = useRedisCluster({ replicasPerMaster: 1, nodeTimeoutMs: 2_000 });
  const buses: Bus<typeof catalog>[] = [];
  const clients: Cluster[] = [];

  afterAll(async () => {
    await Promise.all(buses.map((bus) => bus.close()));
    for (const client of clients) client.disconnect();
  });

  function client(): Cluster {
    const created = cluster().client(FAILOVER_OPTIONS);
    clients.push(created);
    return created;
  }

  function bus(service: string, options: Partial<BusOptions<typeof catalog>> = {}) {
    const created = createBus<typeof catalog>({
      service,
      catalog,
      redis: client(),
      logger: testLogger,
      shutdownTimeoutMs: 2_000,
      ...options,
    });
    buses.push(created);
    return created;
  }

  /** The master serving `key` now, as the cluster's slot map says. */
  async function masterOf(admin: Cluster, key: string): Promise<RedisClusterNode> {
    const slot = Number(await admin.cluster("KEYSLOT", key));
    const shards = (await admin.cluster("SLOTS")) as unknown as [
      number,
      number,
      [string, number],
    ][];
    const shard = shards.find(([from, to]) => slot >= from && slot <= to);
    const node = cluster().nodes.find(
      (candidate) => candidate.host === shard?.[2][0] && candidate.port === shard?.[2][1],
    );
    if (!node) throw new Error(`no master serves ${key}`);
    return node;
  }

  it("keeps committing through the death of the outbox's master: none of the confirmed commits is lost, and WAIT refuses while the promoted master has no replica", async () => {
    const handled = new Set<string>();
    const worker = bus("worker");
    worker.subscribe("test.partitioned", (event) => {
      handled.add(event.id);
    });
    await worker.start();
    // Two instances of one service: one waits for a replica on every commit, one not.
    const durable = bus("tester", {
      publishTimeoutMs: 3_000,
      outbox: { leaseMs: 2_000, replicas: { replicas: 1, timeoutMs: 1_000 } },
    });
    const plain = bus("tester", { publishTimeoutMs: 3_000, outbox: { leaseMs: 2_000 } });

    const admin = client();
    const victim = await masterOf(admin, outboxKey("tester"));
    const confirmed: string[] = [];
    const commit = async (tester: Bus<typeof catalog>, seq: number) => {
      // Retried with the same event id until confirmed: a commit that failed or timed
      // out is in doubt, and consumers drop a repeat by id.
      const eventId = uuidv7();
      await vi.waitFor(
        () =>
          apply(tester, {
            events: [["test.partitioned", { orderId: `order-${seq % 7}`, seq }, { eventId }]],
          }),
        { timeout: 60_000, interval: 200 },
      );
      confirmed.push(eventId);
    };
    for (let seq = 0; seq < KILL_AFTER; seq += 1) await commit(durable, seq);

    await cluster().stopNode(victim, "kill");
    for (let seq = KILL_AFTER; seq < COMMITS; seq += 1) await commit(plain, seq);

    // A replica took over the killed master's slots; having no replica of its own, it
    // cannot confirm a durable commit (in doubt, not confirmed).
    expect((await masterOf(admin, outboxKey("tester"))).containerId).not.toBe(victim.containerId);
    await expect(
      apply(durable, { events: [["test.partitioned", { orderId: "order-x", seq: COMMITS }]] }),
    ).rejects.toMatchObject({ code: "BUS_ERR_NOT_REPLICATED", acknowledged: 0 });

    await vi.waitFor(() => expect(confirmed.filter((id) => !handled.has(id))).toEqual([]), {
      timeout: 60_000,
      interval: 200,
    });
  }, 180_000);
});
