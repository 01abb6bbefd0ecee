import { type Bus, type BusOptions, createBus, type Envelope } from "@retail/bus";
import { catalog, type RetailCatalog, type RetailTopicName } from "@retail/contracts";
import { errorBodySchema, type Scope } from "@retail/service-kit";
import {
  ALL_SCOPES,
  authorizeInjects,
  type TestIdentity,
  testIdentity,
  topicEvents,
} from "@retail/service-kit/testing";
import { openSse, type SseClient, useRedisServer } from "@retail/testing";
import { pino } from "pino";
import { afterEach, beforeEach, expect } from "vitest";
import { type ClientMonitoringService, clientMonitoringService } from "../src/service.js";

/** Quiet unless TEST_LOG_LEVEL says otherwise. */
export const testLogger = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });

/** Loops slow enough to stay out of the way unless a test asks for them. */
const QUIET_ENV = {
  PORT: "0",
  HOST: "127.0.0.1",
  LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
  SHUTDOWN_TIMEOUT_MS: "3000",
  CLIENT_OFFLINE_AFTER_MS: "600000",
  CLIENT_SWEEP_INTERVAL_MS: "60000",
  DEAD_LETTER_CHECK_INTERVAL_MS: "60000",
  MEMORY_CHECK_INTERVAL_MS: "60000",
};

/** `Bearer <token>` for `subject` with `scopes`, signed by the test identity provider. */
export async function bearer(subject: string, scopes: readonly Scope[]): Promise<string> {
  return (await identity()).provider.bearer(subject, scopes);
}

/**
 * An SSE stream over real HTTP (where `authorizeInjects` does not reach), as the
 * harness's staff caller unless `authorization` is given (`""`: none).
 */
export async function openStream(url: string, authorization?: string): Promise<SseClient> {
  const header = authorization ?? (await identity()).staff;
  return openSse(url, header === "" ? {} : { authorization: header });
}

export interface Instance extends ClientMonitoringService {
  /** Listen on a free port (once) and resolve to the base URL. */
  url(): Promise<string>;
}

/** The subject of the harness's default caller, which holds every scope. */
export const STAFF = "staff";

/**
 * The test process's identity provider, and the `authorization` of its staff caller:
 * `app.inject` sends it unless a test gives its own; requests over real HTTP (the SSE
 * streams) pass it themselves.
 */
export async function identity(): Promise<{ provider: TestIdentity; staff: string }> {
  const provider = await testIdentity();
  return { provider, staff: await provider.bearer(STAFF, ALL_SCOPES) };
}

/**
 * One Redis for the test file (flushed before each test), client-monitoring instances
 * built as main.ts builds them (`clientMonitoringService.create`, trusting the test
 * identity provider's keys), and buses standing in for the other services; all closed
 * after each test.
 */
export function useMonitoring() {
  const redis = useRedisServer({ persistence: "none" });
  const closers: (() => Promise<void>)[] = [];

  beforeEach(async () => {
    await redis().flushAll();
  });
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  return {
    redis,

    /** A client-monitoring instance; `start: false` builds it (HTTP, Pub/Sub) without consuming. */
    async instance(
      env: Record<string, string> = {},
      options: { start?: boolean } = {},
    ): Promise<Instance> {
      const { provider, staff } = await identity();
      const service = await clientMonitoringService.create({
        env: {
          ...QUIET_ENV,
          REDIS_URL: redis().url,
          AUTH_JWKS_FILE: provider.jwksFile,
          ...env,
        },
        bus: { subscribeDefaults: { retry: { initialDelayMs: 5, maxDelayMs: 20 } } },
      });
      closers.push(() => service.close());
      // Tests about heartbeats or timelines are not also about tokens.
      authorizeInjects(service.app, staff);
      if (options.start !== false) await service.start();
      let address: Promise<string> | undefined;
      return Object.assign(service, {
        url: () => {
          address ??= service.app.listen({ port: 0, host: "127.0.0.1" });
          return address;
        },
      });
    },

    /** A bus publishing as another service (inventory, shipping). */
    bus(service: string, options: Partial<BusOptions<RetailCatalog>> = {}): Bus<RetailCatalog> {
      const bus = createBus({
        service,
        catalog,
        redis: redis().url,
        logger: testLogger,
        shutdownTimeoutMs: 2_000,
        subscribeDefaults: { retry: { initialDelayMs: 5, maxDelayMs: 20 } },
        ...options,
      });
      closers.push(() => bus.close());
      return bus;
    },

    /** Every event of a topic's streams, decoded. */
    async events(topic: RetailTopicName): Promise<Envelope[]> {
      const client = redis().client();
      try {
        return await topicEvents(client, topic);
      } finally {
        client.disconnect();
      }
    },
  };
}

/** An error response: its status and the kit's error body with this code. */
export function expectError(
  response: { statusCode: number; json(): unknown },
  status: number,
  code: string,
): void {
  expect(response.statusCode).toBe(status);
  expect(errorBodySchema.parse(response.json()).error.code).toBe(code);
}
