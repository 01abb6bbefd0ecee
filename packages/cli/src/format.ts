import {
  catalog,
  domainOf,
  type OrderStatus,
  type RetailDomain,
  type RetailTopicName,
  renderSummary,
  type TopicView,
} from "@retail/contracts";
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
 * The key fields of a payload, for one event line: the topic's summary template from the
 * catalog (`view.summary`, the line the dashboard shows too) filled in from the payload.
 * Topics the CLI does not know show their scalar fields as `name=value`, timestamps and
 * the subject left out. Payloads stay loosely typed: a tailed event is not checked
 * against its schema, and a summary of a payload that breaks it still prints.
 */
export function summarize(topic: string, payload: unknown): string {
  if (isCatalogTopic(topic)) return renderSummary(catalog[topic].view.summary, payload);
  const subjectFields = new Set<string>(SUBJECT_FIELDS.map(([name]) => name));
  return Object.entries(asRecord(payload))
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
const bad: TopicStyle = { color: (c) => c.red, symbol: "✗" };

/**
 * One style per domain (a topic name's first word): a topic added to a domain needs
 * nothing here, and a new domain fails the type check until it has a style.
 */
export const DOMAIN_STYLES = {
  order: { color: (c) => c.cyan, symbol: "●" },
  stock: { color: (c) => c.yellow, symbol: "◆" },
  product: { color: (c) => c.yellow, symbol: "€" },
  reservation: { color: (c) => c.blue, symbol: "•" },
  shipment: { color: (c) => c.magenta, symbol: "•" },
  client: { color: (c) => c.gray, symbol: "·" },
  alert: { color: (c) => c.red, symbol: "!" },
} satisfies Record<RetailDomain, TopicStyle>;

/**
 * Events that settle an order (their view's `orderStatus`) show the outcome, whatever
 * their domain: green delivered, red rejected or failed, yellow cancelled.
 */
const OUTCOME_STYLES = {
  reserved: DOMAIN_STYLES.order,
  dispatched: { color: (c) => c.blue, symbol: "→" },
  delivered: { color: (c) => c.green, symbol: "✓" },
  failed: bad,
  rejected: bad,
  cancelled: { color: (c) => c.yellow, symbol: "↺" },
} satisfies Record<OrderStatus, TopicStyle>;

/** A cancel request, and an answer that leaves the order's status as it was (a refusal). */
const CANCEL_STYLES = {
  asked: { color: (c) => c.yellow, symbol: "?" },
  answered: { color: (c) => c.yellow, symbol: "⊘" },
} satisfies Record<NonNullable<TopicView["cancel"]>, TopicStyle>;

/** How an event line of a topic looks, from the topic's view and domain. */
export function topicStyle(topic: string): TopicStyle {
  if (!isCatalogTopic(topic)) return neutral;
  const { orderStatus, cancel } = catalog[topic].view;
  if (orderStatus) return OUTCOME_STYLES[orderStatus];
  if (cancel) return CANCEL_STYLES[cancel];
  return DOMAIN_STYLES[domainOf(topic)];
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
