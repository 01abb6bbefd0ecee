import { randomUUID } from "node:crypto";
import type { RedisClient, Step, StepEvent } from "@retail/bus";
import type { AlertRaised, RetailCatalog } from "@retail/contracts";
import { keys } from "../keys.js";
import { alertSchema } from "../schemas.js";

/** What is wrong; the book adds the id and the time. */
export type AlertInput = Omit<AlertRaised, "alertId" | "raisedAt">;

/**
 * An alert declared in a step, as `raise_alert` (raise-alert.lua, included by the
 * scripts that raise alerts) takes it: the event, the list (KEYS index), its entry.
 */
export interface AlertSpec {
  event: StepEvent;
  list: number;
  entry: string;
  kept: number;
}

/**
 * The alerts this service raises: each one is an alert.raised event and an entry in a
 * capped list (newest first) for GET /alerts, written in the same atomic step by the
 * script that raises it.
 */
export class AlertBook {
  constructor(
    private readonly redis: RedisClient,
    private readonly kept: number,
  ) {}

  /** Declare an alert in a step, for its script to raise with `raise_alert(spec.…)`. */
  raiseIn(step: Step<RetailCatalog>, input: AlertInput, now: Date): AlertSpec {
    const alert: AlertRaised = {
      alertId: randomUUID(),
      ...input,
      message: truncate(input.message, 500),
      raisedAt: now.toISOString(),
    };
    return {
      event: step.event("alert.raised", alert),
      list: step.key(keys.alerts),
      entry: JSON.stringify(alert),
      kept: this.kept,
    };
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
