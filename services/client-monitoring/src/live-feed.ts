import type { BroadcastChannel, Bus, Envelope } from "@retail/bus";
import { catalog, maskPersonalData, type RetailCatalog } from "@retail/contracts";
import { type SseStream, sseFrame } from "@retail/service-kit";
import type { Logger } from "pino";
import { type EventView, eventViewSchema } from "./schemas.js";

/** What one SSE client of the live feed wants to see. Empty: everything. */
export interface FeedFilter {
  topics?: ReadonlySet<string> | undefined;
  /** Matches the correlation id or `payload.orderId`. */
  orderId?: string | undefined;
}

/** How one viewer is served. */
export interface ViewerOptions {
  filter: FeedFilter;
  /** Holds `pii:read`: gets names and addresses; everybody else gets them masked. */
  personalData: boolean;
}

interface Viewer extends ViewerOptions {
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

/**
 * The frames of one event for all the viewers of an instance: the full one and the one
 * with the topic's personal data masked, each serialized at most once, on first use, and
 * written as the same string to every viewer that gets it. A topic without personal data
 * has one frame for both. An event of a topic this instance does not know (a newer
 * publisher's) has no masked frame: without `pii:read` a viewer does not get it.
 */
export class EventFrames {
  private full: string | undefined;
  private masked: string | null | undefined;

  constructor(
    private readonly view: EventView,
    private readonly serialize: (view: EventView) => string,
  ) {}

  for(personalData: boolean): string | undefined {
    if (personalData) return this.fullFrame();
    if (this.masked === undefined) this.masked = this.maskedFrame();
    return this.masked ?? undefined;
  }

  private fullFrame(): string {
    this.full ??= this.serialize(this.view);
    return this.full;
  }

  private maskedFrame(): string | null {
    const topic = Object.hasOwn(catalog, this.view.type)
      ? catalog[this.view.type as keyof typeof catalog]
      : undefined;
    if (topic === undefined) return null;
    if ((topic.personalData ?? []).length === 0) return this.fullFrame();
    return this.serialize({ ...this.view, payload: maskPersonalData(topic, this.view.payload) });
  }
}

export function matches(filter: FeedFilter, view: EventView): boolean {
  if (filter.topics && filter.topics.size > 0 && !filter.topics.has(view.type)) return false;
  if (filter.orderId !== undefined)
    return (
      orderIdOf(view.payload) === filter.orderId ||
      // By correlation only what the services derive from the order (stock.low of a
      // placement), as its timeline does: a client app picks its own correlation ids,
      // and must not put its events into an order's feed.
      (!view.type.startsWith("client.") && view.correlationId === filter.orderId)
    );
  return true;
}

/**
 * The live event feed. Whichever instance handles an event broadcasts its view on the
 * Pub/Sub channel `broadcast:events`; every instance relays what it hears to its own
 * SSE viewers, each through its filter. An instance listens only while it has viewers.
 * Each event is serialized at most twice per instance (full, masked), whatever the
 * number of viewers: {@link EventFrames}.
 */
export class LiveFeed {
  private readonly channel: BroadcastChannel<EventView>;
  private readonly viewers = new Set<Viewer>();
  private subscription: Promise<() => Promise<void>> | undefined;
  private serialized = 0;

  constructor(
    bus: Bus<RetailCatalog>,
    private readonly logger: Logger,
  ) {
    this.channel = bus.pubsub.broadcast("events", eventViewSchema);
  }

  /** How many frames this instance has serialized: what "once for all viewers" is held by. */
  get serializations(): number {
    return this.serialized;
  }

  /** Send an event's view to every instance's viewers. Resolves to how many instances heard it. */
  publish(view: EventView): Promise<number> {
    return this.channel.publish(view);
  }

  /**
   * Relay the feed to a viewer until its connection closes. Resolves once this instance
   * listens to the channel; rejects (and detaches the viewer) when it cannot.
   */
  async attach(connection: SseStream, options: ViewerOptions): Promise<void> {
    const viewer: Viewer = { ...options, connection };
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
    const frames = new EventFrames(view, (shown) => {
      this.serialized += 1;
      return sseFrame(shown.type, shown.id, shown);
    });
    for (const viewer of this.viewers) {
      if (!matches(viewer.filter, view)) continue;
      const frame = frames.for(viewer.personalData);
      // The kit's rule holds: a viewer too far behind is disconnected, and detached on close.
      if (frame !== undefined) viewer.connection.sendFrame(frame);
    }
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
