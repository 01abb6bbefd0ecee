import { LuaScript } from "./lua-script.js";
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
