/**
 * How a topic's events are shown to people: the dashboard's feed and timeline, and
 * the CLI's event lines. Each topic of the catalog carries its view, so a topic shows
 * everywhere as soon as it is defined.
 */

/** How a summary shows a payload value: `{path}` is `text`, `{path:money}` is `money`. */
export const SUMMARY_FORMATS = [
  /** The value as it is. */
  "text",
  /** A snake_case code as words: `unsupported_country` → `unsupported country`. */
  "words",
  /** Integer cents as an amount of money. */
  "money",
  /** Order or stock lines: `2× SKU, 1× SKU`. */
  "lines",
  /** Short lines of a refused order: `2× SKU (1 left)`. */
  "shortages",
  /** How many items an array has. */
  "count",
  /** The distinct `type`s of an array's items, in order of appearance: `metric, log`. */
  "types",
  /** An ISO 8601 timestamp as the local time of day: `13:00:30`. */
  "time",
] as const;
export type SummaryFormat = (typeof SUMMARY_FORMATS)[number];

/** What the dashboard shows for an order after an event (the last event that says wins). */
export type OrderStatus =
  | "reserved"
  | "dispatched"
  | "delivered"
  | "failed"
  | "cancelled"
  | "rejected";

/** The dashboard's side panels an event changes, refreshed when it arrives. */
export type Panel = "products" | "alerts" | "clients";

/** How one topic's events are shown. */
export interface TopicView {
  /**
   * One line about an event: text with `{path}` or `{path:format}` placeholders, where
   * `path` is a payload field (`shippingAddress.country` reaches into an object) and
   * `format` one of `SUMMARY_FORMATS`. The catalog's tests render it from the topic's
   * example, so a placeholder the payload does not have fails them.
   */
  readonly summary: string;
  /** The order's status once this event is in its timeline. */
  readonly orderStatus?: OrderStatus;
  /** The saga step it marks on the progress bar: its position there, and label. */
  readonly step?: { readonly position: number; readonly label: string };
  /** `asked` opens a cancel request; `answered` closes it. */
  readonly cancel?: "asked" | "answered";
  /** Panels to refresh when it arrives. */
  readonly refreshes?: readonly Panel[];
}

/** `{path}` or `{path:format}`. The dashboard's `app.js` parses the same syntax. */
const PLACEHOLDER = /\{([\w.]+)(?::(\w+))?\}/g;

/** The placeholders of a summary template, `text` where no format is given. */
export function summaryPlaceholders(template: string): { path: string; format: string }[] {
  return [...template.matchAll(PLACEHOLDER)].map((match) => ({
    path: match[1] as string,
    format: match[2] ?? "text",
  }));
}

/** The value at a dotted path of a payload (`shippingAddress.country`), if any. */
export function valueAt(payload: unknown, path: string): unknown {
  return path
    .split(".")
    .reduce<unknown>(
      (value, name) =>
        typeof value === "object" && value !== null ? Reflect.get(value, name) : undefined,
      payload,
    );
}

type Item = { readonly [field: string]: unknown };

/** The object items of an array value; anything else has none. */
function itemsOf(value: unknown): Item[] {
  return Array.isArray(value)
    ? value.filter((item): item is Item => typeof item === "object" && item !== null)
    : [];
}

const text = (value: unknown) => (value === undefined || value === null ? "" : String(value));
// A fixed locale, so that every terminal and test prints the same amount.
const euros = new Intl.NumberFormat("en-GB", { style: "currency", currency: "EUR" });
const two = (value: number) => String(value).padStart(2, "0");

/**
 * The formats as text, for terminals and tests. The dashboard's `app.js` has its own
 * (the browser's locale for money and times); its tests check it has every format.
 */
const FORMATTERS = {
  text,
  words: (value) => text(value).replaceAll("_", " "),
  money: (value) => (typeof value === "number" ? euros.format(value / 100) : ""),
  lines: (value) =>
    itemsOf(value)
      .map((line) => `${text(line.quantity ?? line.requested)}× ${text(line.sku)}`)
      .join(", "),
  shortages: (value) =>
    itemsOf(value)
      .map((line) => `${text(line.requested)}× ${text(line.sku)} (${text(line.available)} left)`)
      .join(", "),
  count: (value) => String(Array.isArray(value) ? value.length : 0),
  types: (value) => [...new Set(itemsOf(value).map((item) => text(item.type)))].join(", "),
  time: (value) => {
    const date = new Date(typeof value === "string" ? value : Number.NaN);
    if (Number.isNaN(date.getTime())) return "";
    return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
  },
} satisfies Record<SummaryFormat, (value: unknown) => string>;

function isFormat(format: string): format is SummaryFormat {
  return Object.hasOwn(FORMATTERS, format);
}

/**
 * A summary template filled in from a payload. A missing value shows as nothing and an
 * unknown format as `text`, as on the dashboard: a summary never throws.
 */
export function renderSummary(template: string, payload: unknown): string {
  return template.replace(PLACEHOLDER, (_match, path: string, format = "text") =>
    FORMATTERS[isFormat(format) ? format : "text"](valueAt(payload, path)),
  );
}
