import { LuaScript } from "./lua-script.js";
import type { RedisClient } from "./redis.js";

/**
 * Resets the idle time of entries this consumer still owns (`XCLAIM … JUSTID` does
 * not count a delivery), so no other consumer reclaims an entry whose handler is slow
 * but alive. Checking ownership first, in the same script, keeps a consumer that was
 * frozen past the idle threshold from stealing back an entry already reclaimed. An
 * entry trimmed from the stream is left as it is: claiming it would drop it from the
 * pending list while its handler still runs.
 *
 * Having checked every entry it holds and lost none, the consumer is taken off the
 * takeovers hash: its later acks need no check one by one until another consumer takes
 * one over. (With entries lost it stays on, until it has let go of them: its acks of
 * entries in flight keep being checked.)
 */
const REFRESH_CLAIMS = LuaScript.load(new URL("./refresh-claims-2.lua", import.meta.url));

/**
 * Refresh this consumer's claims on `entryIds` (every entry it holds); resolves to the
 * ids it no longer owns, which it must not acknowledge.
 */
export async function refreshClaims(
  redis: RedisClient,
  keys: { stream: string; takeovers: string },
  group: string,
  consumer: string,
  entryIds: readonly string[],
): Promise<string[]> {
  return (await REFRESH_CLAIMS.run(
    redis,
    [keys.stream, keys.takeovers],
    [group, consumer, ...entryIds],
  )) as string[];
}
