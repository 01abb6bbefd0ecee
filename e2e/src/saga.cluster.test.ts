import { useRedisCluster } from "@retail/testing";
import { Redis } from "ioredis";
import { expect, it } from "vitest";
import { describeSaga } from "./saga-scenarios.js";

const SERVICES = ["inventory", "shipping", "client-monitoring", "notifications"];

// One cluster for the file (3 masters): the services reach it through REDIS_CLUSTER_NODES.
const cluster = useRedisCluster();

describeSaga("a Redis Cluster of three masters", cluster, () => {
  it("runs every service on the cluster, connected under its own name", async () => {
    const names = new Set<string>();
    for (const { host, port } of cluster().nodes) {
      const node = new Redis({ host, port });
      try {
        for (const [, name] of String(await node.client("LIST")).matchAll(/ name=(\S+) /g))
          if (name) names.add(name);
      } finally {
        node.disconnect();
      }
    }
    expect([...names]).toEqual(expect.arrayContaining(SERVICES));
  });
});
