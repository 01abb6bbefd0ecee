import type { Logger } from "pino";
import type { z } from "zod";
import { toIssues } from "./envelope.js";
import { BusClosedError, PayloadValidationError } from "./errors.js";
import type { RateLimitedLog } from "./rate-limited-log.js";
import { type Connections, isCluster, type RedisClient } from "./redis.js";

type Listener = (message: unknown) => void;

/** A typed channel every subscriber receives (live dashboards across instances). */
export interface BroadcastChannel<Message> {
  /** Resolves to how many subscribers received it (0: nobody listening). */
  publish(message: Message): Promise<number>;
  /** Resolves once subscribed, to a function that unsubscribes. */
  subscribe(listener: (message: Message) => void): Promise<() => Promise<void>>;
}

/** Typed per-recipient channels (direct messages to one connected client app). */
export interface DirectChannel<Message> {
  /** Resolves to how many connections received it: 0 means the recipient is offline. */
  send(recipient: string, message: Message): Promise<number>;
  listen(recipient: string, listener: (message: Message) => void): Promise<() => Promise<void>>;
}

/**
 * Redis Pub/Sub for ephemeral, real-time traffic: fire-and-forget, no history, no
 * retries — a receiver that is not connected misses the message, and `PUBLISH`
 * says how many received it. Messages are validated against their schema when sent
 * (typed error) and when received (logged and dropped). One subscriber connection
 * per bus, opened on first use; ioredis subscribes again after a reconnect.
 *
 * On a Redis Cluster the channels are sharded (`SPUBLISH`/`SSUBSCRIBE`): a channel
 * lives on the master of its slot, where every subscriber of it listens, so the
 * count of receivers is the whole count. A plain `PUBLISH` there reaches subscribers on
 * every node but counts only those on the node it was sent to: a connected recipient
 * would look offline.
 */
export class PubSub {
  private subscriber: RedisClient | undefined;
  private readonly listeners = new Map<string, Set<Listener>>();
  private closed = false;
  private readonly sharded: boolean;

  constructor(
    private readonly connections: Connections,
    private readonly logger: Logger,
    private readonly errors: RateLimitedLog,
  ) {
    this.sharded = isCluster(connections.commands);
  }

  broadcast<Schema extends z.ZodType>(
    name: string,
    schema: Schema,
  ): BroadcastChannel<z.output<Schema>> {
    const channel = `broadcast:${name}`;
    return {
      publish: (message) => this.publish(channel, schema, message),
      subscribe: (listener) => this.subscribe(channel, schema, listener),
    };
  }

  direct<Schema extends z.ZodType>(name: string, schema: Schema): DirectChannel<z.output<Schema>> {
    const channel = (recipient: string) => `direct:${name}:${recipient}`;
    return {
      send: (recipient, message) => this.publish(channel(recipient), schema, message),
      listen: (recipient, listener) => this.subscribe(channel(recipient), schema, listener),
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.listeners.clear();
    if (this.subscriber) this.connections.release(this.subscriber);
    this.subscriber = undefined;
  }

  private async publish(channel: string, schema: z.ZodType, message: unknown): Promise<number> {
    if (this.closed) throw new BusClosedError("publish on a Pub/Sub channel");
    const parsed = schema.safeParse(message);
    if (!parsed.success) throw new PayloadValidationError(channel, toIssues(parsed.error));
    const text = JSON.stringify(parsed.data);
    const { commands } = this.connections;
    return Number(
      await (this.sharded ? commands.spublish(channel, text) : commands.publish(channel, text)),
    );
  }

  private async subscribe(
    channel: string,
    schema: z.ZodType,
    listener: (message: never) => void,
  ): Promise<() => Promise<void>> {
    if (this.closed) throw new BusClosedError("subscribe to a Pub/Sub channel");
    const subscriber = this.subscriberConnection();
    const validated: Listener = (raw) => {
      const parsed = schema.safeParse(raw);
      if (parsed.success) listener(parsed.data as never);
      else
        this.errors.warn(
          `pubsub ${channel}`,
          undefined,
          `dropped an invalid message on ${channel}`,
        );
    };
    let set = this.listeners.get(channel);
    if (!set) {
      set = new Set();
      this.listeners.set(channel, set);
      await (this.sharded ? subscriber.ssubscribe(channel) : subscriber.subscribe(channel));
    }
    set.add(validated);
    return async () => {
      const current = this.listeners.get(channel);
      current?.delete(validated);
      if (current?.size === 0 && this.subscriber) {
        this.listeners.delete(channel);
        await (this.sharded
          ? this.subscriber.sunsubscribe(channel)
          : this.subscriber.unsubscribe(channel));
      }
    };
  }

  private subscriberConnection(): RedisClient {
    if (this.subscriber) return this.subscriber;
    const subscriber = this.connections.dedicated("pubsub", { shardedSubscribers: this.sharded });
    subscriber.on(this.sharded ? "smessage" : "message", (channel: string, text: string) => {
      const listeners = this.listeners.get(channel);
      if (!listeners) return;
      let message: unknown;
      try {
        message = JSON.parse(text);
      } catch {
        this.errors.warn(
          `pubsub ${channel}`,
          undefined,
          `dropped a non-JSON message on ${channel}`,
        );
        return;
      }
      for (const listener of listeners) {
        try {
          listener(message);
        } catch (error) {
          this.logger.error({ err: error, channel }, "a Pub/Sub listener threw");
        }
      }
    });
    this.subscriber = subscriber;
    return subscriber;
  }
}
