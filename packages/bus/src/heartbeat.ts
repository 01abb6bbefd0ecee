import { type RedisClient, Script } from "./redis.js";

/**
 * Resets the idle time of entries this consumer still owns (`XCLAIM … JUSTID` does
 * not count a delivery), so no other consumer reclaims an entry whose handler is slow
 * but alive. Checking ownership first, in the same script, keeps a consumer that was
 * frozen past the idle threshold from stealing back an entry already reclaimed.
 *
 * With a retry count, the entry's delivery counter is set to it: a retry in the same
 * process counts as a delivery, so `maxDeliveries` holds across processes.
 *
 * KEYS: [stream]   ARGV: [group, consumer, retry count or "", …entry ids]
 * Returns the ids no longer owned.
 */
const REFRESH_CLAIMS = new Script(`
local lost = {}
for index = 4, #ARGV do
  local pending = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[index], ARGV[index], 1)
  if pending[1] and pending[1][2] == ARGV[2] then
    if ARGV[3] == '' then
      redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[index], 'JUSTID')
    else
      redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[index], 'RETRYCOUNT', ARGV[3], 'JUSTID')
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
  retryCount?: number,
): Promise<string[]> {
  if (entryIds.length === 0) return [];
  const args = [group, consumer, retryCount === undefined ? "" : String(retryCount), ...entryIds];
  return (await REFRESH_CLAIMS.run(redis, [stream], args)) as string[];
}
