import type { BroadcastChannel, Bus, Envelope } from "@retail/bus";
import type { RetailCatalog } from "@retail/contracts";
import type { SseStream } from "@retail/service-kit";
import type { Logger } from "pino";
import { type EventView, eventViewSchema } from "./schemas.js";

/** What one SSE client of the live feed wants to see. Empty: everything. */
export interface FeedFilter {
  topics?: ReadonlySet<string> | undefined;
  /** Matches the correlation id or `payload.orderId`. */
  orderId?: string | undefined;
}

interface Viewer {
  filter: FeedFilter;
  connection: SseStream;
}

/** The compact view of an event that the feed carries. */
export function toView(event: Envelope): EventView {
  return {
    id: event.id,
    type: event.type,
    source: event.source,
    occurredAt: event.occurredAt,
    correlationId: event.correlationId,
    ...(event.causationId === undefined ? {} : { causationId: event.causationId }),
    partitionKey: event.partitionKey,
    payload: event.payload,
  };
}

/** `payload.orderId` when the payload has a non-empty string one. */
export function orderIdOf(payload: unknown): string | undefined {
  if (typeof payload !== "object" || payload === null) return undefined;
  const value: unknown = Reflect.get(payload, "orderId");
  return typeof value === "string" && value !== "" ? value : undefined;
}

export function matches(filter: FeedFilter, view: EventView): boolean {
  if (filter.topics && filter.topics.size > 0 && !filter.topics.has(view.type)) return false;
  if (filter.orderId !== undefined)
    return view.correlationId === filter.orderId || orderIdOf(view.payload) === filter.orderId;
  return true;
}

/**
 * The live event feed. Whichever instance handles an event broadcasts its view on the
 * Pub/Sub channel `broadcast:events`; every instance relays what it hears to its own
 * SSE viewers, each through its filter. An instance listens only while it has viewers.
 */
export class LiveFeed {
  private readonly channel: BroadcastChannel<EventView>;
  private readonly viewers = new Set<Viewer>();
  private subscription: Promise<() => Promise<void>> | undefined;

  constructor(
    bus: Bus<RetailCatalog>,
    private readonly logger: Logger,
  ) {
    this.channel = bus.pubsub.broadcast("events", eventViewSchema);
  }

  /** Send an event's view to every instance's viewers. Resolves to how many instances heard it. */
  publish(view: EventView): Promise<number> {
    return this.channel.publish(view);
  }

  /**
   * Relay the feed to a viewer until its connection closes. Resolves once this instance
   * listens to the channel; rejects (and detaches the viewer) when it cannot.
   */
  async attach(connection: SseStream, filter: FeedFilter): Promise<void> {
    const viewer: Viewer = { filter, connection };
    this.viewers.add(viewer);
    connection.onClose(() => this.detach(viewer));
    this.subscription ??= this.channel.subscribe((view) => this.relay(view));
    const subscription = this.subscription;
    try {
      await subscription;
    } catch (error) {
      if (this.subscription === subscription) this.subscription = undefined;
      this.detach(viewer);
      throw error;
    }
  }

  get viewerCount(): number {
    return this.viewers.size;
  }

  private relay(view: EventView): void {
    for (const { filter, connection } of this.viewers)
      if (matches(filter, view)) connection.send(view.type, view.id, view);
  }

  private detach(viewer: Viewer): void {
    if (!this.viewers.delete(viewer) || this.viewers.size > 0) return;
    const subscription = this.subscription;
    this.subscription = undefined;
    subscription
      ?.then((unsubscribe) => unsubscribe())
      .catch((error) => this.logger.warn({ err: error }, "leaving the live feed channel failed"));
  }
}
