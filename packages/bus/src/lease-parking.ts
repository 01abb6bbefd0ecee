import type { PartitionKeys } from "./keys.js";
import { type Fence, LeaseLostError } from "./lease.js";
import { LuaScript } from "./lua-script.js";
import { Parking, type TakenEntry } from "./parking.js";
import type { RawEntry } from "./reader.js";
import type { RedisClient } from "./redis.js";
import { decodeRecord } from "./retry-record.js";

/** take-due-5.lua behind the lease's fence. */
const TAKE_DUE = LuaScript.load(new URL("./lease-take-due-6.lua", import.meta.url));

/**
 * A tenure's parking (`ordering: "per-key"`): as `Parking`, except that parked entries are
 * taken back only while the tenure holds the partition's lease. Parking and dead-letter
 * moves need no fence: they act only on entries the tenure's own consumer holds, and the
 * next holder claims all of those before it reads anything.
 */
export class LeaseParking extends Parking {
  constructor(
    private readonly client: RedisClient,
    private readonly partition: PartitionKeys,
    private readonly groupName: string,
    private readonly consumerName: string,
    private readonly handlerName: string,
    private readonly fence: Fence,
  ) {
    super(client, partition, groupName, consumerName, handlerName);
  }

  override async takeDue(
    count: number,
  ): Promise<{ taken: TakenEntry[]; trimmed: string[]; nextDue: number | undefined }> {
    if (count <= 0) return { taken: [], trimmed: [], nextDue: undefined };
    const { stream, parked, retryRecords, deadLetters, trimmed } = this.partition;
    const now = Date.now();
    let reply: [[string, string[], number, string | null][], string[], string | null];
    try {
      reply = (await TAKE_DUE.run(
        this.client,
        [stream, parked, retryRecords, deadLetters, trimmed, this.fence.lease],
        [
          this.groupName,
          this.consumerName,
          now,
          count,
          this.handlerName,
          new Date(now).toISOString(),
          this.fence.token,
        ],
      )) as typeof reply;
    } catch (error) {
      if (!String((error as Error)?.message ?? "").startsWith("LEASELOST")) throw error;
      this.fence.lost();
      throw new LeaseLostError(this.fence.lease, { cause: error });
    }
    const [rows, gone, next] = reply;
    return {
      taken: rows.map(([id, fields, deliveries, record]) => ({
        entry: [id, fields] as RawEntry,
        deliveries: Number(deliveries),
        record: decodeRecord(record),
      })),
      trimmed: gone,
      nextDue: next === null ? undefined : Number(next),
    };
  }
}
