import type { Catalog, PayloadInputOf, TopicDefinition, TopicName } from "@retail/contracts";
import { toIssues } from "./envelope.js";
import { PayloadValidationError, StepError } from "./errors.js";
import type { ReplicaWait } from "./lua-script.js";
import type { CausingEvent, PreparedEvent, Publisher, PublishOptions } from "./publisher.js";
import type { RedisClient } from "./redis.js";
import type { ServiceScript } from "./service-script.js";

/**
 * A payload field whose value only the script knows (it reads it in Redis): declared
 * by the call site, checked by the script's `emit` before anything is appended.
 *
 * - `"count"`: an integer ≥ 0 (a stock level);
 * - `{ oneOf }`: one of these values (a reason the script picks);
 * - `{ rows }`: a non-empty subset of the prepared array's rows, with these fields of
 *   each row set to counts (the lines an order is short of, with what is available).
 *
 * The prepared payload is validated as usual, and so is each value a fill may give:
 * every `oneOf` value, and counts and rows at their extremes (0 and a billion). Filled
 * values are re-encoded by Lua's cjson, which keeps 14 significant digits: counts are
 * exact far beyond any stock level, and rows must be flat.
 */
export type Fill = "count" | { oneOf: readonly (string | number)[] } | { rows: readonly string[] };

/** Options of one event of a step: those of a publish, and the fields the script may fill. */
export interface StepEventOptions extends PublishOptions {
  fill?: Record<string, Fill>;
}

/** The answer of a step run for a handled event that this group had already processed. */
export interface Duplicate {
  outcome: "duplicate";
}

/** The handled event of a step: what marks it processed, and what its events continue. */
export interface StepCause extends CausingEvent {
  /** The group's processed-marks key and the event's id. */
  readonly handled: { key: string; id: string };
  /** Throws when the attempt is over (timed out): its writes are refused. */
  assertLive(): void;
}

function isFlatRow(row: unknown): boolean {
  return (
    typeof row === "object" &&
    row !== null &&
    !Array.isArray(row) &&
    Object.values(row).every((value) => ["string", "number", "boolean"].includes(typeof value))
  );
}

/** A large count, to check that a topic's schema accepts any count a script may fill in. */
const LARGE_COUNT = 1_000_000_000;

/**
 * An event a step may append: its envelope (for the call site) and, as JSON, what the
 * script's `emit` needs (topic, partition stream and trim for the relay, the envelope's
 * fields, fills).
 */
export class StepEvent {
  constructor(
    private readonly prepared: PreparedEvent,
    private readonly index: number,
    private readonly fills: Record<string, unknown> | undefined,
    private readonly placeholders: Record<string, unknown> | undefined,
  ) {}

  /** The envelope as prepared (filled fields hold their prepared values). */
  get envelope() {
    return this.prepared.envelope;
  }

  toJSON() {
    // A prepared event's arguments are its trim, `*`, then the envelope's fields.
    const star = this.prepared.args.indexOf("*");
    const fields = this.prepared.args.slice(star + 1);
    if (this.fills) {
      const payload = { ...(this.prepared.envelope.payload as Record<string, unknown>) };
      for (const field of Object.keys(this.fills)) delete payload[field];
      fields[fields.length - 1] = JSON.stringify(payload);
    }
    return {
      t: this.prepared.envelope.type,
      s: this.prepared.stream,
      r: this.prepared.args.slice(0, star).join(" "),
      i: this.index,
      a: fields,
      ...(this.fills ? { f: this.fills, p: this.placeholders } : {}),
    };
  }
}

/**
 * What a call site builds for one `bus.commit`: the keys its script touches (declared,
 * so that they are in KEYS as Redis Cluster requires) and the events it may append
 * (to the service's outbox, which the relay empties into the topics).
 */
export class Step<C extends Catalog> {
  readonly keys: string[] = [];
  readonly events: PreparedEvent[] = [];
  private readonly indexes = new Map<string, number>();

  constructor(
    private readonly publisher: Publisher<C>,
    private readonly cause?: CausingEvent,
  ) {}

  /** Declare a key; returns its index in KEYS (what the script reads as `KEYS[i]`). */
  key(name: string): number {
    let index = this.indexes.get(name);
    if (index === undefined) {
      this.keys.push(name);
      index = this.keys.length;
      this.indexes.set(name, index);
    }
    return index;
  }

  /**
   * An event the script may `emit`: validated now (typed error, nothing written). Inside
   * a handler it continues the handled event (correlation, causation, trace, and an id
   * derived from it, so that a redelivery appends the same ids).
   */
  event<T extends TopicName<C>>(
    topic: T,
    payload: PayloadInputOf<C, T>,
    options: StepEventOptions = {},
  ): StepEvent {
    const { fill, ...publishOptions } = options;
    const prepared = this.publisher.prepare(topic, payload, publishOptions, this.cause);
    let fills: Record<string, unknown> | undefined;
    let placeholders: Record<string, unknown> | undefined;
    if (fill && Object.keys(fill).length > 0) {
      const definition = this.publisher.topic(topic);
      const data = prepared.envelope.payload as Record<string, unknown>;
      fills = describeFills(definition, data, fill);
      placeholders = Object.fromEntries(Object.keys(fill).map((field) => [field, data[field]]));
    }
    this.events.push(prepared);
    const index = this.events.length - 1;
    return new StepEvent(prepared, index, fills, placeholders);
  }
}

/** Check every value each fill may give against the topic's schema; returns what the script checks. */
function describeFills(
  definition: TopicDefinition,
  payload: Record<string, unknown>,
  fill: Record<string, Fill>,
): Record<string, unknown> {
  const topic = definition.name;
  const described: Record<string, unknown> = {};
  // Counts are tried at both ends: a schema refusing 0 or a large count is refused here.
  const extreme: Record<string, unknown> = { ...payload };
  const zero: Record<string, unknown> = { ...payload };
  const alternatives: Record<string, unknown>[] = [];
  for (const [field, kind] of Object.entries(fill)) {
    if (!(field in payload))
      throw new StepError(`${topic}: fill of "${field}", not in the payload`);
    if (field === definition.partitionKey) {
      throw new StepError(`${topic}: "${field}" is the partition key; a script may not fill it`);
    }
    if (kind === "count") {
      described[field] = "count";
      extreme[field] = LARGE_COUNT;
      zero[field] = 0;
    } else if ("oneOf" in kind) {
      if (kind.oneOf.length === 0)
        throw new StepError(`${topic}: "${field}" has no values to fill`);
      described[field] = { oneOf: kind.oneOf };
      for (const value of kind.oneOf) alternatives.push({ ...payload, [field]: value });
    } else {
      const rows = payload[field];
      if (!Array.isArray(rows) || rows.length === 0) {
        throw new StepError(`${topic}: fill of "${field}" needs a non-empty array of rows`);
      }
      // The script re-encodes the rows it fills (cjson): only flat rows survive that intact.
      if (rows.some((row) => !isFlatRow(row))) {
        throw new StepError(
          `${topic}: rows of "${field}" must be objects of strings, numbers and booleans`,
        );
      }
      described[field] = { rows, counts: kind.rows };
      const [first] = rows as Record<string, unknown>[];
      const countsAt = (value: number) =>
        Object.fromEntries(kind.rows.map((count) => [count, value]));
      extreme[field] = [{ ...first, ...countsAt(LARGE_COUNT) }];
      zero[field] = [{ ...first, ...countsAt(0) }];
    }
  }
  for (const candidate of [extreme, zero, ...alternatives]) {
    const parsed = definition.schema.safeParse(candidate);
    if (!parsed.success) throw new PayloadValidationError(topic, toIssues(parsed.error));
  }
  return described;
}

/** Where a step's events go: the service's outbox, and how durable its write must be. */
export interface StepTarget {
  /** Runs the script: the bus's commands connection, or with `replicas` one of its own. */
  redis: RedisClient;
  /** The service's outbox (`outbox:{<service>}`). */
  outbox: string;
  /** Opt-in: resolve only once this many replicas have the step (`WAIT`). */
  replicas?: ReplicaWait;
  /** Told after a step that emitted events, e.g. to start the relay. */
  emitted(): void;
}

/**
 * Run a service script with the step `build` makes: in one atomic step, the script's
 * writes, the events it emits (into the outbox) and, for a handled event, its processed
 * mark. Counts the emitted events as published and ends their spans; bounded like a
 * publish when the step carries events.
 */
export async function commitStep<C extends Catalog, Result>(
  target: StepTarget,
  publisher: Publisher<C>,
  script: ServiceScript<Result>,
  build: (step: Step<C>) => unknown,
  cause?: StepCause,
): Promise<Result | Duplicate> {
  cause?.assertLive();
  const step = new Step(publisher, cause);
  const spec = build(step);
  const frame: { o?: number; h?: { k: number; id: string; s: number } } = {};
  if (step.events.length > 0) frame.o = step.key(target.outbox);
  if (cause) frame.h = { k: step.key(cause.handled.key), id: cause.handled.id, s: Date.now() };
  const write = script.lua.run(
    target.redis,
    step.keys,
    [JSON.stringify(spec ?? null), JSON.stringify(frame)],
    target.replicas,
  );
  const [first] = step.events;
  let reply: [string, number[]];
  try {
    reply = (await (first ? publisher.bounded(first.envelope, write) : write)) as [
      string,
      number[],
    ];
  } catch (error) {
    for (const event of step.events) event.failed(error);
    throw error;
  }
  const [answer, emitted] = reply;
  for (const index of emitted) step.events[index]?.markPublished();
  if (emitted.length > 0) target.emitted();
  return JSON.parse(answer) as Result | Duplicate;
}
