import { type RedisClient, Script } from "./redis.js";

/**
 * Resets the idle time of entries this consumer still owns (`XCLAIM … JUSTID` does
 * not count a delivery), so no other consumer reclaims an entry whose handler is slow
 * but alive. Checking ownership first, in the same script, keeps a consumer that was
 * frozen past the idle threshold from stealing back an entry already reclaimed. An
 * entry trimmed from the stream is left as it is: claiming it would drop it from the
 * pending list while its handler still runs.
 *
 * KEYS: [stream]   ARGV: [group, consumer, …entry ids]
 * Returns the ids no longer owned.
 */
const REFRESH_CLAIMS = new Script(`
local lost = {}
for index = 3, #ARGV do
  local pending = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[index], ARGV[index], 1)
  if pending[1] and pending[1][2] == ARGV[2] then
    if #redis.call('XRANGE', KEYS[1], ARGV[index], ARGV[index]) > 0 then
      redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[index], 'JUSTID')
    end
  else
    lost[#lost + 1] = ARGV[index]
  end
end
return lost
`);

/** Refresh this consumer's claims on `entryIds`; resolves to the ids it no longer owns. */
export async function refreshClaims(
  redis: RedisClient,
  stream: string,
  group: string,
  consumer: string,
  entryIds: readonly string[],
): Promise<string[]> {
  if (entryIds.length === 0) return [];
  return (await REFRESH_CLAIMS.run(redis, [stream], [group, consumer, ...entryIds])) as string[];
}
