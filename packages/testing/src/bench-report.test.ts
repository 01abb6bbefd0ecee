import { Redis } from "ioredis";
import { describe, expect, inject, it } from "vitest";
import {
  formatMs,
  machineFacts,
  median,
  percentile,
  ratio,
  redisInfo,
  table,
} from "./bench-report.js";

describe("percentile", () => {
  const sorted = Array.from({ length: 100 }, (_, index) => index + 1);

  it("is the nearest rank of sorted values: always one of them", () => {
    expect(percentile(sorted, 50)).toBe(50);
    expect(percentile(sorted, 99)).toBe(99);
    expect(percentile(sorted, 100)).toBe(100);
    expect(percentile(sorted, 0)).toBe(1);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
    expect(percentile(new Float64Array([1, 2, 3, 4]), 99)).toBe(4);
  });

  it("is NaN for no values, which a report prints as a dash rather than a made-up 0", () => {
    expect(percentile([], 50)).toBeNaN();
    expect(formatMs(percentile([], 99))).toBe("—");
  });
});

describe("median", () => {
  it("is the middle value, or the mean of the two middle ones, whatever the input order", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
});

describe("report formatting", () => {
  it("prints a ratio of two figures, and a dash when one is missing", () => {
    expect(ratio(1, 4)).toBe("0.25×");
    expect(ratio(1, 0)).toBe("—");
    expect(ratio(Number.NaN, 2)).toBe("—");
  });

  it("pads a table's columns to their widest cell, under a header rule", () => {
    expect(
      table([
        ["a", "bb"],
        ["ccc", "d"],
      ]),
    ).toBe(["| a   | bb |", "|-----|----|", "| ccc | d  |"].join("\n"));
  });
});

describe("the machine a benchmark ran on", () => {
  it("reads a Redis INFO section as a map, and the server's version from it", async () => {
    const client = new Redis(inject("redisUrl"));
    try {
      const server = await redisInfo(client, "server");
      expect(server.redis_version).toMatch(/^7\./);
      const facts = await machineFacts(client);
      expect(facts).toMatchObject({ redisVersion: server.redis_version, node: process.version });
      expect(facts.cores).toBeGreaterThan(0);
    } finally {
      client.disconnect();
    }
  });
});
