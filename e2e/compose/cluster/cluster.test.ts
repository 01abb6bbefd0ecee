import { DASHBOARD_SCOPES } from "@retail/service-kit";
import { chromium } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { ordersThroughFaults } from "../orders-through-faults.js";
import {
  authorized,
  bearer,
  compose,
  URLS,
  waitForHealthyStack,
  waitUntil,
  waitUntilReady,
} from "../stack.js";
import { type Failover, killMasterOf } from "./failover.js";
import {
  adminCluster,
  atNode,
  clusterClient,
  clusterNodes,
  fields,
  isLiveMaster,
  NODE_SERVICES,
  nodeAddresses,
  partitionMasters,
} from "./nodes.js";

/** The demo's Redis users besides the admin, with docker-compose.yml's default passwords. */
const USERS = {
  inventory: process.env.INVENTORY_REDIS_PASSWORD ?? "demo-inventory-password",
  shipping: process.env.SHIPPING_REDIS_PASSWORD ?? "demo-shipping-password",
  "client-monitoring":
    process.env.CLIENT_MONITORING_REDIS_PASSWORD ?? "demo-client-monitoring-password",
  notifications: process.env.NOTIFICATIONS_REDIS_PASSWORD ?? "demo-notifications-password",
  operator: process.env.REDIS_OPERATOR_PASSWORD ?? "demo-operator-password",
};

/**
 * How the cluster differs from what docker-compose.cluster.yml builds, as each node
 * sees it: three live masters serving all 16384 slots, each followed by one replica
 * whose link is up, and every node's cluster state ok. Empty when it does not.
 */
async function clusterProblems(): Promise<string[]> {
  const problems: string[] = [];
  const addresses = await nodeAddresses();
  const nodes = await clusterNodes(addresses.get("redis") as string);
  const masters = nodes.filter(isLiveMaster);
  if (masters.length !== 3) problems.push(`${masters.length} live masters`);
  for (const master of masters) {
    const replicas = nodes.filter((node) => node.masterId === master.id && node.connected);
    if (replicas.length !== 1) problems.push(`${master.hostname}: ${replicas.length} replicas`);
  }
  for (const [service, address] of addresses) {
    const [cluster, replication] = await atNode(address, async (redis) => [
      fields((await redis.cluster("INFO")) as string),
      fields(await redis.info("replication")),
    ]);
    if (cluster.get("cluster_state") !== "ok")
      problems.push(`${service}: cluster_state ${cluster.get("cluster_state")}`);
    if (cluster.get("cluster_slots_ok") !== "16384")
      problems.push(`${service}: ${cluster.get("cluster_slots_ok")} slots ok`);
    if (replication.get("role") === "slave" && replication.get("master_link_status") !== "up")
      problems.push(`${service}: replication link ${replication.get("master_link_status")}`);
  }
  return problems;
}

/** What the failover test did: the dashboard test after it looks for the promoted master. */
let failover: Failover | undefined;

/** GET /stats: each partition stream and the master client-monitoring names for it. */
async function mastersInStats(): Promise<Map<string, string | null>> {
  const response = await fetch(`${URLS["client-monitoring"]}/stats`, {
    headers: await authorized("e2e-ops", ["ops:read"]),
    signal: AbortSignal.timeout(10_000),
  });
  const stats = (await response.json()) as {
    topics: { partitions: { stream: string; master: string | null }[] }[];
  };
  return new Map(
    stats.topics.flatMap(({ partitions }) => partitions.map((row) => [row.stream, row.master])),
  );
}

// On the stack global-setup.ts starts from docker-compose.yml and docker-compose.cluster.yml
// (vitest.compose.cluster.config.ts): the services are healthy only once the cluster
// was created, so it is up before the first test.
describe("docker compose on a Redis Cluster: 3 masters, 3 replicas, the same services", () => {
  beforeAll(async () => {
    await waitForHealthyStack(180_000);
  });

  it("runs six nodes, three masters serving every slot each with an attached replica, with AOF and the demo's ACL users on every node", async () => {
    expect(await clusterProblems()).toEqual([]);
    const addresses = await nodeAddresses();
    expect([...addresses.keys()]).toEqual(NODE_SERVICES);
    for (const [service, address] of addresses) {
      const aof = await atNode(address, async (redis) => [
        ...(await redis.config("GET", "appendonly")),
        ...(await redis.config("GET", "appendfsync")),
      ]);
      expect([service, ...aof]).toEqual([service, "appendonly", "yes", "appendfsync", "everysec"]);
      for (const [username, password] of Object.entries(USERS)) {
        await atNode(
          address,
          async (user) => {
            expect([service, username, await user.ping()]).toEqual([service, username, "PONG"]);
            // the demo's users, not open ones: no admin command for any of them
            await expect(user.flushall()).rejects.toThrow(/NOPERM/);
          },
          { username, password },
        );
      }
    }
    // as the services connect: a Cluster client learns the slots (CLUSTER SLOTS) as the user
    for (const [username, password] of Object.entries(USERS)) {
      const user = await clusterClient({ username, password });
      try {
        expect([username, await user.ping()]).toEqual([username, "PONG"]);
        expect(user.nodes("master")).toHaveLength(3);
      } finally {
        user.disconnect();
      }
    }
  });

  it("creates the cluster once: its init service run again leaves the cluster as it is", async () => {
    const first = (await nodeAddresses()).get("redis") as string;
    const before = (await clusterNodes(first)).map(({ id, masterId }) => `${id} ${masterId}`);
    const output = await compose("run", "--rm", "-T", "redis-cluster-init");
    expect(output).toContain("the nodes already form a cluster; nothing to create");
    const after = (await clusterNodes(first)).map(({ id, masterId }) => `${id} ${masterId}`);
    expect(after.sort()).toEqual(before.sort());
    expect(await clusterProblems()).toEqual([]);
  });

  it("settles every order placed on the cluster with its one shipment", async () => {
    await ordersThroughFaults({ faults: () => [], connect: adminCluster });
  });

  it("goes on through a master killed under load: its replica is promoted, and every order still settles with its one shipment", async () => {
    await ordersThroughFaults({
      // inventory's own slot: placing an order needs it, so the load feels the failover
      faults: () => [
        [
          "SIGKILL the master of {inventory}, until its replica is promoted and it is back as a replica",
          async () => {
            failover = await killMasterOf("{inventory}");
            for (const service of ["inventory", "shipping", "client-monitoring"] as const)
              await waitUntilReady(service, 120_000);
          },
        ],
      ],
      connect: adminCluster,
      // the test above placed orders 0, 1, …: these get Idempotency-Keys of their own
      firstIndex: 10_000,
    });
    console.log("failover", JSON.stringify(failover));
    expect(failover?.promoted).not.toBe(failover?.killed);
    expect(await clusterProblems()).toEqual([]);
  });

  it("shows on the dashboard which master holds each partition stream, the promoted one included", async () => {
    const truth = await partitionMasters((await nodeAddresses()).get("redis") as string);
    expect([...truth.values()]).toContain(`${failover?.promoted}:6379`);
    // client-monitoring's view catches up once a command of its own met the failover
    await waitUntil(
      "GET /stats to name each partition's master as the cluster does",
      async () => {
        const shown = await mastersInStats();
        return [...truth].every(([stream, master]) => shown.get(stream) === master);
      },
      60_000,
    );

    const browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: ["--headless", "--no-sandbox", "--disable-gpu"],
    });
    try {
      const page = await browser.newPage();
      // the dashboard reads its token from the fragment, as `retail token --dashboard` prints it
      const token = (await bearer("dashboard", DASHBOARD_SCOPES)).slice("Bearer ".length);
      await page.goto(`${URLS["client-monitoring"]}/#token=${token}`);
      const placed = page.locator('#groups li[data-topic="order.placed"] .master');
      const expected = [...truth]
        .filter(([stream]) => stream.startsWith("stream:{order.placed:"))
        .map(([stream, master]) => `${stream} ${master}`);
      await expect
        .poll(() =>
          placed.evaluateAll((spans) =>
            spans.map(
              (span) => `stream:{order.placed:${span.dataset.partition}} ${span.dataset.master}`,
            ),
          ),
        )
        .toEqual(expected);
    } finally {
      await browser.close();
    }
  });
});
