import { streamKey } from "@retail/bus";
import { examplePayloads, topicNames } from "@retail/contracts";
import { useRedisServer } from "@retail/testing";
import { beforeEach, describe, expect, it } from "vitest";
import { linesOf, retail, useBuses } from "../test/helpers.js";
import { RATE_SAMPLE, type StreamReport } from "./streams.js";

describe("retail streams", () => {
  const redis = useRedisServer();
  const bus = useBuses(() => redis().url);
  beforeEach(async () => {
    await redis().flushAll();
  });

  async function publishSome(): Promise<void> {
    const inventory = bus("inventory");
    for (const orderId of ["ord-1", "ord-2", "ord-3"]) {
      await inventory.publish("order.placed", { ...examplePayloads["order.placed"], orderId });
    }
    await inventory.publish("stock.low", examplePayloads["stock.low"]);
  }

  it("reports every topic of the catalog as JSON: length, partitions, first and last entry, rate", async () => {
    await publishSome();
    const run = await retail(["--redis", redis().url, "streams", "--json"]);
    expect(run.code).toBe(0);
    const reports = JSON.parse(run.stdout) as StreamReport[];
    expect(reports.map((report) => report.topic)).toEqual(topicNames);

    const placed = reports.find((report) => report.topic === "order.placed");
    expect(placed).toMatchObject({ publisher: "inventory", length: 3, rateEstimated: false });
    expect(placed?.partitions).toHaveLength(4);
    expect(placed?.ratePerSecond).toBeCloseTo(3 / 60);
    expect(placed?.firstEntry?.id).toMatch(/^\d+-\d+$/);
    expect(Date.parse(placed?.lastEntry?.at ?? "")).not.toBeNaN();

    expect(reports.find((report) => report.topic === "stock.low")).toMatchObject({ length: 1 });
    const empty = reports.find((report) => report.topic === "shipment.failed");
    expect(empty).toMatchObject({ length: 0, ratePerSecond: 0 });
    expect(empty?.firstEntry).toBeUndefined();
  });

  it("prints a table with one row per topic", async () => {
    await publishSome();
    const run = await retail(["--redis", redis().url, "streams"]);
    expect(run.code).toBe(0);
    const [header, ...rows] = linesOf(run.stdout);
    expect(header).toMatch(
      /^TOPIC\s+PUBLISHER\s+PARTS\s+LENGTH\s+FIRST ENTRY\s+LAST ENTRY\s+RATE\/s$/,
    );
    expect(rows).toHaveLength(topicNames.length);
    expect(rows.find((row) => row.startsWith("order.placed "))).toMatch(
      /^order\.placed\s+inventory\s+4\s+3\s+\S+ \(\d+-\d+\)\s+\S+ \(\d+-\d+\)\s+0\.05$/,
    );
    expect(rows.find((row) => row.startsWith("shipment.failed "))).toMatch(
      /^shipment\.failed\s+shipping\s+1\s+0\s+—\s+—\s+0$/,
    );
  });

  it("narrows to the topics given and refuses unknown ones, listing the valid ones", async () => {
    const one = await retail(["--redis", redis().url, "streams", "stock.low", "--json"]);
    expect((JSON.parse(one.stdout) as StreamReport[]).map((report) => report.topic)).toEqual([
      "stock.low",
    ]);

    const unknown = await retail(["--redis", redis().url, "streams", "stock.lo"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stdout).toBe("");
    expect(unknown.stderr).toContain('unknown topic "stock.lo"');
    for (const topic of topicNames) expect(unknown.stderr).toContain(topic);
  });

  it("estimates the rate from the newest entries when a partition has more than it reads", async () => {
    const client = redis().client();
    const append = client.pipeline();
    for (let index = 0; index < RATE_SAMPLE + 200; index += 1)
      append.xadd(streamKey("client.telemetry", 0), "*", "n", String(index));
    await append.exec();
    client.disconnect();

    const run = await retail(["--redis", redis().url, "streams", "client.telemetry", "--json"]);
    const [report] = JSON.parse(run.stdout) as StreamReport[];
    expect(report).toMatchObject({ length: RATE_SAMPLE + 200, rateEstimated: true });
    expect(report?.ratePerSecond).toBeGreaterThan(RATE_SAMPLE / 60);
    const table = await retail(["--redis", redis().url, "streams", "client.telemetry"]);
    expect(linesOf(table.stdout)[1]).toMatch(/~\d+$/);
  });
});
