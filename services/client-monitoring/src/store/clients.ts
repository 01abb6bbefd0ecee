import type { Bus } from "@retail/bus";
import { CLIENT_APPS, type RetailCatalog } from "@retail/contracts";
import type { Redis } from "ioredis";
import type { z } from "zod";
import { keys } from "./keys.js";
import { LuaScript } from "./lua.js";
import type { clientAppSchema } from "./schemas.js";

export type ClientApp = z.output<typeof clientAppSchema>;

export interface ClientRecord {
  clientId: string;
  app: ClientApp;
  version: string;
  status: "online" | "offline";
  lastSeen: string;
}

/**
 * Record a heartbeat; on the offline → online (or first) transition also append the
 * prepared client.online event. lastSeen never moves back (instances' clocks may differ
 * a little).
 * KEYS: client hash, all clients (zset), online clients (zset), client.online stream
 * ARGV: clientId, app, version, now (ms), now (ISO), XADD arguments…
 */
const HEARTBEAT = new LuaScript(`
local state = redis.call('HMGET', KEYS[1], 'status', 'lastSeenMs')
local newer = (not state[2]) or tonumber(state[2]) <= tonumber(ARGV[4])
redis.call('HSET', KEYS[1], 'clientId', ARGV[1], 'app', ARGV[2], 'version', ARGV[3])
if newer then
  redis.call('HSET', KEYS[1], 'lastSeen', ARGV[5], 'lastSeenMs', ARGV[4])
  redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1])
end
local seen = redis.call('HGET', KEYS[1], 'lastSeenMs')
if state[1] == 'online' then
  redis.call('ZADD', KEYS[3], seen, ARGV[1])
  return 0
end
redis.call('HSET', KEYS[1], 'status', 'online', 'onlineAt', ARGV[5])
redis.call('ZADD', KEYS[3], seen, ARGV[1])
redis.call('XADD', KEYS[4], unpack(ARGV, 6))
return 1
`);

/**
 * Flip one client offline, only if it is still online with the lastSeen the sweep read
 * (a compare-and-set: a heartbeat in between, or another instance's sweep, wins), and
 * append the prepared client.offline event. A stale index entry is dropped.
 * KEYS: client hash, online clients (zset), client.offline stream
 * ARGV: clientId, expected lastSeenMs, offlineAt (ISO), XADD arguments…
 */
const GO_OFFLINE = new LuaScript(`
local state = redis.call('HMGET', KEYS[1], 'status', 'lastSeenMs')
if state[1] ~= 'online' then
  redis.call('ZREM', KEYS[2], ARGV[1])
  return 0
end
if state[2] ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], 'status', 'offline', 'offlineAt', ARGV[3])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('XADD', KEYS[3], unpack(ARGV, 4))
return 1
`);

/**
 * Forget an offline client not seen since the expected lastSeenMs.
 * KEYS: client hash, all clients (zset), online clients (zset)   ARGV: clientId, expected lastSeenMs
 */
const FORGET = new LuaScript(`
local state = redis.call('HMGET', KEYS[1], 'status', 'lastSeenMs')
if state[1] == 'online' or (state[2] and state[2] ~= ARGV[2]) then return 0 end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
return 1
`);

const SWEEP_PAGE = 100;
const SWEEP_MAX_PAGES = 10;

/** The client apps: heartbeats, their online/offline status, and the sweep that notices silence. */
export class ClientRegistry {
  constructor(
    private readonly redis: Redis,
    private readonly bus: Bus<RetailCatalog>,
    private readonly options: { offlineAfterMs: number; forgetAfterMs: number },
  ) {}

  /** Record a heartbeat. Resolves to true when it brought the client online (event published). */
  async heartbeat(
    heartbeat: { clientId: string; app: ClientApp; version: string },
    correlationId: string,
    now = new Date(),
  ): Promise<boolean> {
    const { clientId, app, version } = heartbeat;
    const prepared = this.bus.prepare(
      "client.online",
      { clientId, app, version, onlineAt: now.toISOString() },
      { correlationId },
    );
    const cameOnline = await HEARTBEAT.run(
      this.redis,
      [keys.client(clientId), keys.clientsLastSeen, keys.clientsOnline, prepared.stream],
      [clientId, app, version, now.getTime(), now.toISOString(), ...prepared.args],
    );
    if (cameOnline === 1) prepared.markPublished();
    return cameOnline === 1;
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
    const pipeline = this.redis.pipeline();
    for (const id of ids)
      pipeline.hmget(keys.client(id), "clientId", "app", "version", "status", "lastSeen");
    const replies = (await pipeline.exec()) ?? [];
    const records: ClientRecord[] = [];
    for (const [error, fields] of replies) {
      if (error) throw error;
      const record = toRecord(fields as (string | null)[]);
      if (record) records.push(record);
    }
    return records;
  }

  /**
   * Flip every online client silent for `offlineAfterMs` to offline, one guarded step
   * each, publishing client.offline. Resolves to how many this call flipped (with
   * several instances sweeping, each transition happens in exactly one of them).
   */
  async sweep(now = new Date()): Promise<number> {
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
    if (!parsedApp || !version || !lastSeen || !lastSeenMs) {
      // No usable record: the script drops the index entry unless the client is online.
      await GO_OFFLINE.run(this.redis, [key, keys.clientsOnline], [clientId, "", ""]);
      return false;
    }
    const prepared = this.bus.prepare("client.offline", {
      clientId,
      app: parsedApp,
      version,
      lastSeenAt: lastSeen,
      offlineAt: now.toISOString(),
    });
    const flipped = await GO_OFFLINE.run(
      this.redis,
      [key, keys.clientsOnline, prepared.stream],
      [clientId, lastSeenMs, now.toISOString(), ...prepared.args],
    );
    if (flipped === 1) prepared.markPublished();
    return flipped === 1;
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
      await FORGET.run(
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
