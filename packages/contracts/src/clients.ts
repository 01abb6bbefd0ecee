import { z } from "zod";
import { appVersion, clientApp, clientId, text, timestamp } from "./fields.js";
import { defineTopic } from "./topic.js";

const MAX_TELEMETRY_EVENTS = 100;
const DAY_MS = 24 * 60 * 60 * 1000;

export const clientOnline = defineTopic({
  name: "client.online",
  version: 1,
  description:
    "A client app (till, web shop, mobile) started sending heartbeats, or came back after being offline.",
  schema: z.object({
    clientId: clientId(),
    app: clientApp(),
    version: appVersion(),
    onlineAt: timestamp("When the first heartbeat arrived"),
  }),
  publisher: "client-monitoring",
  consumers: ["client-monitoring"],
  partitionKey: "clientId",
  example: {
    clientId: "till-berlin-03",
    app: "till",
    version: "4.2.0",
    onlineAt: "2025-03-14T08:00:01.000Z",
  },
  view: { summary: "{clientId} · {app} {version}", refreshes: ["clients"] },
});

export const clientOffline = defineTopic({
  name: "client.offline",
  version: 1,
  description:
    "A client app missed its heartbeats for longer than the offline timeout. Client-monitoring raises a client_offline alert.",
  schema: z.object({
    clientId: clientId(),
    app: clientApp(),
    version: appVersion(),
    lastSeenAt: timestamp("When its last heartbeat arrived"),
    offlineAt: timestamp("When it was declared offline"),
  }),
  publisher: "client-monitoring",
  consumers: ["client-monitoring"],
  partitionKey: "clientId",
  example: {
    clientId: "till-berlin-03",
    app: "till",
    version: "4.2.0",
    lastSeenAt: "2025-03-14T12:00:00.000Z",
    offlineAt: "2025-03-14T12:00:30.000Z",
  },
  view: {
    summary: "{clientId} · {app} {version} · last seen {lastSeenAt:time}",
    refreshes: ["clients"],
  },
});

const at = () => timestamp("When it happened on the client");

const telemetryEvent = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("error"),
    at: at(),
    message: text("The error message.", 2000),
    name: text("The error's class, e.g. `TypeError`.", 200).optional(),
    stack: text("The stack trace.", 8000).optional(),
    path: text("Page or screen where it happened.", 2048).optional(),
  }),
  z.object({
    type: z.literal("metric"),
    at: at(),
    name: text("The metric, e.g. `checkout.duration`.", 200),
    value: z.number().describe("The measured value."),
    unit: text("Unit of the value, e.g. `ms`.", 32).optional(),
  }),
  z.object({
    type: z.literal("log"),
    at: at(),
    level: z.enum(["debug", "info", "warn", "error"]).describe("Log level."),
    message: text("The log line.", 2000),
  }),
  z.object({
    type: z.literal("pageview"),
    at: at(),
    path: text("Page or screen shown.", 2048),
    referrer: text("Where the user came from.", 2048).optional(),
  }),
]);

export const clientTelemetry = defineTopic({
  name: "client.telemetry",
  version: 1,
  description: `A batch of errors, metrics, log lines and page views sent by a client app (at most ${MAX_TELEMETRY_EVENTS} events per batch). Kept for a day: it feeds live dashboards and alerts, not long-term analytics.`,
  schema: z.object({
    clientId: clientId(),
    app: clientApp(),
    events: z
      .array(telemetryEvent)
      .min(1)
      .max(MAX_TELEMETRY_EVENTS)
      .describe("The batch, oldest first."),
    receivedAt: timestamp("When client-monitoring received the batch"),
  }),
  publisher: "client-monitoring",
  consumers: ["client-monitoring"],
  partitionKey: "clientId",
  // A day, and at most ~5 000 batches: a flood from a client's credential (up to 64 KiB
  // a batch) holds at most ~320 MB, a third of the demo's maxmemory.
  retention: { maxAgeMs: DAY_MS, maxLength: 5_000 },
  example: {
    clientId: "web-7f3a9c",
    app: "web-shop",
    events: [
      {
        type: "pageview",
        at: "2025-03-14T09:25:40.100Z",
        path: "/cart",
        referrer: "/products/mug",
      },
      {
        type: "metric",
        at: "2025-03-14T09:26:52.900Z",
        name: "checkout.duration",
        value: 812,
        unit: "ms",
      },
      { type: "log", at: "2025-03-14T09:26:53.000Z", level: "info", message: "Order submitted." },
      {
        type: "error",
        at: "2025-03-14T09:26:53.700Z",
        name: "TypeError",
        message: "Cannot read properties of undefined (reading 'total')",
        path: "/checkout/done",
      },
    ],
    receivedAt: "2025-03-14T09:26:55.000Z",
  },
  view: {
    summary: "{clientId} · {app} · {events:count} telemetry events ({events:types})",
    refreshes: ["clients"],
  },
});

/** The client app topics, in catalog order: listing a topic here puts it in the catalog. */
export const clientTopics = [clientOnline, clientOffline, clientTelemetry] as const;
