import { defineCatalog, defineTopic } from "@retail/contracts";
import { z } from "zod";
import { config } from "./config.js";

const benchEvent = z.object({
  orderId: z.string().min(1),
  seq: z.number().int().nonnegative(),
  /** When the publisher sent it: microseconds of the monotonic clock (shared by every process of the machine). */
  sentAtUs: z.number().nonnegative(),
  note: z.string(),
});

export type BenchPayload = z.infer<typeof benchEvent>;

/**
 * "bench" publishes; `groups` consume (the bus refuses a group its catalog does not
 * list). The drain benchmark starts a fresh group per run, so it asks for a catalog
 * naming that run's group.
 */
export function benchCatalogFor(...groups: string[]) {
  return defineCatalog(
    defineTopic({
      name: "bench.event",
      version: 1,
      description: "a ~200-byte event, trimmed as a real topic is",
      schema: benchEvent,
      publisher: "bench",
      consumers: groups,
      partitionKey: "orderId",
      retention: { maxLength: config.retention },
    }),
    defineTopic({
      name: "bench.drain",
      version: 1,
      description: "the same event, kept whole so a pre-filled backlog can be drained",
      schema: benchEvent,
      publisher: "bench",
      consumers: groups,
      partitionKey: "orderId",
      retention: { maxLength: 100_000_000 },
    }),
  );
}

/** The catalog of the benchmarks whose groups are fixed. */
export const benchCatalog = benchCatalogFor("bench-worker", "latency", "memory");

export type BenchCatalog = typeof benchCatalog;

/** The monotonic clock in microseconds: comparable between processes of one machine. */
export function nowUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

const NOTE = "n".repeat(128);

/** A payload of about 200 bytes of JSON (see PAYLOAD_BYTES). */
export function benchPayload(seq: number, sentAtUs = nowUs()): BenchPayload {
  return { orderId: `order-${String(seq % 100_000).padStart(6, "0")}`, seq, sentAtUs, note: NOTE };
}

/** Bytes of the payload's JSON for a typical event. */
export const PAYLOAD_BYTES = Buffer.byteLength(JSON.stringify(benchPayload(123_456)));
