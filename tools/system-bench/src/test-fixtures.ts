/** Results of a made-up run, for the tests of the report, the document and the chart. */
import type { HttpRow } from "./http.js";
import type { MemorySample } from "./memory.js";
import type { RunResults } from "./results.js";

const httpRow = (label: string, perSecond: number): HttpRow => ({
  label,
  perSecond,
  p50: 3,
  p99: 20,
  max: 40,
  requests: perSecond * 10,
  errors: 0,
  non2xx: 0,
  accepted: perSecond * 12,
});

const sample = (orders: number, mb: number, redisMb: number): MemorySample => ({
  orders,
  label: orders === 0 ? "start" : `${orders / 1_000} %`,
  rss: { inventory: mb * 2 ** 20, shipping: mb * 2 ** 20, "client-monitoring": mb * 2 ** 20 },
  redisUsedMemory: redisMb * 2 ** 20,
  streamEntries: orders * 6,
});

export function fakeResults(): RunResults {
  return {
    machine: {
      cpu: "Test CPU",
      cores: 2,
      memory: "8.0 GiB",
      node: "v24.0.0",
      redis: "7.0.15",
      route: "bridge",
      loadAtStart: "0.10 / 0.10 / 0.10",
    },
    loadAtEnd: "1.00 / 0.50 / 0.20",
    date: "2030-01-02 03:04 UTC",
    quick: false,
    seconds: 480,
    sizes: "made up",
    http: {
      bare: httpRow("bare Fastify hello world", 30_000),
      naive: httpRow("naive: zod + one MULTI", 7_000),
      orders: httpRow("inventory POST /orders", 6_000),
    },
    latency: [100, 500, 1_000].map((rate) => ({
      rate,
      scheduled: rate * 10,
      achievedRate: rate,
      failed: 0,
      lost: 0,
      p50: rate / 100,
      p99: rate / 50,
      max: rate / 25,
      httpP50: 2,
      httpP99: 9,
    })),
    memory: {
      samples: [sample(0, 100, 2), sample(20_000, 150, 100), sample(100_000, 152, 500)],
      placed: 100_000,
      failed: 0,
      sendSeconds: 90,
      settled: true,
      keys: [{ kind: "{inventory}:order:*", keys: 100_000, bytes: 100_000_000 }],
    },
  };
}
