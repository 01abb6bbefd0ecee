import { Counter, Gauge, Histogram, type Metric, type Registry } from "prom-client";

/** Lag and pending of one consumer group on one topic, as the metrics report them. */
export interface GroupLoad {
  topic: string;
  group: string;
  pending: number;
  lag: number;
  /** Entries waiting to be retried (part of `pending`). */
  parked: number;
  deadLetters: number;
}

/**
 * The bus's Prometheus metrics, registered on the registry you pass (the service's),
 * or on a private one. Lag and pending are read from Redis (`XINFO GROUPS`) when
 * Prometheus scrapes, not polled in the background.
 */
export class BusMetrics {
  readonly published: Counter<"topic">;
  readonly relayed: Counter<"topic">;
  readonly handled: Counter<"topic" | "group">;
  readonly failed: Counter<"topic" | "group">;
  readonly retried: Counter<"topic" | "group">;
  readonly deadLettered: Counter<"topic" | "group" | "reason">;
  readonly duplicates: Counter<"topic" | "group">;
  readonly refused: Counter<"topic" | "group">;
  readonly parked: Counter<"topic" | "group" | "reason">;
  readonly reclaimed: Counter<"topic" | "group">;
  readonly trimmed: Counter<"topic" | "group" | "stage">;
  readonly handlerDuration: Histogram<"topic" | "group">;

  constructor(
    readonly registry: Registry,
    readGroupLoad: () => Promise<GroupLoad[]>,
    readOutboxLength: () => Promise<number> = async () => 0,
  ) {
    const registers = [registry];
    this.published =
      existing(registry, "bus_events_published_total") ??
      new Counter({
        name: "bus_events_published_total",
        help: "Events published by this process (for a `commit`, appended to its outbox).",
        labelNames: ["topic"],
        registers,
      });
    this.relayed =
      existing(registry, "bus_events_relayed_total") ??
      new Counter({
        name: "bus_events_relayed_total",
        help: "Events this process's relay moved from the service's outbox to their topic.",
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
    this.refused =
      existing(registry, "bus_acks_refused_total") ??
      new Counter({
        name: "bus_acks_refused_total",
        help: "Acks, dead-letter moves and parkings refused because another consumer owns the entry now (this one froze past the idle threshold).",
        labelNames: ["topic", "group"],
        registers,
      });
    this.parked =
      existing(registry, "bus_events_parked_total") ??
      new Counter({
        name: "bus_events_parked_total",
        help: "Entries parked in Redis until due: to retry, for a consumer that knows their schema version, or handed over at shutdown.",
        labelNames: ["topic", "group", "reason"],
        registers,
      });
    this.reclaimed =
      existing(registry, "bus_events_reclaimed_total") ??
      new Counter({
        name: "bus_events_reclaimed_total",
        help: "Entries taken over from a consumer that left them pending past the idle threshold.",
        labelNames: ["topic", "group"],
        registers,
      });
    this.trimmed =
      existing(registry, "bus_events_trimmed_total") ??
      new Counter({
        name: "bus_events_trimmed_total",
        help: "Entries trimmed from a stream before the group handled them: never read (stage=unread) or read and not finished (stage=pending).",
        labelNames: ["topic", "group", "stage"],
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
      name: "bus_outbox_entries",
      help: "Events committed to the service's outbox and not yet relayed to their topic.",
      registers,
      async collect() {
        this.set(await readOutboxLength());
      },
    });
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
    new Gauge({
      name: "bus_group_parked",
      help: "Entries of a consumer group waiting to be retried (included in pending).",
      labelNames: ["topic", "group"],
      registers,
      async collect() {
        this.reset();
        for (const row of await load())
          this.set({ topic: row.topic, group: row.group }, row.parked);
      },
    });
    new Gauge({
      name: "bus_group_dead_letters",
      help: "Dead letters of a consumer group, kept until replayed or purged.",
      labelNames: ["topic", "group"],
      registers,
      async collect() {
        this.reset();
        for (const row of await load())
          this.set({ topic: row.topic, group: row.group }, row.deadLetters);
      },
    });
  }
}

function existing<T extends Metric>(registry: Registry, name: string): T | undefined {
  return registry.getSingleMetric(name) as T | undefined;
}
