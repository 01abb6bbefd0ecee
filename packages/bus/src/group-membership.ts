import { setTimeout as delay } from "node:timers/promises";
import { LuaScript } from "./lua-script.js";
import type { RateLimitedLog } from "./rate-limited-log.js";
import { ensureGroup } from "./reader.js";
import type { RedisClient } from "./redis.js";

/**
 * Removes the consumer only if it holds no pending entries, in one step: with the
 * check and the delete apart, a read of the consumer's that lands in between would
 * hand it entries that the delete then drops with its pending list, never to be
 * delivered again.
 */
const LEAVE_IF_IDLE = LuaScript.load(new URL("./leave-group-if-idle-1.lua", import.meta.url));

/**
 * Remove a consumer from its group when it holds no pending entries, so that groups
 * do not fill up with the names of processes long gone. Resolves to true when removed.
 */
export async function leaveGroupIfIdle(
  redis: RedisClient,
  stream: string,
  group: string,
  consumer: string,
): Promise<boolean> {
  return (await LEAVE_IF_IDLE.run(redis, [stream], [group, consumer])) === 1;
}

/**
 * The group vanished (Redis restarted without persistence): create it again, from the
 * start of the stream. When Redis refuses that too, wait a second (or until `signal`
 * aborts) before the caller reads again.
 */
export async function recoverGroup(
  redis: RedisClient,
  stream: string,
  group: string,
  errors: RateLimitedLog,
  signal: AbortSignal,
): Promise<void> {
  try {
    if (await ensureGroup(redis, stream, group, "0")) {
      errors.warn(
        `group ${stream}`,
        undefined,
        `consumer group ${group} on ${stream} was missing; recreated`,
      );
    }
  } catch (error) {
    errors.error(
      `group ${stream}`,
      error,
      `recreating consumer group ${group} on ${stream} failed`,
    );
    await delay(1_000, undefined, { signal, ref: false }).catch(() => {});
  }
}
