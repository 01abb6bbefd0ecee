import type { Catalog, PayloadInputOf, TopicName } from "@retail/contracts";
import type { Envelope } from "./envelope.js";
import type { CausingEvent, OwnPreparedEvent, Publisher, PublishOptions } from "./publisher.js";
import { type RedisClient, Script } from "./redis.js";

/**
 * Runs recorded commands in one Lua script: all of them or, when a once-key is given
 * and the id is already in it, none. Redis runs a script without interleaving other
 * clients' commands. It does not roll back a command that fails mid-script, which is
 * why payloads are validated and commands recorded before anything is sent.
 *
 * KEYS: [once-set or any key, …keys touched]   ARGV: [once-id or "", now, n, (argc, …argv)×n]
 */
const RUN_BATCH = new Script(`
if ARGV[1] ~= '' then
  if redis.call('ZADD', KEYS[1], 'NX', ARGV[2], ARGV[1]) == 0 then return 0 end
end
local position = 4
for _ = 1, tonumber(ARGV[3]) do
  local count = tonumber(ARGV[position])
  redis.call(unpack(ARGV, position + 1, position + count))
  position = position + count + 1
end
return 1
`);

/**
 * Writes that commit together with the events they announce: no state change without
 * its event, no event without its state change. Record commands with `call` (the key
 * first, so the script declares it) and events with `publish`; nothing is sent until
 * the batch runs. On Redis Cluster every key must hash to one slot (use hash tags).
 */
export class AtomicBatch<C extends Catalog> {
  private readonly commands: (string | number)[][] = [];
  private readonly keys = new Set<string>();
  private readonly events: OwnPreparedEvent[] = [];

  constructor(
    private readonly publisher: Publisher<C>,
    private readonly cause?: CausingEvent,
  ) {}

  /** Record a command whose first argument is its key, e.g. `call("HSET", key, field, value)`. */
  call(command: string, key: string, ...args: (string | number)[]): this {
    this.commands.push([command, key, ...args]);
    this.keys.add(key);
    return this;
  }

  /** Record an event to append; validated now (typed error, nothing recorded). Returns its envelope. */
  publish<T extends TopicName<C>>(
    topic: T,
    payload: PayloadInputOf<C, T>,
    options: PublishOptions = {},
  ): Envelope {
    const prepared = this.publisher.prepare(topic, payload, options, this.cause);
    this.commands.push(["XADD", prepared.stream, ...prepared.args]);
    this.keys.add(prepared.stream);
    this.events.push(prepared);
    return prepared.envelope;
  }

  /** The envelopes recorded so far. */
  get published(): readonly Envelope[] {
    return this.events.map((event) => event.envelope);
  }

  /**
   * Run the batch. With `once`, only if `once.id` is not yet in the sorted set
   * `once.key` (which it is then added to, in the same step). Resolves to false when
   * it was, and nothing ran.
   */
  async run(redis: RedisClient, once?: { key: string; id: string }): Promise<boolean> {
    if (this.commands.length === 0 && !once) return true;
    const args: (string | number)[] = [once?.id ?? "", Date.now(), this.commands.length];
    for (const command of this.commands) args.push(command.length, ...command);
    const keys = once ? [once.key, ...this.keys] : [...this.keys];
    const write = RUN_BATCH.run(redis, keys, args);
    const [first] = this.events;
    let applied: boolean;
    try {
      // Bounded like a publish when it carries events: the caller learns "in doubt" in time.
      applied = (await (first ? this.publisher.bounded(first.envelope, write) : write)) === 1;
    } catch (error) {
      for (const event of this.events) event.failed(error);
      throw error;
    }
    // Not applied (already done once): the events were not appended; their spans stay unended.
    if (applied) for (const event of this.events) event.markPublished();
    return applied;
  }
}
