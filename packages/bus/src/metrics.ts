import { Counter, Gauge, Histogram, type Metric, type Registry } from "prom-client";

/** Lag and pending of one consumer group on one topic, as the metrics report them. */
export interface GroupLoad {
  topic: string;
  group: string;
  pending: number;
  lag: number;
}

/**
 * The bus's Prometheus metrics, registered on the registry you pass (the service's),
 * or on a private one. Lag and pending are read from Redis (`XINFO GROUPS`) when
 * Prometheus scrapes, not polled in the background.
 */
export class BusMetrics {
  readonly published: Counter<"topic">;
  readonly handled: Counter<"topic" | "group">;
  readonly failed: Counter<"topic" | "group">;
  readonly retried: Counter<"topic" | "group">;
  readonly deadLettered: Counter<"topic" | "group" | "reason">;
  readonly duplicates: Counter<"topic" | "group">;
  readonly handlerDuration: Histogram<"topic" | "group">;

  constructor(
    readonly registry: Registry,
    readGroupLoad: () => Promise<GroupLoad[]>,
  ) {
    const registers = [registry];
    this.published =
      existing(registry, "bus_events_published_total") ??
      new Counter({
        name: "bus_events_published_total",
        help: "Events appended to a topic by this process.",
        labelNames: ["topic"],
        registers,
      });
    this.handled =
      existing(registry, "bus_events_handled_total") ??
      new Counter({
        name: "bus_events_handled_total",
        help: "Events whose handler succeeded and that were acknowledged.",
        labelNames: ["topic", "group"],
        registers,
      });
    this.failed =
      existing(registry, "bus_handler_failures_total") ??
      new Counter({
        name: "bus_handler_failures_total",
        help: "Handler attempts that threw.",
        labelNames: ["topic", "group"],
        registers,
      });
    this.retried =
      existing(registry, "bus_events_retried_total") ??
      new Counter({
        name: "bus_events_retried_total",
        help: "Handler attempts scheduled again after a failure.",
        labelNames: ["topic", "group"],
        registers,
      });
    this.deadLettered =
      existing(registry, "bus_events_dead_lettered_total") ??
      new Counter({
        name: "bus_events_dead_lettered_total",
        help: "Events moved to a dead-letter stream, by reason.",
        labelNames: ["topic", "group", "reason"],
        registers,
      });
    this.duplicates =
      existing(registry, "bus_events_duplicate_total") ??
      new Counter({
        name: "bus_events_duplicate_total",
        help: "Deliveries skipped because the group had already processed the event id.",
        labelNames: ["topic", "group"],
        registers,
      });
    this.handlerDuration =
      existing(registry, "bus_handler_duration_seconds") ??
      new Histogram({
        name: "bus_handler_duration_seconds",
        help: "How long handlers ran, per attempt.",
        labelNames: ["topic", "group"],
        buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
        registers,
      });
    let loadScrape: Promise<GroupLoad[]> | undefined;
    // Both gauges are filled from one XINFO round per scrape.
    const load = () => {
      loadScrape ??= readGroupLoad().finally(() => {
        setImmediate(() => {
          loadScrape = undefined;
        });
      });
      return loadScrape;
    };
    // Several buses on one registry (tests, or two buses in one process) share the
    // counters; the gauges report the groups of the first bus only.
    if (existing(registry, "bus_group_pending")) return;
    new Gauge({
      name: "bus_group_pending",
      help: "Entries delivered to a consumer group and not yet acknowledged.",
      labelNames: ["topic", "group"],
      registers,
      async collect() {
        this.reset();
        for (const row of await load())
          this.set({ topic: row.topic, group: row.group }, row.pending);
      },
    });
    new Gauge({
      name: "bus_group_lag",
      help: "Entries in a topic not yet delivered to a consumer group.",
      labelNames: ["topic", "group"],
      registers,
      async collect() {
        this.reset();
        for (const row of await load()) this.set({ topic: row.topic, group: row.group }, row.lag);
      },
    });
  }
}

function existing<T extends Metric>(registry: Registry, name: string): T | undefined {
  return registry.getSingleMetric(name) as T | undefined;
}
