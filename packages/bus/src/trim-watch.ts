import { LuaScript } from "./lua-script.js";
import type { RedisClient } from "./redis.js";

/**
 * Counts the entries of a stream that were trimmed before the group read them, and
 * records the count so that each loss is reported once, whichever consumer sees it.
 *
 * Redis 7 keeps counting a group's reads (`entries-read`) as it skips over trimmed
 * entries, so its `lag` (entries added − entries read) stays larger than what is
 * left to read by exactly the number of entries the group never saw. What is left
 * to read is known cheaply when the group is caught up (nothing), when it has not
 * reached the first entry (everything), or else by counting the entries after its
 * position; past 10 000 of those the check waits for a cheaper moment.
 */
const COUNT_TRIMMED_UNREAD = LuaScript.load(
  new URL("./count-trimmed-unread-2.lua", import.meta.url),
);

/**
 * Entries trimmed (by `MAXLEN` or `MINID`) before this group read them: counted once
 * per group however many consumers look, so that a metric and a warning can say so.
 */
export async function countTrimmedUnread(
  redis: RedisClient,
  keys: { stream: string; trimmed: string },
  group: string,
): Promise<number> {
  const newlyLost = await COUNT_TRIMMED_UNREAD.run(redis, [keys.stream, keys.trimmed], [group]);
  return typeof newlyLost === "number" ? newlyLost : 0;
}
