import { type Bus, createBus } from "@retail/bus";
import { catalog, type RetailCatalog } from "@retail/contracts";
import { Redis, type RedisOptions } from "ioredis";
import { pino } from "pino";
import { CliError, ExitCode, usageError } from "./errors.js";
import { redactUrl } from "./format.js";

export const DEFAULT_REDIS_URL = "redis://localhost:6379";

/** How long to wait for the TCP connection (and TLS) to Redis. */
export const CONNECT_TIMEOUT_MS = 3_000;

/** How long one (non-blocking) command may take before the CLI gives up on Redis. */
export const COMMAND_TIMEOUT_MS = 15_000;

/** `--redis`, else `REDIS_URL`, else `redis://localhost:6379`; must be a redis(s):// URL. */
export function redisUrlFrom(
  option: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): string {
  const url = option ?? (env.REDIS_URL || undefined) ?? DEFAULT_REDIS_URL;
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    throw usageError(
      `not a Redis URL: "${redactUrl(url)}" (expected redis://[user:password@]host:port)`,
    );
  }
  if (protocol !== "redis:" && protocol !== "rediss:") {
    throw usageError(`not a Redis URL: "${redactUrl(url)}" (expected redis:// or rediss://)`);
  }
  return url;
}

/**
 * Client options for an operator tool: fail fast instead of waiting forever. A short
 * connect timeout, one retry per command, a few reconnect attempts after a drop and
 * then none, and no endless ready check.
 */
function clientOptions(): RedisOptions {
  return {
    lazyConnect: true,
    connectTimeout: CONNECT_TIMEOUT_MS,
    commandTimeout: COMMAND_TIMEOUT_MS,
    maxRetriesPerRequest: 1,
    enableReadyCheck: false,
    retryStrategy: (attempt) => (attempt <= 3 ? attempt * 200 : null),
    // After `disconnect()`, wait this long for the server to close the socket (a proxy
    // in between may never do it) before destroying it: the CLI exits promptly.
    disconnectTimeout: 200,
  };
}

/**
 * Connect to Redis and check it answers (and accepts the credentials). Rejects with
 * the underlying cause (ECONNREFUSED, NOAUTH, ...), which `describeRedisError` maps.
 */
export async function openRedis(url: string): Promise<Redis> {
  const client = new Redis(url, clientOptions());
  let cause: Error | undefined;
  client.on("error", (error: Error) => {
    cause ??= error;
  });
  try {
    await client.connect();
    await client.ping();
    return client;
  } catch (error) {
    client.disconnect();
    throw cause ?? error;
  }
}

/**
 * A second connection to the same server for blocking reads (`XREAD BLOCK` holds its
 * connection). Its command timeout leaves room for the block.
 */
export function blockingConnection(redis: Redis, blockMs: number): Redis {
  const client = redis.duplicate({
    commandTimeout: blockMs + COMMAND_TIMEOUT_MS,
    retryStrategy: () => null,
  });
  client.on("error", () => {
    // Surfaces through the pending command; nothing else to do here.
  });
  return client;
}

export interface RedisSession {
  url: string;
  redis: Redis;
  /** A bus named "cli": `bus.admin` reads streams and groups, replays and purges dead letters. */
  bus: Bus<RetailCatalog>;
}

/** Connect, run `work`, and close everything, also when `work` throws. */
export async function withRedis<T>(
  url: string,
  work: (session: RedisSession) => Promise<T>,
): Promise<T> {
  const redis = await openRedis(url);
  const bus = createBus({
    service: "cli",
    catalog,
    redis,
    logger: pino({ level: "silent" }),
  });
  try {
    return await work({ url, redis, bus });
  } finally {
    await bus.close().catch(() => {});
    redis.disconnect();
  }
}

function userOf(url: string | undefined): string {
  if (!url) return "default";
  try {
    return decodeURIComponent(new URL(url).username) || "default";
  } catch {
    return "default";
  }
}

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EPIPE",
]);

/**
 * A Redis failure as a message the operator can act on, with its exit code; undefined
 * when the error is not about reaching or being allowed into Redis.
 */
export function describeRedisError(error: unknown, url: string | undefined): CliError | undefined {
  if (!(error instanceof Error)) return undefined;
  const where = url ? redactUrl(url) : "Redis";
  const message = error.message;
  const code = (error as NodeJS.ErrnoException).code;
  if (message.startsWith("NOAUTH")) {
    return new CliError(
      ExitCode.redisAuth,
      `Redis at ${where} requires a password: give one in the URL (--redis or REDIS_URL), ` +
        "e.g. redis://default:<password>@localhost:6379",
      { cause: error },
    );
  }
  if (message.startsWith("WRONGPASS")) {
    return new CliError(
      ExitCode.redisAuth,
      `Redis at ${where} refused the credentials of user "${userOf(url)}" (WRONGPASS): check the user name and password in the URL`,
      { cause: error },
    );
  }
  if (message.startsWith("NOPERM")) {
    const command = /'([^']+)'/.exec(message)?.[1];
    return new CliError(
      ExitCode.redisPermission,
      `Redis user "${userOf(url)}" is not allowed to ${command ? `run ${command.replace("|", " ").toUpperCase()}` : "do this"} (NOPERM). ` +
        "The CLI reads every stream (XINFO, XRANGE, XREVRANGE, XREAD, XLEN); dlq replay and purge also write (XADD, XDEL, DEL, MULTI). " +
        "Connect as a user with those rights, e.g. the operator user (REDIS_OPERATOR_PASSWORD).",
      { cause: error },
    );
  }
  if (
    (code !== undefined && NETWORK_CODES.has(code)) ||
    message === "Connection is closed." ||
    message.startsWith("Reached the max retries per request limit") ||
    message === "Command timed out" ||
    message.includes("connect ETIMEDOUT") ||
    message.startsWith("Unknown RESP type")
  ) {
    const reason = message.startsWith("Unknown RESP type")
      ? "it does not speak the Redis protocol"
      : message === "Command timed out"
        ? `it did not answer within ${COMMAND_TIMEOUT_MS / 1_000} s`
        : message === "Connection is closed."
          ? "the connection was closed"
          : message.startsWith("Reached the max retries")
            ? "the connection was lost"
            : (code ?? message);
    return new CliError(
      ExitCode.redisUnreachable,
      `cannot reach Redis at ${where}: ${reason}. Is it running (docker compose up redis)? ` +
        "Point the CLI elsewhere with --redis <url> or REDIS_URL.",
      { cause: error },
    );
  }
  return undefined;
}
