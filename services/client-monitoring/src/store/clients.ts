import { type Bus, defineScript, LuaScript, type RedisClient } from "@retail/bus";
import { CLIENT_APPS, type RetailCatalog } from "@retail/contracts";
import type { z } from "zod";
import { keys } from "../keys.js";
import type { clientAppSchema } from "../schemas.js";

export type ClientApp = z.output<typeof clientAppSchema>;

export interface ClientRecord {
  clientId: string;
  app: ClientApp;
  version: string;
  status: "online" | "offline";
  lastSeen: string;
}

const RECORD_HEARTBEAT = defineScript<{ cameOnline: boolean }>(
  new URL("./record-heartbeat.lua", import.meta.url),
);
const GO_OFFLINE = defineScript<{ flipped: boolean }>(new URL("./go-offline.lua", import.meta.url));
const FORGET_CLIENT = LuaScript.load(new URL("./forget-client-3.lua", import.meta.url));

const SWEEP_PAGE = 100;
const SWEEP_MAX_PAGES = 10;

export interface ClientRegistryOptions {
  redis: RedisClient;
  bus: Bus<RetailCatalog>;
  now: () => number;
  offlineAfterMs: number;
  forgetAfterMs: number;
}

/** The client apps: heartbeats, their online/offline status, and the sweep that notices silence. */
export class ClientRegistry {
  private readonly redis: RedisClient;
  private readonly bus: Bus<RetailCatalog>;

  constructor(private readonly options: ClientRegistryOptions) {
    this.redis = options.redis;
    this.bus = options.bus;
  }

  /** Record a heartbeat. Resolves to true when it brought the client online (event published). */
  async heartbeat(
    heartbeat: { clientId: string; app: ClientApp; version: string },
    correlationId: string,
    now = new Date(this.options.now()),
  ): Promise<boolean> {
    const { clientId, app, version } = heartbeat;
    const { cameOnline } = await this.bus.commit(RECORD_HEARTBEAT, (step) => ({
      client: step.key(keys.client(clientId)),
      lastSeen: step.key(keys.clientsLastSeen),
      online: step.key(keys.clientsOnline),
      clientId,
      app,
      version,
      seenMs: String(now.getTime()),
      seenAt: now.toISOString(),
      cameOnline: step.event(
        "client.online",
        { clientId, app, version, onlineAt: now.toISOString() },
        { correlationId },
      ),
    }));
    return cameOnline;
  }

  async get(clientId: string): Promise<ClientRecord | undefined> {
    const fields = await this.redis.hmget(
      keys.client(clientId),
      "clientId",
      "app",
      "version",
      "status",
      "lastSeen",
    );
    return toRecord(fields);
  }

  /** Known clients, most recently seen first. */
  async list(limit: number): Promise<ClientRecord[]> {
    const ids = await this.redis.zrevrange(keys.clientsLastSeen, 0, limit - 1);
    if (ids.length === 0) return [];
    // Separate commands, not a pipeline: the client auto-pipelines them into one write
    // (per slot on a Cluster, where a pipeline must keep to one slot).
    const replies = await Promise.all(
      ids.map((id) =>
        this.redis.hmget(keys.client(id), "clientId", "app", "version", "status", "lastSeen"),
      ),
    );
    return replies.flatMap((fields) => toRecord(fields) ?? []);
  }

  /**
   * Flip every online client silent for `offlineAfterMs` to offline, one guarded step
   * each, publishing client.offline. Resolves to how many this call flipped (with
   * several instances sweeping, each transition happens in exactly one of them).
   */
  async sweep(now = new Date(this.options.now())): Promise<number> {
    let flipped = 0;
    const cutoff = now.getTime() - this.options.offlineAfterMs;
    for (let page = 0; page < SWEEP_MAX_PAGES; page += 1) {
      const ids = await this.redis.zrangebyscore(
        keys.clientsOnline,
        "-inf",
        cutoff,
        "LIMIT",
        0,
        SWEEP_PAGE,
      );
      for (const id of ids) if (await this.goOffline(id, cutoff, now)) flipped += 1;
      if (ids.length < SWEEP_PAGE) break;
    }
    await this.forgetOld(now);
    return flipped;
  }

  private async goOffline(clientId: string, cutoff: number, now: Date): Promise<boolean> {
    const key = keys.client(clientId);
    const [app, version, lastSeen, lastSeenMs] = await this.redis.hmget(
      key,
      "app",
      "version",
      "lastSeen",
      "lastSeenMs",
    );
    // A heartbeat came in since the scan: its score moved too, nothing to do.
    if (lastSeenMs && Number(lastSeenMs) > cutoff) return false;
    const parsedApp = toApp(app);
    const record =
      parsedApp && version && lastSeen && lastSeenMs
        ? { app: parsedApp, version, lastSeen, lastSeenMs }
        : undefined;
    const { flipped } = await this.bus.commit(GO_OFFLINE, (step) => ({
      client: step.key(key),
      online: step.key(keys.clientsOnline),
      clientId,
      // No usable record: the script only drops the index entry, unless the client is online.
      ...(record && {
        lastSeenMs: record.lastSeenMs,
        offlineAt: now.toISOString(),
        wentOffline: step.event("client.offline", {
          clientId,
          app: record.app,
          version: record.version,
          lastSeenAt: record.lastSeen,
          offlineAt: now.toISOString(),
        }),
      }),
    }));
    return flipped;
  }

  private async forgetOld(now: Date): Promise<void> {
    const cutoff = now.getTime() - this.options.forgetAfterMs;
    const ids = await this.redis.zrangebyscore(
      keys.clientsLastSeen,
      "-inf",
      cutoff,
      "LIMIT",
      0,
      SWEEP_PAGE,
    );
    for (const id of ids) {
      const lastSeenMs = await this.redis.hget(keys.client(id), "lastSeenMs");
      if (lastSeenMs !== null && Number(lastSeenMs) > cutoff) continue;
      await FORGET_CLIENT.run(
        this.redis,
        [keys.client(id), keys.clientsLastSeen, keys.clientsOnline],
        [id, lastSeenMs ?? ""],
      );
    }
  }
}

function toApp(value: string | null | undefined): ClientApp | undefined {
  return value && (CLIENT_APPS as readonly string[]).includes(value)
    ? (value as ClientApp)
    : undefined;
}

function toRecord(fields: readonly (string | null)[]): ClientRecord | undefined {
  const [clientId, app, version, status, lastSeen] = fields;
  const parsedApp = toApp(app);
  if (!clientId || !parsedApp || !version || !lastSeen) return undefined;
  return {
    clientId,
    app: parsedApp,
    version,
    status: status === "online" ? "online" : "offline",
    lastSeen,
  };
}
