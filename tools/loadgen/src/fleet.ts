import type { CLIENT_APPS, TelemetryEvent } from "@retail/contracts";
import type { LoadgenConfig } from "./config.js";
import { StoppedError } from "./http.js";
import type { Random } from "./random.js";
import type { Runtime } from "./runtime.js";
import { CLIENT_SCOPES } from "./tokens.js";

/** `till`, `web-shop` or `mobile`. */
export type AppType = (typeof CLIENT_APPS)[number];

/** One simulated client app instance, as client-monitoring knows it. */
export interface ClientIdentity {
  clientId: string;
  app: AppType;
  version: string;
}

/**
 * The fleet's client apps: `till-1` … `till-N`, `web-shop-1` …, `mobile-1` …. The last
 * till lags one release behind and the mobile apps alternate between two releases, as
 * a real roll-out does.
 */
export function fleetIdentities(
  config: Pick<LoadgenConfig, "TILLS" | "WEB_SHOPS" | "MOBILE_APPS">,
): ClientIdentity[] {
  const clients: ClientIdentity[] = [];
  for (let n = 1; n <= config.TILLS; n++) {
    const lagging = config.TILLS > 1 && n === config.TILLS;
    clients.push({ clientId: `till-${n}`, app: "till", version: lagging ? "4.1.3" : "4.2.0" });
  }
  for (let n = 1; n <= config.WEB_SHOPS; n++) {
    clients.push({ clientId: `web-shop-${n}`, app: "web-shop", version: "2025.11.2" });
  }
  for (let n = 1; n <= config.MOBILE_APPS; n++) {
    clients.push({ clientId: `mobile-${n}`, app: "mobile", version: n % 2 ? "3.9.0" : "3.8.2" });
  }
  return clients;
}

const PAGES: Record<AppType, readonly string[]> = {
  till: ["/till/sale", "/till/scan", "/till/payment", "/till/receipt", "/till/returns"],
  "web-shop": [
    "/",
    "/products",
    "/products/sneaker-run-blk-42",
    "/products/mug-ceramic-350",
    "/cart",
    "/checkout",
    "/checkout/confirmation",
    "/account/orders",
  ],
  mobile: ["Home", "Search", "ProductDetail", "Cart", "Checkout", "OrderTracking", "Profile"],
};

const REFERRERS = [
  "https://www.google.com/",
  "https://www.bing.com/",
  "https://www.instagram.com/",
  "https://newsletter.example.com/spring-sale",
];

const METRICS: Record<
  AppType,
  readonly { name: string; unit: string; min: number; max: number }[]
> = {
  till: [
    { name: "scan.duration", unit: "ms", min: 40, max: 400 },
    { name: "payment.duration", unit: "ms", min: 1_500, max: 9_000 },
    { name: "receipt.print.duration", unit: "ms", min: 300, max: 1_500 },
  ],
  "web-shop": [
    { name: "page.load", unit: "ms", min: 250, max: 3_500 },
    { name: "checkout.duration", unit: "ms", min: 20_000, max: 180_000 },
    { name: "api.latency", unit: "ms", min: 20, max: 800 },
  ],
  mobile: [
    { name: "app.start", unit: "ms", min: 600, max: 4_000 },
    { name: "screen.render", unit: "ms", min: 16, max: 250 },
    { name: "battery.level", unit: "%", min: 5, max: 100 },
  ],
};

const LOGS: Record<AppType, readonly { level: "debug" | "info" | "warn"; message: string }[]> = {
  till: [
    { level: "info", message: "receipt printed" },
    { level: "info", message: "cash drawer opened" },
    { level: "warn", message: "card reader slow to respond, retrying" },
    { level: "debug", message: "barcode scanned" },
  ],
  "web-shop": [
    { level: "info", message: "cart updated" },
    { level: "info", message: "checkout started" },
    { level: "warn", message: "payment provider answered slowly" },
    { level: "debug", message: "feature flags loaded" },
  ],
  mobile: [
    { level: "info", message: "push notification opened" },
    { level: "info", message: "signed in" },
    { level: "warn", message: "request retried after a network change" },
    { level: "debug", message: "image cache trimmed" },
  ],
};

const ERRORS = [
  {
    name: "TypeError",
    message: "Cannot read properties of undefined (reading 'priceCents')",
    stack:
      "TypeError: Cannot read properties of undefined (reading 'priceCents')\n    at cartTotal (cart.js:42:18)\n    at renderCart (cart.js:88:5)",
  },
  {
    name: "NetworkError",
    message: "Failed to fetch /api/orders: the network connection was lost",
    stack:
      "NetworkError: Failed to fetch /api/orders\n    at submitOrder (checkout.js:131:11)\n    at async onPay (checkout.js:210:3)",
  },
  {
    name: "PrinterError",
    message: "Receipt printer out of paper",
    stack: "PrinterError: Receipt printer out of paper\n    at print (printer.js:17:9)",
  },
];

/**
 * One batch of telemetry as the client app would send it: 1-8 events spread over the
 * last `spanMs`, oldest first, mostly page views and metrics, some log lines and now
 * and then an error. Every event fits the `client.telemetry` contract.
 */
export function telemetryBatch(
  random: Random,
  app: AppType,
  now: number,
  spanMs: number,
): TelemetryEvent[] {
  const count = random.int(1, 8);
  const times = Array.from({ length: count }, () => now - Math.floor(random.next() * spanMs)).sort(
    (a, b) => a - b,
  );
  return times.map((time): TelemetryEvent => {
    const at = new Date(time).toISOString();
    const roll = random.next();
    if (roll < 0.4) {
      const path = random.pick(PAGES[app]);
      return app === "web-shop" && random.chance(0.3)
        ? { type: "pageview", at, path, referrer: random.pick(REFERRERS) }
        : { type: "pageview", at, path };
    }
    if (roll < 0.75) {
      const metric = random.pick(METRICS[app]);
      const value = Math.round(random.between(metric.min, metric.max));
      return { type: "metric", at, name: metric.name, value, unit: metric.unit };
    }
    if (roll < 0.95) {
      const line = random.pick(LOGS[app]);
      return { type: "log", at, level: line.level, message: line.message };
    }
    const error = random.pick(ERRORS);
    return { type: "error", at, ...error, path: random.pick(PAGES[app]) };
  });
}

interface SimulatedClient {
  identity: ClientIdentity;
  random: Random;
  /** Set while the client is quiet: it sends nothing before this time (epoch ms). */
  quietUntil: number | undefined;
}

/**
 * The simulated client apps. Each beats every `HEARTBEAT_INTERVAL_MS` (±10 %; the
 * first beats are spread over one interval), sends a telemetry batch every
 * `TELEMETRY_INTERVAL_MS` (0.5-1.5×), and now and then goes quiet for a while, so
 * client-monitoring flips it offline and back online.
 */
export class Fleet {
  readonly #runtime: Runtime;
  readonly #clients: SimulatedClient[];

  constructor(runtime: Runtime) {
    this.#runtime = runtime;
    this.#clients = fleetIdentities(runtime.config).map((identity) => ({
      identity,
      random: runtime.random.fork(identity.clientId),
      quietUntil: undefined,
    }));
  }

  get identities(): ClientIdentity[] {
    return this.#clients.map((client) => client.identity);
  }

  /** The clients that are not quiet (the ones that can place orders now). */
  activeClients(): ClientIdentity[] {
    return this.#clients
      .filter((client) => client.quietUntil === undefined)
      .map((client) => client.identity);
  }

  start(): void {
    const { config, scheduler } = this.#runtime;
    const interval = config.HEARTBEAT_INTERVAL_MS;
    this.#clients.forEach((client, index) => {
      const stagger = (interval * index) / this.#clients.length;
      scheduler.after(stagger + client.random.between(0, interval * 0.1), () => this.#beat(client));
      const firstTelemetry = client.random.between(0.2, 1) * config.TELEMETRY_INTERVAL_MS;
      scheduler.after(firstTelemetry, () => this.#telemetry(client));
    });
  }

  #beat(client: SimulatedClient): void {
    const { config, scheduler, logger, stats } = this.#runtime;
    const interval = config.HEARTBEAT_INTERVAL_MS;
    scheduler.after(interval * client.random.between(0.9, 1.1), () => this.#beat(client));
    const { clientId, app } = client.identity;
    const now = Date.now();
    if (client.quietUntil !== undefined) {
      if (now < client.quietUntil) return;
      client.quietUntil = undefined;
      stats.quietSpellsEnded++;
      logger.info({ clientId, app }, "client sends again");
    } else if (
      this.#quietCount() < config.MAX_QUIET_CLIENTS &&
      client.random.chance(config.QUIET_CHANCE)
    ) {
      const forMs = Math.round(config.QUIET_DURATION_MS * client.random.between(1, 1.5));
      client.quietUntil = now + forMs;
      stats.quietSpells++;
      logger.info({ clientId, app, forMs }, "client goes quiet");
      return;
    }
    scheduler.run("heartbeat", () => this.#sendHeartbeat(client.identity));
  }

  /** The app's user agent, and its own token: it reports as itself (`clients:report`). */
  async #headers(identity: ClientIdentity): Promise<Record<string, string>> {
    return {
      "user-agent": userAgent(identity),
      authorization: await this.#runtime.authorization(identity.clientId, CLIENT_SCOPES),
    };
  }

  #quietCount(): number {
    return this.#clients.filter((client) => client.quietUntil !== undefined).length;
  }

  async #sendHeartbeat(identity: ClientIdentity): Promise<void> {
    const { config, http, logger, stats } = this.#runtime;
    const { clientId, app, version } = identity;
    const url = `${config.MONITORING_URL}/clients/${encodeURIComponent(clientId)}/heartbeat`;
    try {
      const response = await http.request(url, {
        method: "POST",
        body: { app, version },
        headers: await this.#headers(identity),
      });
      if (response.ok) {
        stats.heartbeatsSent++;
        logger.info({ clientId, app, version }, "heartbeat");
      } else {
        stats.heartbeatsFailed++;
        logger.warn(
          { clientId, status: response.status, error: errorCode(response.body) },
          "heartbeat refused",
        );
      }
    } catch (error) {
      if (error instanceof StoppedError) return;
      stats.heartbeatsFailed++;
      logger.warn({ clientId, error: String(error) }, "heartbeat failed");
    }
  }

  #telemetry(client: SimulatedClient): void {
    const { config, scheduler } = this.#runtime;
    const interval = config.TELEMETRY_INTERVAL_MS;
    scheduler.after(interval * client.random.between(0.5, 1.5), () => this.#telemetry(client));
    if (client.quietUntil !== undefined) return;
    const events = telemetryBatch(client.random, client.identity.app, Date.now(), interval);
    scheduler.run("telemetry", () => this.#sendTelemetry(client.identity, events));
  }

  async #sendTelemetry(identity: ClientIdentity, events: TelemetryEvent[]): Promise<void> {
    const { config, http, logger, stats } = this.#runtime;
    const { clientId, app } = identity;
    try {
      const response = await http.request(`${config.MONITORING_URL}/telemetry`, {
        method: "POST",
        body: { clientId, app, events },
        headers: await this.#headers(identity),
      });
      if (response.ok) {
        stats.telemetryBatches++;
        stats.telemetryEvents += events.length;
        const types = events.map((event) => event.type).join(",");
        logger.info({ clientId, app, events: events.length, types }, "telemetry sent");
      } else {
        stats.telemetryFailed++;
        logger.warn(
          { clientId, status: response.status, error: errorCode(response.body) },
          "telemetry refused",
        );
      }
    } catch (error) {
      if (error instanceof StoppedError) return;
      stats.telemetryFailed++;
      logger.warn({ clientId, error: String(error) }, "telemetry failed");
    }
  }
}

/** What a real app of this kind would send as its user agent. */
export function userAgent(identity: ClientIdentity): string {
  return `retail-${identity.app}/${identity.version} (${identity.clientId})`;
}

/** The `error.code` of the kit's error body, if the body is one. */
export function errorCode(body: unknown): string | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const { error } = body as { error?: unknown };
  if (typeof error !== "object" || error === null) return undefined;
  const { code } = error as { code?: unknown };
  return typeof code === "string" ? code : undefined;
}
