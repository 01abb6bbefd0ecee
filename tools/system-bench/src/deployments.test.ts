import { streamKey } from "@retail/bus";
import { useRedisCluster } from "@retail/testing";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  clusterDeployment,
  type Deployment,
  flowKeys,
  placement,
  topicLength,
} from "./deployments.js";
import { watchTopic } from "./stream-watcher.js";

describe("a cluster deployment", () => {
  const cluster = useRedisCluster();
  let deployment: Deployment;
  beforeAll(async () => {
    deployment = await clusterDeployment(cluster());
  });
  afterAll(() => deployment?.close());

  it("points a service at every node, and REDIS_URL at one of them", () => {
    const nodes = cluster().nodes.map(({ host, port }) => `${host}:${port}`);
    expect(deployment.env.REDIS_CLUSTER_NODES).toBe(nodes.join(","));
    expect(deployment.env.REDIS_URL).toBe(`redis://${nodes[0]}`);
    expect(deployment.masters).toHaveLength(3);
  });

  it("places each key of the order flow on exactly the master that stores it", async () => {
    const held = await placement(deployment);
    const labels = [...held.values()].flat().sort();
    expect(labels).toEqual(
      flowKeys()
        .map(({ label }) => label)
        .sort(),
    );
    for (const { label, key } of flowKeys()) {
      await deployment.flush();
      await deployment.admin.set(key, "x");
      const sizes = await Promise.all(deployment.masters.map(({ probe }) => probe.dbsize()));
      const owner = deployment.masters[sizes.indexOf(1)];
      expect(held.get(owner?.name ?? "")).toContain(label);
    }
    await deployment.flush();
  });

  it("counts a topic's entries over partition streams on different masters", async () => {
    for (let partition = 0; partition < 4; partition++)
      await deployment.admin.xadd(streamKey("order.placed", partition), "*", "n", "1");
    expect(await topicLength(deployment.admin, "order.placed")).toBe(4);
    await deployment.flush();
  });

  it("lets the stream watcher read shipment.created at the deployment's address", async () => {
    const seen: string[] = [];
    const watcher = await watchTopic(deployment.address, "shipment.created", (orderId) => {
      seen.push(orderId);
    });
    try {
      const key = streamKey("shipment.created", 0);
      await deployment.admin.xadd(key, "*", "partitionKey", "order-1");
      await vi.waitFor(() => expect(seen).toEqual(["order-1"]), { timeout: 10_000 });
    } finally {
      await watcher.stop();
    }
  });
});
