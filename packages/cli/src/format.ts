import { catalog, type RetailTopicName } from "@retail/contracts";
import picocolors from "picocolors";

/** picocolors' formatters, enabled or not. */
export type Colors = ReturnType<typeof picocolors.createColors>;
export type Formatter = Colors["red"];

export function colorsFor(enabled: boolean): Colors {
  return picocolors.createColors(enabled);
}

const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");

/** The length of text as it shows in a terminal (color codes take no room). */
export function visibleLength(text: string): number {
  return text.replace(ANSI, "").length;
}

export function stripColors(text: string): string {
  return text.replace(ANSI, "");
}

export type Align = "left" | "right";

/** Pad text to a visible width. */
export function pad(text: string, width: number, align: Align = "left"): string {
  const fill = " ".repeat(Math.max(0, width - visibleLength(text)));
  return align === "left" ? text + fill : fill + text;
}

export interface TableOptions {
  /** Per column; default left. */
  align?: readonly Align[];
  colors?: Colors;
}

/**
 * A plain-text table: a header row, then one line per row, columns two spaces apart,
 * no trailing spaces. Ends with a newline.
 */
export function renderTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  options: TableOptions = {},
): string {
  const c = options.colors ?? colorsFor(false);
  const widths = headers.map((header, column) =>
    Math.max(visibleLength(header), ...rows.map((row) => visibleLength(row[column] ?? ""))),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => pad(cell, widths[column] ?? 0, options.align?.[column] ?? "left"))
      .join("  ")
      .trimEnd();
  return `${[c.bold(line(headers)), ...rows.map(line)].join("\n")}\n`;
}

/** The millisecond time in a stream entry id (`<ms>-<seq>`). */
export function entryTimeMs(id: string): number {
  return Number(id.split("-")[0]);
}

const two = (value: number) => String(value).padStart(2, "0");

/** `HH:MM:SS.mmm`, local time. */
export function clock(ms: number): string {
  const date = new Date(ms);
  return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}.${String(
    date.getMilliseconds(),
  ).padStart(3, "0")}`;
}

/** `HH:MM:SS` when `ms` is on the same local day as `now`, else `YYYY-MM-DD HH:MM:SS`. */
export function timestamp(ms: number, now: number): string {
  const date = new Date(ms);
  const time = `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
  if (new Date(now).toDateString() === date.toDateString()) return time;
  return `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())} ${time}`;
}

/** A short duration: `452ms`, `2.1s`, `3m05s`, `2h04m`, `3d04h`. */
export function duration(ms: number): string {
  const value = Math.max(0, Math.round(ms));
  if (value < 1_000) return `${value}ms`;
  if (value < 60_000) return `${(value / 1_000).toFixed(value < 10_000 ? 2 : 1)}s`;
  const seconds = Math.floor(value / 1_000);
  if (seconds < 3_600) return `${Math.floor(seconds / 60)}m${two(seconds % 60)}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 1_440) return `${Math.floor(minutes / 60)}h${two(minutes % 60)}m`;
  const hours = Math.floor(minutes / 60);
  return `${Math.floor(hours / 24)}d${two(hours % 24)}h`;
}

/** A URL with its password replaced by `***`, safe to print. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString().replace(/\/$/, "");
  } catch {
    return url.replace(/\/\/([^:@/]*):[^@/]*@/, "//$1:***@");
  }
}

/** `name=value`, the value quoted when it has spaces (or is empty). */
export function field(name: string, value: unknown): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return `${name}=${text === "" || /\s|"/.test(text) ? JSON.stringify(text) : text}`;
}

type Payload = Record<string, unknown>;

function asRecord(value: unknown): Payload {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Payload)
    : {};
}

function asArray(value: unknown): Payload[] {
  return Array.isArray(value) ? value.map(asRecord) : [];
}

function money(cents: unknown): string {
  return typeof cents === "number" ? (cents / 100).toFixed(2) : String(cents);
}

/** `SKU×2,SKU×1` */
function lineList(lines: unknown): string {
  return asArray(lines)
    .map((line) => `${String(line.sku)}×${String(line.quantity)}`)
    .join(",");
}

function fields(payload: Payload, names: readonly string[]): string[] {
  return names.flatMap((name) => (payload[name] === undefined ? [] : [field(name, payload[name])]));
}

/**
 * What one topic's payload shows on an event line (the subject is shown separately).
 * One entry per topic of the catalog: a topic added without one fails the type check.
 * Payloads stay loosely typed: a tailed event's payload is not checked against its schema.
 */
const SUMMARIES = {
  "order.placed": (p) => [
    field("customer", p.customerId),
    field("lines", lineList(p.lines)),
    field("total", money(p.totalCents)),
    field("to", asRecord(p.shippingAddress).country),
  ],
  "order.rejected": (p) => [
    field("reason", p.reason),
    field(
      "short",
      asArray(p.lines)
        .map((line) => `${String(line.sku)}(${String(line.requested)}>${String(line.available)})`)
        .join(","),
    ),
  ],
  "order.cancel-requested": (p) => fields(p, ["reason"]),
  "order.cancelled": (p) => fields(p, ["reason"]),
  "order.cancel-refused": (p) => fields(p, ["reason"]),
  "order.failed": (p) => fields(p, ["reason"]),
  "order.delivered": (p) => [field("shipment", p.shipmentId)],
  "stock.restocked": (p) => [
    field("quantity", `+${String(p.quantity)}`),
    ...fields(p, ["available"]),
  ],
  "stock.low": (p) => fields(p, ["available", "threshold"]),
  "reservation.committed": (p) => [field("lines", lineList(p.lines))],
  "reservation.released": (p) => [field("reason", p.reason), field("lines", lineList(p.lines))],
  "shipment.created": (p) => [
    field("shipment", p.shipmentId),
    ...fields(p, ["carrier"]),
    field("tracking", p.trackingNumber),
    field("to", p.destinationCountry),
  ],
  "shipment.dispatched": (p) => [
    field("shipment", p.shipmentId),
    ...fields(p, ["carrier"]),
    field("tracking", p.trackingNumber),
  ],
  "shipment.delivered": (p) => [field("shipment", p.shipmentId), ...fields(p, ["carrier"])],
  "shipment.cancelled": (p) => [field("shipment", p.shipmentId), ...fields(p, ["reason"])],
  "shipment.cancel-refused": (p) => [
    field("shipment", p.shipmentId),
    ...fields(p, ["reason", "status"]),
  ],
  "shipment.failed": (p) => [field("shipment", p.shipmentId), ...fields(p, ["reason"])],
  "client.online": (p) => fields(p, ["app", "version"]),
  "client.offline": (p) => fields(p, ["app", "version", "lastSeenAt"]),
  "client.telemetry": (p) => [
    ...fields(p, ["app"]),
    field("events", asArray(p.events).length),
    field("types", [...new Set(asArray(p.events).map((event) => String(event.type)))].join(",")),
  ],
  "alert.raised": (p) => [...fields(p, ["severity", "kind"]), field("message", p.message)],
} satisfies Record<RetailTopicName, (payload: Payload) => string[]>;

/** The payload fields that name the subject of an event, and how a line labels them. */
const SUBJECT_FIELDS = [
  ["orderId", "order"],
  ["sku", "sku"],
  ["clientId", "client"],
  ["subject", "subject"],
] as const;

export interface Subject {
  /** `order`, `sku`, `client`, `subject` or `key`. */
  kind: string;
  id: string;
}

/**
 * What an event is about: its order when it has one, else the topic's partition-key
 * field (a SKU, a client), else the envelope's partition key.
 */
export function subjectOf(topic: string, payload: unknown, partitionKey: string): Subject {
  const record = asRecord(payload);
  for (const [name, kind] of SUBJECT_FIELDS) {
    const value = record[name];
    if (typeof value === "string" && value !== "") return { kind, id: value };
  }
  const keyField = catalog[topic as keyof typeof catalog]?.partitionKey;
  const value = keyField ? record[keyField] : undefined;
  if (typeof value === "string" && value !== "") return { kind: keyField ?? "key", id: value };
  return { kind: "key", id: partitionKey };
}

/**
 * The key fields of a payload as `name=value` pairs, for one event line. Topics the
 * CLI does not know show their scalar fields, timestamps and the subject left out.
 */
export function summarize(topic: string, payload: unknown): string {
  const record = asRecord(payload);
  if (isCatalogTopic(topic)) return SUMMARIES[topic](record).join(" ");
  const subjectFields = new Set<string>(SUBJECT_FIELDS.map(([name]) => name));
  return Object.entries(record)
    .filter(
      ([name, value]) =>
        !subjectFields.has(name) &&
        !name.endsWith("At") &&
        (typeof value === "string" || typeof value === "number" || typeof value === "boolean"),
    )
    .slice(0, 6)
    .map(([name, value]) => field(name, value))
    .join(" ");
}

export interface TopicStyle {
  color: (c: Colors) => Formatter;
  symbol: string;
}

const neutral: TopicStyle = { color: (c) => c.cyan, symbol: "•" };
const good: TopicStyle = { color: (c) => c.green, symbol: "✓" };
const bad: TopicStyle = { color: (c) => c.red, symbol: "✗" };
const undone: TopicStyle = { color: (c) => c.yellow, symbol: "↺" };

/** One style per topic of the catalog: a topic added without one fails the type check. */
const STYLES = {
  "order.placed": { color: (c) => c.cyan, symbol: "●" },
  "order.rejected": bad,
  "order.cancel-requested": { color: (c) => c.yellow, symbol: "?" },
  "order.cancelled": undone,
  "order.cancel-refused": { color: (c) => c.yellow, symbol: "⊘" },
  "order.failed": bad,
  "order.delivered": good,
  "stock.restocked": { color: (c) => c.green, symbol: "+" },
  "stock.low": { color: (c) => c.yellow, symbol: "!" },
  "reservation.committed": { color: (c) => c.blue, symbol: "•" },
  "reservation.released": undone,
  "shipment.created": { color: (c) => c.magenta, symbol: "•" },
  "shipment.dispatched": { color: (c) => c.blue, symbol: "→" },
  "shipment.delivered": good,
  "shipment.cancelled": undone,
  "shipment.cancel-refused": { color: (c) => c.yellow, symbol: "⊘" },
  "shipment.failed": bad,
  "client.online": { color: (c) => c.green, symbol: "↑" },
  "client.offline": { color: (c) => c.yellow, symbol: "↓" },
  "client.telemetry": { color: (c) => c.gray, symbol: "·" },
  "alert.raised": { color: (c) => c.red, symbol: "!" },
} satisfies Record<RetailTopicName, TopicStyle>;

export function topicStyle(topic: string): TopicStyle {
  return isCatalogTopic(topic) ? STYLES[topic] : neutral;
}

/** Whether `topic` is one of the catalog's (events of other catalogs can be tailed too). */
function isCatalogTopic(topic: string): topic is RetailTopicName {
  return Object.hasOwn(catalog, topic);
}

/** The widest topic name of the catalog, to align event lines. */
export const TOPIC_WIDTH = Math.max(...Object.keys(catalog).map((name) => name.length));

/** The widest service name among the catalog's publishers. */
export const SOURCE_WIDTH = Math.max(
  ...Object.values(catalog).map((definition) => definition.publisher.length),
);

/** A JSON value on one line, for `--json` streams (NDJSON). */
export function jsonLine(value: unknown): string {
  return `${JSON.stringify(value)}\n`;
}

/** A JSON document, indented, for `--json` reports. */
export function jsonDocument(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
