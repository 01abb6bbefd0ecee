import { randomUUID } from "node:crypto";
import type { AtomicBatch, Bus, PreparedEvent } from "@retail/bus";
import type { AlertRaised, RetailCatalog } from "@retail/contracts";
import type { Redis } from "ioredis";
import { keys } from "./keys.js";
import { alertSchema } from "./schemas.js";

/** What is wrong; the book adds the id and the time. */
export type AlertInput = Omit<AlertRaised, "alertId" | "raisedAt">;

/**
 * The alerts this service raises: each one is an alert.raised event and an entry in a
 * capped list (newest first) for GET /alerts, written in the same atomic step.
 */
export class AlertBook {
  constructor(
    private readonly redis: Redis,
    private readonly bus: Bus<RetailCatalog>,
    private readonly kept: number,
  ) {}

  /** Add an alert to a handler's atomic batch (event + list entry). */
  raiseIn(batch: AtomicBatch<RetailCatalog>, input: AlertInput, now = new Date()): AlertRaised {
    const alert = this.build(input, now);
    batch.publish("alert.raised", alert);
    this.recordIn(batch, alert);
    return alert;
  }

  /**
   * An alert prepared for a Lua script: the event to append and the list entry
   * (`LPUSH` it, then `LTRIM 0 kept-1`).
   */
  prepare(input: AlertInput, now = new Date()): { event: PreparedEvent; entry: string } {
    const alert = this.build(input, now);
    return { event: this.bus.prepare("alert.raised", alert), entry: JSON.stringify(alert) };
  }

  get keptCount(): number {
    return this.kept;
  }

  /** The most recent alerts, newest first. */
  async recent(limit: number): Promise<AlertRaised[]> {
    const entries = await this.redis.lrange(keys.alerts, 0, limit - 1);
    return entries.flatMap((entry) => {
      const parsed = alertSchema.safeParse(safeJson(entry));
      return parsed.success ? [parsed.data] : [];
    });
  }

  private recordIn(batch: AtomicBatch<RetailCatalog>, alert: AlertRaised): void {
    batch.call("LPUSH", keys.alerts, JSON.stringify(alert));
    batch.call("LTRIM", keys.alerts, 0, this.kept - 1);
  }

  private build(input: AlertInput, now: Date): AlertRaised {
    return {
      alertId: randomUUID(),
      ...input,
      message: truncate(input.message, 500),
      raisedAt: now.toISOString(),
    };
  }
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
