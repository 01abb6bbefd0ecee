import { randomBytes } from "node:crypto";
import { LuaScript, type ReplicaWait } from "./lua-script.js";
import type { BusMetrics } from "./metrics.js";
import type { RateLimitedLog } from "./rate-limited-log.js";
import { beforeDeadline, type Connections, type RedisClient } from "./redis.js";

const LEASE = LuaScript.load(new URL("./outbox-lease-1.lua", import.meta.url));
const RELAYED = LuaScript.load(new URL("./outbox-relayed-2.lua", import.meta.url));
const RELEASE = LuaScript.load(new URL("./outbox-release-1.lua", import.meta.url));
const APPEND = LuaScript.load(new URL("./relay-append-1.lua", import.meta.url));

/** Options of the relay; every one has a default. */
export interface RelayOptions {
  /**
   * How long the relay lease lasts without renewal: how long a service's events wait
   * when the instance relaying them dies (a clean shutdown hands over within a second:
   * instances standing by ask for the lease that often, and at once when they commit).
   * Default 5 000.
   */
  leaseMs?: number;
  /** Most outbox entries relayed in one round. Default 256. */
  batchSize?: number;
  /** Opt-in: an append counts as done once this many replicas have it (`WAIT`). */
  replicas?: ReplicaWait;
}

/** The outbox fields before the envelope's: `stream <key> trim <trim>`. */
const ROUTING_FIELDS = 4;

const MAX_BACKOFF_MS = 2_000;

/** How often an instance standing by asks for the lease (at most; half the lease if shorter). */
const STANDBY_POLL_MS = 1_000;

/**
 * How long a closing relay may take to hand its lease back even when the shutdown
 * deadline has passed: otherwise the next holder waits a whole lease for nothing.
 */
const RELEASE_MARGIN_MS = 1_000;

/** How long past its block time a read may take before its reply counts as lost. */
const READ_MARGIN_MS = 5_000;

type OutboxReply = [string, [string, string[]][]][];

/**
 * Moves a service's outbox into the topics' partition streams. Every instance of the
 * service runs one; the one holding the relay lease relays, the others wait to take
 * over. Entries are appended in outbox order, per partition stream all or none, and
 * deleted from the outbox only after, and only while the lease is still held: at least
 * once, keeping each event's id, so a repeat after a crash or a lost lease is dropped
 * by the consumers' processed marks.
 */
export class OutboxRelay {
  private readonly token: string;
  private readonly leaseMs: number;
  private readonly batchSize: number;
  private running: Promise<void> | undefined;
  private stopping = false;
  /** Another instance holds the lease; this one asks again after a pause. */
  private standingBy = false;
  private reader: RedisClient | undefined;
  private wake: (() => void) | undefined;
  /** Ends the read in flight with nothing read: its connection dropped, or it overran. */
  private cancelRead: (() => void) | undefined;
  /** The id after which the next read starts; `0-0` after taking the lease (read all). */
  private cursor = "0-0";
  /** When this relay last renewed its lease (epoch ms). */
  private renewedAt = 0;

  constructor(
    private readonly connections: Connections,
    private readonly outbox: string,
    private readonly lease: string,
    consumerName: string,
    private readonly metrics: BusMetrics,
    private readonly errors: RateLimitedLog,
    private readonly options: RelayOptions = {},
  ) {
    this.token = `${consumerName}:${randomBytes(4).toString("hex")}`;
    this.leaseMs = options.leaseMs ?? 5_000;
    this.batchSize = options.batchSize ?? 256;
  }

  /** Start relaying (or standing by to). Idempotent. */
  start(): void {
    if (this.running || this.stopping) return;
    this.reader = this.connections.dedicated(`${this.token}:relay`);
    // A read in flight when the connection drops never settles (the connection does not
    // send a command twice): end it, and read the outbox from its start again.
    this.reader.on("close", () => this.cancelRead?.());
    this.running = this.loop();
  }

  /**
   * A step of this instance committed events: start relaying, or, when standing by, ask
   * for the lease now (the holder may have closed).
   */
  committed(): void {
    if (!this.running) this.start();
    else if (this.standingBy) this.wake?.();
  }

  /** Stop, hand the lease over, and wait for the round in flight until `deadline`. */
  async stop(deadline: number): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    if (!this.running) return;
    this.wake?.();
    // A blocked read returns within a third of the lease; dropping it is quicker.
    if (this.reader) this.connections.release(this.reader);
    await beforeDeadline(this.running, deadline).catch(() => {});
    await beforeDeadline(
      RELEASE.run(this.connections.commands, [this.lease], [this.token]),
      Math.max(deadline, Date.now() + RELEASE_MARGIN_MS),
    ).catch(() => {});
  }

  private async loop(): Promise<void> {
    let failures = 0;
    let holding = false;
    while (!this.stopping) {
      try {
        // A round that deleted what it relayed renewed the lease; ask again only when
        // a third of it has passed since (idle rounds block that long).
        if (!holding || Date.now() - this.renewedAt > this.leaseMs / 3) {
          const lease = await LEASE.run(
            this.connections.commands,
            [this.lease],
            [this.token, this.leaseMs],
          );
          if (lease === "taken" || !holding) this.cursor = "0-0";
          holding = lease !== null;
          if (holding) this.renewedAt = Date.now();
        }
        this.standingBy = !holding;
        if (holding) holding = await this.relayRound();
        else await this.pause(Math.min(this.leaseMs / 2, STANDBY_POLL_MS));
        failures = 0;
      } catch (error) {
        this.standingBy = false;
        if (this.stopping) break;
        this.errors.warn("relay", error, "outbox relay failed; trying again");
        this.cursor = "0-0";
        await this.pause(Math.min(MAX_BACKOFF_MS, 50 * 2 ** failures));
        failures += 1;
      }
    }
  }

  /** One read of the outbox and its appends. False when the lease turned out lost. */
  private async relayRound(): Promise<boolean> {
    const reader = this.reader as RedisClient;
    const blockMs = Math.max(1, Math.floor(this.leaseMs / 3));
    const reply = await new Promise<OutboxReply | null | undefined>((resolve, reject) => {
      // A blocked read answers within its block time: past it (and a margin), its reply
      // is lost, as when the connection dropped under it.
      const overrun = setTimeout(() => resolve(undefined), blockMs + READ_MARGIN_MS);
      overrun.unref();
      this.cancelRead = () => resolve(undefined);
      (
        reader.xread(
          "COUNT",
          this.batchSize,
          "BLOCK",
          blockMs,
          "STREAMS",
          this.outbox,
          this.cursor,
        ) as Promise<OutboxReply | null>
      )
        .then(resolve, reject)
        .finally(() => clearTimeout(overrun));
    }).finally(() => {
      this.cancelRead = undefined;
    });
    if (reply === undefined) {
      this.cursor = "0-0";
      return true;
    }
    const entries = reply?.[0]?.[1] ?? [];
    if (entries.length === 0) return true;
    const byStream = new Map<string, { ids: string[]; args: string[]; topics: string[] }>();
    for (const [id, fields] of entries) {
      const stream = fields[1] as string;
      let batch = byStream.get(stream);
      if (!batch) {
        batch = { ids: [], args: [], topics: [] };
        byStream.set(stream, batch);
      }
      const envelope = fields.slice(ROUTING_FIELDS);
      batch.ids.push(id);
      batch.args.push(fields[3] as string, String(envelope.length), ...envelope);
      batch.topics.push(typeOf(envelope));
    }
    // Partitions are independent: append to each at once; each stream's batch is one
    // script, so its entries keep their order and land all or none.
    const appended = await Promise.allSettled(
      [...byStream].map(async ([stream, batch]) => {
        await APPEND.run(this.connections.commands, [stream], batch.args, this.options.replicas);
        return batch;
      }),
    );
    const done = appended.flatMap((result) =>
      result.status === "fulfilled" ? [result.value] : [],
    );
    const held = await RELAYED.run(
      this.connections.commands,
      [this.outbox, this.lease],
      [this.token, this.leaseMs, ...done.flatMap((batch) => batch.ids)],
    );
    if (held === 1) this.renewedAt = Date.now();
    for (const batch of done) {
      for (const topic of batch.topics) this.metrics.relayed.inc({ topic });
    }
    const failed = appended.find((result) => result.status === "rejected");
    // Entries of a stream that failed are still in the outbox: read from the start again.
    if (failed) throw failed.reason;
    this.cursor = (entries[entries.length - 1] as [string, string[]])[0];
    return held === 1;
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      timer.unref();
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

/** The `type` field of an envelope's fields (`name, value, …`), for the relayed count. */
function typeOf(fields: string[]): string {
  for (let index = 0; index < fields.length; index += 2) {
    if (fields[index] === "type") return fields[index + 1] as string;
  }
  return "unknown";
}
