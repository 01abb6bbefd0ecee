import type { EntryOutcomes } from "./entry-outcomes.js";
import type { HandlerSlots } from "./handler-slots.js";
import type { CheckedEntry } from "./held-entry.js";
import type { KeyLanes } from "./lanes.js";
import { LuaScript } from "./lua-script.js";
import type { PartitionScope } from "./partition-scope.js";
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

export interface HeartbeatSettings extends PartitionScope {
  slots: HandlerSlots;
  lanes: KeyLanes<CheckedEntry>;
  outcomes: EntryOutcomes;
}

/**
 * Every `claimIdleMs / 3`: refreshes the claims of everything the consumer holds, and
 * marks what it lost to another consumer — a lost entry that has not started is let go
 * at once; one that runs is not acknowledged when it finishes.
 */
export class Heartbeat {
  constructor(private readonly settings: HeartbeatSettings) {}

  async beat(): Promise<void> {
    const { keys, options, consumer, commands, logger, errors, slots, lanes, outcomes } =
      this.settings;
    // Also with nothing held: a clean check takes this consumer off the takeovers hash.
    // The entries as they are now: a reply may come late (a command ioredis sent again
    // after a reconnect), when an id names an entry taken back since, no longer this one.
    const checked = slots.snapshot();
    try {
      const lostIds = await refreshClaims(commands, keys, options.group, consumer, [
        ...checked.keys(),
      ]);
      for (const entryId of lostIds) {
        const entry = slots.get(entryId);
        if (!entry || entry !== checked.get(entryId)) continue;
        entry.lost = true;
        logger.warn(
          { stream: keys.stream, entryId },
          "another consumer reclaimed an entry this one still held",
        );
        if (entry.envelope !== undefined && lanes.remove(entry.envelope.partitionKey, entry))
          outcomes.release(entry);
      }
    } catch (error) {
      errors.warn(`heartbeat ${keys.stream}`, error, "refreshing claims failed");
    }
  }
}
