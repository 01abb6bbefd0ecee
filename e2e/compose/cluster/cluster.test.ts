import { Redis } from "ioredis";
import { beforeAll, describe, expect, it } from "vitest";
import { ordersThroughFaults } from "../orders-through-faults.js";
import { waitForHealthyStack, waitUntilReady } from "../stack.js";
import { type Failover, killMasterOf } from "./failover.js";
import {
  ADMIN_PASSWORD,
  adminCluster,
  clusterClient,
  clusterNodes,
  infoField,
  isLiveMaster,
  NODE_SERVICES,
  nodeAddresses,
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
  const nodes = await clusterNodes("redis");
  const masters = nodes.filter(isLiveMaster);
  if (masters.length !== 3) problems.push(`${masters.length} live masters`);
  for (const master of masters) {
    const replicas = nodes.filter((node) => node.masterId === master.id && node.connected);
    if (replicas.length !== 1) problems.push(`${master.hostname}: ${replicas.length} replicas`);
  }
  for (const service of NODE_SERVICES) {
    const state = await infoField(service, "cluster_state", "CLUSTER", "INFO");
    if (state !== "ok") problems.push(`${service}: cluster_state ${state}`);
    const slots = await infoField(service, "cluster_slots_ok", "CLUSTER", "INFO");
    if (slots !== "16384") problems.push(`${service}: ${slots} slots ok`);
    if ((await infoField(service, "role", "INFO", "replication")) === "slave") {
      const link = await infoField(service, "master_link_status", "INFO", "replication");
      if (link !== "up") problems.push(`${service}: replication link ${link}`);
    }
  }
  return problems;
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
    for (const [service, host] of addresses) {
      const admin = new Redis({ host, port: 6379, password: ADMIN_PASSWORD });
      try {
        expect([service, await admin.config("GET", "appendonly")]).toEqual([
          service,
          ["appendonly", "yes"],
        ]);
        expect(await admin.config("GET", "appendfsync")).toEqual(["appendfsync", "everysec"]);
      } finally {
        admin.disconnect();
      }
      for (const [username, password] of Object.entries(USERS)) {
        const user = new Redis({ host, port: 6379, username, password });
        try {
          expect([service, username, await user.ping()]).toEqual([service, username, "PONG"]);
          // the demo's users, not open ones: no admin command for any of them
          await expect(user.flushall()).rejects.toThrow(/NOPERM/);
        } finally {
          user.disconnect();
        }
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

  it("settles every order placed on the cluster with its one shipment", async () => {
    await ordersThroughFaults({ faults: () => [], connect: adminCluster });
  });

  it("goes on through a master killed under load: its replica is promoted, and every order still settles with its one shipment", async () => {
    let failover: Failover | undefined;
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
});
