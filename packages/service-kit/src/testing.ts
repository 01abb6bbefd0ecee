/**
 * Test helpers for services built on the kit (`@retail/service-kit/testing`): what a
 * property test of any route asserts, and the inputs it throws at it. Imported by
 * tests only; it needs vitest and fast-check.
 */
import {
  decodeEnvelope,
  type Envelope,
  keySlot,
  outboxKey,
  processedKey,
  type RedisClient,
  streamKey,
} from "@retail/bus";
import { catalog, partitionsOf, type RetailPayload, type RetailTopicName } from "@retail/contracts";
import fc from "fast-check";
import { expect, vi } from "vitest";
import { errorBodySchema } from "./errors.js";
import type { Registry } from "./metrics.js";

export {
  type AccessCase,
  expectAccessControl,
  expectReadmeRouteTable,
  guardedRoutes,
  overTheSocket,
  routeScopeTable,
} from "./auth/access-testing.js";
export {
  ALL_SCOPES,
  authorizeInjects,
  type TestIdentity,
  testIdentity,
} from "./auth/test-identity.js";

/** Whatever a client sends: never a 5xx, and every 4xx carries the one error body. */
export function expectClientSafe(response: { statusCode: number; json(): unknown }): void {
  expect(response.statusCode).toBeLessThan(500);
  if (response.statusCode >= 400) {
    const body = errorBodySchema.parse(response.json());
    expect(body.error.code).toMatch(/^[a-z]+(_[a-z0-9]+)*$/);
  }
}

/** Header values a real HTTP parser lets through: tab, space, visible ASCII and Latin-1. */
export const headerValue = fc.string({
  unit: fc.oneof(
    fc.constantFrom("\t", " "),
    fc.integer({ min: 0x21, max: 0x7e }).map((code) => String.fromCharCode(code)),
    fc.integer({ min: 0x80, max: 0xff }).map((code) => String.fromCharCode(code)),
  ),
  maxLength: 200,
});

/**
 * Every event of a topic in its streams, decoded, over all partitions (stream order
 * per partition) — read once the topic's publisher has relayed its outbox, so that
 * what a `commit` just wrote is there.
 */
export async function topicEvents<T extends RetailTopicName>(
  redis: RedisClient,
  topic: T,
): Promise<Envelope<RetailPayload<T>>[]> {
  const definition = catalog[topic];
  const outbox = outboxKey(definition.publisher);
  await vi.waitFor(async () => expect(await redis.xlen(outbox), `${outbox} relayed`).toBe(0), {
    timeout: 10_000,
    interval: 20,
  });
  const envelopes: Envelope<RetailPayload<T>>[] = [];
  for (let partition = 0; partition < partitionsOf(definition); partition += 1) {
    for (const [, fields] of await redis.xrange(streamKey(topic, partition), "-", "+")) {
      envelopes.push(decodeEnvelope(fields).envelope as Envelope<RetailPayload<T>>);
    }
  }
  return envelopes;
}

/** A service's key builders (`keys.ts`): names, or functions of ids. */
export type KeyBuilders = Record<string, string | ((...ids: never[]) => string)>;

/**
 * Every key `keys` builds — with plain ids and with ids that try to open a hash tag of
 * their own — hashes to one Redis Cluster slot together with the service's processed
 * marks and outbox: what a step of the service needs to run on a cluster.
 */
export function expectKeysInServiceSlot(service: string, keys: KeyBuilders): void {
  const built = [outboxKey(service), processedKey(service)];
  for (const id of ["o-1", "}{evil}", "{other}"]) {
    for (const key of Object.values(keys))
      built.push(
        typeof key === "function" ? (key as (...ids: string[]) => string)(id, id, id) : key,
      );
  }
  expect(built.length).toBeGreaterThan(Object.keys(keys).length);
  const slot = keySlot(outboxKey(service));
  for (const key of built) expect(keySlot(key), key).toBe(slot);
}

/** Statuses that refuse a request's input: such a request must write nothing. */
export const REFUSED_STATUSES: ReadonlySet<number> = new Set([
  400, 401, 403, 404, 405, 413, 414, 415, 422,
]);

/**
 * The serialized value (`DUMP`) of every key matching `pattern` (a service's state:
 * `{<service>}:*`), except the rate limiter's counters, which count refused requests
 * too. Compare two snapshots to see that a request wrote nothing. For tests on a small
 * keyspace: it reads every matching key.
 */
export async function keyspaceSnapshot(
  redis: RedisClient,
  pattern: string,
): Promise<Map<string, string>> {
  const snapshot = new Map<string, string>();
  for (const key of await redis.keys(pattern)) {
    if (key.includes(":rate-limit:")) continue;
    const value = await redis.dumpBuffer(key);
    if (value !== null) snapshot.set(key, value.toString("hex"));
  }
  return snapshot;
}

/**
 * How many events a service's bus has committed or published so far (its own metric),
 * of `topics` only when given: those a request publishes, not its background work.
 */
export async function eventsPublished(
  registry: Registry,
  topics?: readonly string[],
): Promise<number> {
  const metric = registry.getSingleMetric("bus_events_published_total");
  if (metric === undefined) return 0;
  const { values } = await metric.get();
  return values
    .filter(({ labels }) => topics === undefined || topics.includes(String(labels.topic)))
    .reduce((sum, { value }) => sum + value, 0);
}
