import { randomUUID } from "node:crypto";
import { setTimeout as delay } from "node:timers/promises";
import type { Scope } from "@retail/service-kit";
import cliProgress from "cli-progress";
import { CliError, ExitCode, usageError } from "./errors.js";
import { duration, jsonDocument, pad, redactUrl } from "./format.js";
import type { CommandContext } from "./io.js";
import { keysDirFrom, readSigningKey } from "./keys.js";

export const DEFAULT_INVENTORY_URL = "http://localhost:3001";

/** `--inventory`, else INVENTORY_URL, else http://localhost:3001; must be http(s). */
export function inventoryUrlFrom(
  option: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): string {
  const url = option ?? (env.INVENTORY_URL || undefined) ?? DEFAULT_INVENTORY_URL;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw usageError(`not an HTTP URL: "${url}" (expected e.g. http://localhost:3001)`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:")
    throw usageError(`not an HTTP URL: "${url}" (expected http:// or https://)`);
  return url.replace(/\/+$/, "");
}

/** The value at a percentile (nearest rank) of ascending-sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? 0;
}

const ADDRESSES = [
  {
    name: "Ada Lovelace",
    line1: "12 St James's Square",
    city: "London",
    postalCode: "SW1Y 4JH",
    country: "GB",
  },
  {
    name: "Grace Hopper",
    line1: "1 Liberty Plaza",
    city: "New York",
    postalCode: "10006",
    country: "US",
  },
  {
    name: "Emmy Noether",
    line1: "Bunsenstraße 3",
    city: "Göttingen",
    postalCode: "37073",
    country: "DE",
  },
  {
    name: "Marie Curie",
    line1: "11 Rue Pierre et Marie Curie",
    city: "Paris",
    postalCode: "75005",
    country: "FR",
  },
  {
    name: "Edsger Dijkstra",
    line1: "Science Park 123",
    city: "Amsterdam",
    postalCode: "1098 XG",
    country: "NL",
  },
  {
    name: "Margaret Hamilton",
    line1: "77 Massachusetts Ave",
    city: "Cambridge",
    postalCode: "02139",
    country: "US",
  },
] as const;

export interface OrderBody {
  customerId: string;
  lines: { sku: string; quantity: number }[];
  shippingAddress: (typeof ADDRESSES)[number];
}

/** A valid `POST /orders` body: 1..maxLines distinct SKUs, 1..maxQuantity each. */
export function buildOrder(
  skus: readonly string[],
  maxLines: number,
  maxQuantity: number,
  random: () => number = Math.random,
): OrderBody {
  const pool = [...skus];
  const count = 1 + Math.floor(random() * Math.min(maxLines, pool.length));
  const lines: OrderBody["lines"] = [];
  for (let index = 0; index < count; index += 1) {
    const [sku] = pool.splice(Math.floor(random() * pool.length), 1);
    if (sku !== undefined) lines.push({ sku, quantity: 1 + Math.floor(random() * maxQuantity) });
  }
  return {
    customerId: `customer-${1 + Math.floor(random() * 500)}`,
    lines,
    shippingAddress: ADDRESSES[Math.floor(random() * ADDRESSES.length)] ?? ADDRESSES[0],
  };
}

export interface OutcomeCount {
  /** HTTP status, or null when no response came (network error, timeout). */
  status: number | null;
  /** The error body's code (`unknown_sku`), or the network error (`ECONNREFUSED`, `timeout`). */
  code: string;
  count: number;
}

export interface PlaceSummary {
  inventory: string;
  requested: number;
  sent: number;
  /** 201 */
  accepted: number;
  /** 409 out_of_stock */
  rejected: number;
  /** Everything else, by status and code. */
  errors: OutcomeCount[];
  /** Over the requests that got a response; null when none did. */
  latencyMs: { p50: number; p99: number; max: number } | null;
  durationMs: number;
  /** Stopped by Ctrl-C before every order was sent. */
  interrupted: boolean;
}

type Outcome =
  | { kind: "accepted" | "rejected"; latencyMs: number }
  | { kind: "error"; status: number | null; code: string; latencyMs?: number };

function networkCode(error: unknown): string {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError"))
    return "timeout";
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}

async function errorCode(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { error?: { code?: unknown } };
    return typeof body?.error?.code === "string" ? body.error.code : "";
  } catch {
    return "";
  }
}

/** The `authorization` header for a request made for `subject` with `scopes`. */
export type Authorize = (subject: string, scopes: readonly Scope[]) => Promise<string>;

/** Minted tokens live an hour; one is minted anew once it is this old. */
const TOKEN_TTL_SECONDS = 3_600;
const TOKEN_RENEW_AFTER_MS = 50 * 60_000;

/**
 * `--token` (or RETAIL_TOKEN) for every request, as given; else each request gets a
 * token of its own subject (the order's customer), signed with the demo key of
 * `--keys`, as that customer's app would hold one.
 */
export async function authorizerFor(
  context: CommandContext,
  options: Pick<PlaceOptions, "token" | "keys">,
): Promise<Authorize> {
  const given = options.token ?? (context.io.env.RETAIL_TOKEN || undefined);
  if (given !== undefined) {
    const header = `Bearer ${given.trim()}`;
    return async () => header;
  }
  const key = await readSigningKey(keysDirFrom(options.keys, context.io.env));
  const minted = new Map<string, { header: Promise<string>; at: number }>();
  return (subject, scopes) => {
    const cacheKey = `${subject} ${scopes.join(" ")}`;
    const cached = minted.get(cacheKey);
    if (cached && Date.now() - cached.at < TOKEN_RENEW_AFTER_MS) return cached.header;
    const header = key
      .sign({ subject, scopes, expiresInSeconds: TOKEN_TTL_SECONDS })
      .then((token) => `Bearer ${token}`);
    minted.set(cacheKey, { header, at: Date.now() });
    return header;
  };
}

async function placeOne(
  inventory: string,
  body: OrderBody,
  timeoutMs: number,
  authorize: Authorize,
): Promise<Outcome> {
  // the customer places their own order: the token's subject is the body's customerId
  const authorization = await authorize(body.customerId, ["orders:write"]);
  const started = performance.now();
  let response: Response;
  try {
    response = await fetch(`${inventory}/orders`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "idempotency-key": `retail-cli-${randomUUID()}`,
        authorization,
      },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    return { kind: "error", status: null, code: networkCode(error) };
  }
  const code = response.status === 201 ? "" : await errorCode(response);
  if (response.status === 201) await response.body?.cancel();
  const latencyMs = performance.now() - started;
  if (response.status === 201) return { kind: "accepted", latencyMs };
  if (response.status === 409 && code === "out_of_stock") return { kind: "rejected", latencyMs };
  return { kind: "error", status: response.status, code, latencyMs };
}

/** SKUs to order: those given, else every product inventory lists. */
async function skusFrom(
  inventory: string,
  given: readonly string[] | undefined,
  timeoutMs: number,
  authorize: Authorize,
): Promise<string[]> {
  if (given && given.length > 0) return [...new Set(given)];
  let response: Response;
  try {
    response = await fetch(`${inventory}/products?limit=500`, {
      headers: { authorization: await authorize(CATALOG_READER, ["catalog:read"]) },
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    throw inventoryUnreachable(inventory, networkCode(error));
  }
  if (!response.ok) {
    const code = await errorCode(response);
    throw new CliError(
      ExitCode.failure,
      `GET ${inventory}/products answered ${response.status}${code ? ` ${code}` : ""}`,
    );
  }
  const products = (await response.json()) as unknown;
  const skus = Array.isArray(products)
    ? products.flatMap((product) =>
        typeof product === "object" &&
        product !== null &&
        typeof (product as { sku?: unknown }).sku === "string"
          ? [(product as { sku: string }).sku]
          : [],
      )
    : [];
  if (skus.length === 0)
    throw new CliError(
      ExitCode.failure,
      `inventory at ${inventory} lists no products: create some (PUT /products/:sku) or pass --sku`,
    );
  return skus;
}

/** The subject of the CLI's own catalog reads (the orders are their customers'). */
export const CATALOG_READER = "retail-cli";

function inventoryUnreachable(inventory: string, reason: string): CliError {
  return new CliError(
    ExitCode.inventoryUnreachable,
    `cannot reach inventory at ${redactUrl(inventory)}: ${reason}. Is it running (docker compose up)? ` +
      "Point the CLI elsewhere with --inventory <url> or INVENTORY_URL.",
  );
}

function positiveNumber(
  name: string,
  value: string | undefined,
  fallback: number,
  integer: boolean,
  max: number,
): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (
    !Number.isFinite(number) ||
    number <= 0 ||
    number > max ||
    (integer && !Number.isInteger(number))
  ) {
    throw usageError(
      `${name} must be a positive ${integer ? "integer" : "number"} up to ${max}, got "${value}"`,
    );
  }
  return number;
}

export interface PlaceOptions {
  count?: string;
  rate?: string;
  sku?: string[];
  inventory?: string;
  token?: string;
  keys?: string;
  lines?: string;
  quantity?: string;
  concurrency?: string;
  timeout?: string;
  json?: boolean;
}

function renderSummary(summary: PlaceSummary, context: CommandContext): string {
  const c = context.colors;
  const seconds = summary.durationMs / 1_000;
  const rate = seconds > 0 ? summary.sent / seconds : 0;
  const failed = summary.errors.reduce((sum, error) => sum + error.count, 0);
  const width = String(Math.max(summary.accepted, summary.rejected, failed)).length;
  const count = (value: number) => pad(String(value), width, "right");
  const errorList = summary.errors
    .map(
      ({ status, code, count: times }) =>
        `${status ?? "no response"}${code ? ` ${code}` : ""} ×${times}`,
    )
    .join(", ");
  let text = `${c.bold(`placed ${summary.sent}${summary.sent === summary.requested ? "" : ` of ${summary.requested}`} orders`)} on ${redactUrl(summary.inventory)} in ${duration(summary.durationMs)} (${rate.toFixed(1)}/s)${summary.interrupted ? c.yellow(" — interrupted") : ""}\n`;
  text += `  accepted  ${c.green(count(summary.accepted))}  ${c.dim("201")}\n`;
  text += `  rejected  ${c.yellow(count(summary.rejected))}  ${c.dim("409 out_of_stock")}\n`;
  text += `  errors    ${failed > 0 ? c.red(count(failed)) : count(failed)}${errorList ? `  ${errorList}` : ""}\n`;
  text += summary.latencyMs
    ? `  latency   p50 ${duration(summary.latencyMs.p50)}  p99 ${duration(summary.latencyMs.p99)}  max ${duration(summary.latencyMs.max)}\n`
    : "  latency   no responses\n";
  return text;
}

/** `retail orders place --count N --rate R [--sku S…]` */
export async function ordersPlaceCommand(
  context: CommandContext,
  options: PlaceOptions,
): Promise<void> {
  const inventory = inventoryUrlFrom(options.inventory, context.io.env);
  const requested = positiveNumber("--count", options.count, 10, true, 1_000_000);
  const rate = positiveNumber("--rate", options.rate, 2, false, 10_000);
  const maxLines = positiveNumber("--lines", options.lines, 3, true, 100);
  const maxQuantity = positiveNumber("--quantity", options.quantity, 2, true, 1_000_000);
  const concurrency = positiveNumber("--concurrency", options.concurrency, 32, true, 1_000);
  const timeoutMs = positiveNumber("--timeout", options.timeout, 10_000, true, 600_000);
  const signal = context.io.signal;
  const authorize = await authorizerFor(context, options);
  const skus = await skusFrom(inventory, options.sku, timeoutMs, authorize);

  const latencies: number[] = [];
  const errors = new Map<string, OutcomeCount>();
  let accepted = 0;
  let rejected = 0;
  let done = 0;
  let sent = 0;
  const bar =
    context.io.progressStream && !options.json
      ? new cliProgress.SingleBar(
          {
            stream: context.io.progressStream,
            format:
              "orders [{bar}] {value}/{total} | {accepted} accepted, {rejected} rejected, {errors} errors | {duration_formatted}",
            hideCursor: true,
            barsize: 30,
          },
          cliProgress.Presets.shades_classic,
        )
      : undefined;
  bar?.start(requested, 0, { accepted: 0, rejected: 0, errors: 0 });

  const record = (outcome: Outcome) => {
    done += 1;
    if (outcome.latencyMs !== undefined) latencies.push(outcome.latencyMs);
    if (outcome.kind === "error") {
      const key = `${outcome.status} ${outcome.code}`;
      const entry = errors.get(key) ?? { status: outcome.status, code: outcome.code, count: 0 };
      entry.count += 1;
      errors.set(key, entry);
    } else if (outcome.kind === "accepted") accepted += 1;
    else rejected += 1;
    bar?.update(done, {
      accepted,
      rejected,
      errors: [...errors.values()].reduce((sum, error) => sum + error.count, 0),
    });
  };

  const started = performance.now();
  const inFlight = new Set<Promise<void>>();
  for (let index = 0; index < requested && !signal.aborted; index += 1) {
    const wait = started + (index * 1_000) / rate - performance.now();
    if (wait > 0) {
      try {
        await delay(wait, undefined, { signal });
      } catch {
        break;
      }
    }
    while (inFlight.size >= concurrency) await Promise.race(inFlight);
    const request: Promise<void> = placeOne(
      inventory,
      buildOrder(skus, maxLines, maxQuantity),
      timeoutMs,
      authorize,
    )
      .then(record)
      .finally(() => inFlight.delete(request));
    inFlight.add(request);
    sent += 1;
  }
  await Promise.all(inFlight);
  bar?.stop();

  latencies.sort((left, right) => left - right);
  const summary: PlaceSummary = {
    inventory,
    requested,
    sent,
    accepted,
    rejected,
    errors: [...errors.values()].sort((left, right) => right.count - left.count),
    latencyMs:
      latencies.length === 0
        ? null
        : {
            p50: Math.round(percentile(latencies, 50)),
            p99: Math.round(percentile(latencies, 99)),
            max: Math.round(latencies.at(-1) ?? 0),
          },
    durationMs: Math.round(performance.now() - started),
    interrupted: sent < requested,
  };
  context.io.out(options.json ? jsonDocument(summary) : renderSummary(summary, context));

  const answered =
    accepted +
    rejected +
    summary.errors
      .filter(({ status }) => status !== null)
      .reduce((sum, error) => sum + error.count, 0);
  if (answered === 0 && sent > 0) {
    throw inventoryUnreachable(inventory, summary.errors[0]?.code ?? "no response");
  }
  if (summary.interrupted) {
    throw new CliError(ExitCode.interrupted, `interrupted: ${sent} of ${requested} orders sent`);
  }
}
