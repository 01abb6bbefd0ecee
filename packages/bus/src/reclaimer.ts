import { GIVE_UP_TRIMMED } from "./dead-letter.js";
import type { PartitionKeys } from "./keys.js";
import { PARKED_CONSUMER, type TakenEntry } from "./parking.js";
import { type RedisClient, Script } from "./redis.js";
import { decodeRecord } from "./retry-record.js";

export interface ReclaimedBatch {
  /** Entries taken over, each with its deliveries (this one included) and retry record. */
  entries: TakenEntry[];
  /**
   * Pending entries that trimming deleted from the stream before anyone handled them.
   * Those with a retry record were dead-lettered from it; the others are gone.
   */
  trimmed: { entryId: string; deadLettered: boolean }[];
}

/**
 * Takes over entries that consumers of the group left pending longer than the idle
 * threshold (a crashed, hung or frozen process), up to a count, walking each
 * consumer's own pending list — never the parked entries, which wait for their due
 * time on purpose. Each claim counts a delivery. An entry trimmed from the stream is
 * acknowledged (it cannot be delivered again) and dead-lettered if the group kept its
 * fields in a retry record. The consumers entries were taken from are noted in the
 * takeovers hash, so that their acks check ownership entry by entry until they have
 * checked their claims again.
 *
 * KEYS: [stream, retry records, dead letters, trimmed, takeovers]
 * ARGV: [group, consumer, parked consumer, min idle ms, count, handler, now (ISO)]
 * Returns [[id, fields, deliveries, record or false]…, [id, dead-lettered 0/1]…].
 */
const RECLAIM = new Script(`${GIVE_UP_TRIMMED}
local claimed, trimmed = {}, {}
local wanted = tonumber(ARGV[5])
for _, row in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])) do
  if #claimed >= wanted then break end
  local name
  for index = 1, #row, 2 do if row[index] == 'name' then name = row[index + 1] end end
  if name and name ~= ARGV[3] then
    local idle = redis.call('XPENDING', KEYS[1], ARGV[1], 'IDLE', ARGV[4], '-', '+', wanted - #claimed, name)
    for _, pending in ipairs(idle) do
      local id = pending[1]
      local record = redis.call('HGET', KEYS[2], id)
      if #redis.call('XRANGE', KEYS[1], id, id) == 0 then
        give_up_trimmed(KEYS[1], KEYS[3], KEYS[2], KEYS[4], ARGV[1], ARGV[6], id, record, ARGV[7])
        trimmed[#trimmed + 1] = { id, record and 1 or 0 }
      else
        local entry = redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, id)
        claimed[#claimed + 1] = { id, entry[1][2], pending[4] + 1, record }
        redis.call('HSET', KEYS[5], name, 1)
      end
    end
  end
end
return { claimed, trimmed }
`);

/**
 * Takes over entries that other consumers of the group (or this one, in an earlier
 * life) left pending longer than the idle threshold.
 */
export class Reclaimer {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: PartitionKeys,
    private readonly group: string,
    private readonly consumer: string,
    private readonly minIdleMs: number,
    /** The handler's name, for dead letters written here. */
    private readonly handler: string,
  ) {}

  /** Claim up to `count` entries idle past the threshold. */
  async claim(count: number): Promise<ReclaimedBatch> {
    if (count <= 0) return { entries: [], trimmed: [] };
    const { stream, retryRecords, deadLetters, trimmed, takeovers } = this.keys;
    const [rows, gone] = (await RECLAIM.run(
      this.redis,
      [stream, retryRecords, deadLetters, trimmed, takeovers],
      [
        this.group,
        this.consumer,
        PARKED_CONSUMER,
        this.minIdleMs,
        count,
        this.handler,
        new Date().toISOString(),
      ],
    )) as [[string, string[], number, string | null][], [string, number][]];
    return {
      entries: rows.map(([id, fields, deliveries, record]) => ({
        entry: [id, fields],
        deliveries: Number(deliveries),
        record: decodeRecord(record),
      })),
      trimmed: gone.map(([entryId, deadLettered]) => ({
        entryId,
        deadLettered: Number(deadLettered) === 1,
      })),
    };
  }
}
