import {
  type Bus,
  type Duplicate,
  defineScript,
  type Envelope,
  type HandlerContext,
  type Step,
} from "@retail/bus";
import type { ClientOffline, RetailCatalog, StockLow } from "@retail/contracts";
import { keys } from "../keys.js";
import type { AlertBook, AlertInput } from "./alerts.js";
import { RATE_WINDOW_SECONDS } from "./stats.js";
import { timelineEntryOf, timelineKeysOf } from "./timelines.js";

/** What recording a handled event did (a duplicate did nothing). */
export interface Recorded {
  outcome: "recorded";
  /** The kind of the alert it raised, if any. */
  alert?: AlertInput["kind"];
}

const RECORD_EVENT = defineScript<{ outcome: "recorded" }>(
  new URL("./record-event.lua", import.meta.url),
);

export interface EventLogOptions {
  bus: Bus<RetailCatalog>;
  alerts: AlertBook;
  now: () => number;
  timelineTtlMs: number;
  timelineMaxEvents: number;
}

/**
 * What client-monitoring keeps of every event it handles: its order's timelines, its
 * topic's rate, and the alert it calls for.
 */
export class EventLog {
  constructor(private readonly options: EventLogOptions) {}

  /**
   * Record a handled event in one step with its processed mark: file it in its
   * timelines, count it for its topic's rate, raise the alert it calls for (its
   * alert.raised continues the event's flow). A duplicate records nothing.
   */
  async record(
    event: Envelope,
    cause: HandlerContext<RetailCatalog>,
  ): Promise<Recorded | Duplicate> {
    const { bus, alerts, timelineMaxEvents, timelineTtlMs } = this.options;
    const now = new Date(this.options.now());
    const alert = alertFor(event);
    const reply = await bus.commit(
      RECORD_EVENT,
      (step) => ({
        timelines: timelineKeysOf(event).map((key) => step.key(key)),
        entry: JSON.stringify(timelineEntryOf(event, now)),
        score: String(Date.parse(event.occurredAt)),
        maxEvents: timelineMaxEvents,
        ttlMs: timelineTtlMs,
        rate: rateBucket(step, event, now),
        alert: alert && alerts.raiseIn(step, alert, now),
      }),
      { cause },
    );
    if (reply.outcome === "duplicate") return reply;
    return alert ? { outcome: "recorded", alert: alert.kind } : { outcome: "recorded" };
  }
}

/**
 * The per-second bucket of when the event occurred (`INCR` it, expiring after twice the
 * rate window), or nothing when that second is out of the window already.
 */
function rateBucket(
  step: Step<RetailCatalog>,
  event: Envelope,
  now: Date,
): { key: number; ttlSeconds: number } | undefined {
  const nowSecond = Math.floor(now.getTime() / 1000);
  const occurred = Date.parse(event.occurredAt);
  const second = Number.isNaN(occurred)
    ? nowSecond
    : Math.min(nowSecond, Math.floor(occurred / 1000));
  if (second <= nowSecond - RATE_WINDOW_SECONDS) return undefined;
  return { key: step.key(keys.rate(event.type, second)), ttlSeconds: RATE_WINDOW_SECONDS * 2 };
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
