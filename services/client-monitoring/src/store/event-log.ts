import type { AtomicBatch, Bus, Envelope, HandlerContext } from "@retail/bus";
import {
  type ClientOffline,
  type RetailCatalog,
  type StockLow,
  topicNames,
} from "@retail/contracts";
import type { AlertBook, AlertInput } from "./alerts.js";
import { keys } from "./keys.js";
import { type LiveFeed, orderIdOf, toView } from "./live-feed.js";
import { RATE_WINDOW_SECONDS } from "./stats.js";
import type { TimelineEntry } from "./timeline.js";

export interface RecorderOptions {
  timelineTtlMs: number;
  timelineMaxEvents: number;
}

/**
 * The group "client-monitoring" handles every topic of the catalog with one handler:
 * record the event in its order's timeline, count it for the topic's rate, raise the
 * alerts some events call for (all in one atomic step with the processed mark), then
 * broadcast its view to the live feed of every instance.
 */
export class EventRecorder {
  constructor(
    private readonly feed: LiveFeed,
    private readonly alerts: AlertBook,
    private readonly options: RecorderOptions,
  ) {}

  /** One subscription per topic, all in the service's group. */
  subscribeAll(bus: Bus<RetailCatalog>): void {
    for (const topic of topicNames)
      bus.subscribe(topic, (event, context) => this.handle(event, context));
  }

  async handle(event: Envelope, context: HandlerContext<RetailCatalog>): Promise<void> {
    const now = new Date();
    const view = toView(event);
    const applied = await context.atomically((batch) => {
      this.recordTimeline(batch, event, now);
      countRate(batch, event, now);
      const alert = alertFor(event);
      if (alert) this.alerts.raiseIn(batch, alert, now);
    });
    if (!applied) {
      context.logger.debug("event already recorded");
      return;
    }
    try {
      await this.feed.publish(view);
    } catch (error) {
      context.logger.warn({ err: error }, "could not broadcast the event to the live feed");
    }
  }

  private recordTimeline(batch: AtomicBatch<RetailCatalog>, event: Envelope, now: Date): void {
    const entry: TimelineEntry = {
      id: event.id,
      type: event.type,
      source: event.source,
      occurredAt: event.occurredAt,
      receivedAt: now.toISOString(),
      causationId: event.causationId ?? null,
    };
    const member = JSON.stringify(entry);
    const score = Date.parse(event.occurredAt);
    for (const key of timelineKeysOf(event)) {
      batch.call("ZADD", key, score, member);
      batch.call("ZREMRANGEBYRANK", key, 0, -(this.options.timelineMaxEvents + 1));
      batch.call("PEXPIRE", key, this.options.timelineTtlMs);
    }
  }
}

/**
 * The timelines an event belongs to: its correlation id (an order's saga uses the order
 * id) and its `payload.orderId`. Events about client apps (`client.*`) belong to no
 * order and come in volume (telemetry), so they are not filed by correlation id.
 */
export function timelineKeysOf(event: Envelope): string[] {
  const ids = new Set<string>();
  const orderId = orderIdOf(event.payload);
  if (orderId) ids.add(orderId);
  if (!event.type.startsWith("client.")) ids.add(event.correlationId);
  return [...ids].map((id) => keys.timeline(id));
}

/** Count the event in the per-second bucket of when it occurred, if within the rate window. */
function countRate(batch: AtomicBatch<RetailCatalog>, event: Envelope, now: Date): void {
  const nowSecond = Math.floor(now.getTime() / 1000);
  const occurred = Date.parse(event.occurredAt);
  const second = Number.isNaN(occurred)
    ? nowSecond
    : Math.min(nowSecond, Math.floor(occurred / 1000));
  if (second <= nowSecond - RATE_WINDOW_SECONDS) return;
  const key = keys.rate(event.type, second);
  batch.call("INCR", key);
  batch.call("EXPIRE", key, RATE_WINDOW_SECONDS * 2);
}

/** The alert an event calls for, if any. */
export function alertFor(event: Envelope): AlertInput | undefined {
  if (event.type === "stock.low") {
    const { sku, available, threshold } = event.payload as StockLow;
    return {
      kind: "stock_low",
      severity: available === 0 ? "critical" : "warning",
      subject: sku,
      message: `Stock of ${sku} is low: ${available} available (threshold ${threshold})`,
    };
  }
  if (event.type === "client.offline") {
    const { clientId, app, version, lastSeenAt } = event.payload as ClientOffline;
    return {
      kind: "client_offline",
      severity: "warning",
      subject: clientId,
      message: `${app} client ${clientId} (version ${version}) went offline; last heartbeat at ${lastSeenAt}`,
    };
  }
  return undefined;
}
