import { withRedis } from "./connect.js";
import {
  clock,
  duration,
  jsonLine,
  pad,
  redactUrl,
  SOURCE_WIDTH,
  subjectOf,
  summarize,
  TOPIC_WIDTH,
  topicStyle,
} from "./format.js";
import type { CommandContext } from "./io.js";
import { belongsToOrder, eventJson, followTopics, parseLimit, type StreamEvent } from "./tail.js";
import { resolveTopics } from "./topics.js";

/** How many orders (or other subjects) the watcher remembers the last event time of. */
const TRACKED_SUBJECTS = 10_000;

const LATENCY_WIDTH = 8;

export interface WatchedEvent {
  event: StreamEvent;
  /** `order ord-1042`, `sku MUG-WHT`, `client till-3`; undefined for a malformed entry. */
  group: string | undefined;
  /** Since the previous event of the same group; undefined for its first. */
  latencyMs: number | undefined;
}

/**
 * Groups live events by order (or, for events without one, by their SKU or client):
 * a header line when the group changes, its events indented beneath, each with the
 * time since the group's previous event.
 */
export class OrderWatch {
  private current: string | undefined;
  private readonly seen = new Map<string, number>();

  constructor(private readonly context: CommandContext) {}

  /** Classify an event and remember its time. */
  track(event: StreamEvent): WatchedEvent {
    if (!event.envelope) return { event, group: undefined, latencyMs: undefined };
    const subject = subjectOf(
      event.envelope.type,
      event.envelope.payload,
      event.envelope.partitionKey,
    );
    const group = `${subject.kind} ${subject.id}`;
    const previous = this.seen.get(group);
    this.seen.delete(group);
    this.seen.set(group, Math.max(previous ?? event.at, event.at));
    if (this.seen.size > TRACKED_SUBJECTS) {
      const oldest = this.seen.keys().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
    return {
      event,
      group,
      latencyMs: previous === undefined ? undefined : Math.max(0, event.at - previous),
    };
  }

  /** The lines for one event: a header first when the group changed. */
  render(watched: WatchedEvent): string {
    const c = this.context.colors;
    const { event, group } = watched;
    const time = c.dim(clock(event.at));
    if (!event.envelope || group === undefined) {
      this.current = undefined;
      return `\n${c.red(`✗ ${time} malformed entry ${event.entryId} on ${event.stream}: ${event.error ?? ""}`)}\n`;
    }
    const envelope = event.envelope;
    let text = "";
    if (group !== this.current) {
      const [kind = "", ...rest] = group.split(" ");
      const label = kind === "order" ? c.bold(c.cyan(group)) : c.bold(`${kind} ${rest.join(" ")}`);
      const continued = watched.latencyMs === undefined ? "" : c.dim("  (continued)");
      text += `\n${label}${continued}\n`;
      this.current = group;
    }
    const style = topicStyle(envelope.type);
    const color = style.color(c);
    const latency =
      watched.latencyMs === undefined
        ? " ".repeat(LATENCY_WIDTH)
        : c.dim(pad(`+${duration(watched.latencyMs)}`, LATENCY_WIDTH, "right"));
    const replay = event.replayFor ? c.yellow(` (replay for ${event.replayFor})`) : "";
    text += `  ${time} ${latency}  ${color(`${style.symbol} ${pad(envelope.type, TOPIC_WIDTH)}`)}  ${c.dim(pad(envelope.source, SOURCE_WIDTH, "right"))} → ${summarize(envelope.type, envelope.payload)}${replay}\n`;
    return text;
  }
}

export interface WatchOptions {
  order?: string;
  limit?: string;
  json?: boolean;
}

/** `retail watch [topic…]`: every topic by default. */
export async function watchCommand(
  context: CommandContext,
  topicNames: readonly string[],
  options: WatchOptions,
): Promise<void> {
  const topics = resolveTopics(topicNames);
  const limit = parseLimit(options.limit);
  const url = context.redisUrl();
  const watch = new OrderWatch(context);
  let shown = 0;
  await withRedis(url, (session) =>
    followTopics({
      redis: session.redis,
      topics,
      signal: context.io.signal,
      onReady: (streams) =>
        context.io.err(
          `${context.colors.bold("retail watch")} ${context.colors.dim(
            `${topics.length} topics (${streams} streams) on ${redactUrl(url)}: events grouped by order, with the time since the order's previous event. Ctrl-C to stop.`,
          )}\n`,
        ),
      onEvent: (event) => {
        if (options.order !== undefined && !belongsToOrder(event, options.order)) return true;
        const watched = watch.track(event);
        context.io.out(
          options.json
            ? jsonLine({
                ...eventJson(event),
                group: watched.group ?? null,
                latencyMs: watched.latencyMs ?? null,
              })
            : watch.render(watched),
        );
        shown += 1;
        return limit === undefined || shown < limit;
      },
    }),
  );
}
