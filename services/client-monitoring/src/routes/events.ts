import type { Bus } from "@retail/bus";
import type { RetailCatalog } from "@retail/contracts";
import { errorBodySchema, type RoutesPlugin } from "@retail/service-kit";
import type { Redis } from "ioredis";
import { z } from "zod";
import type { AlertBook } from "./alerts.js";
import { OrderNotFoundError } from "./errors.js";
import type { LiveFeed } from "./live-feed.js";
import { alertSchema, eventStreamResponse, orderIdSchema, topicFilterSchema } from "./schemas.js";
import type { SseHub } from "./sse.js";
import { collectStats, statsSchema } from "./stats.js";
import { readTimeline, timelineEventSchema } from "./timeline.js";

export interface EventRoutesDependencies {
  bus: Bus<RetailCatalog>;
  redis: Redis;
  feed: LiveFeed;
  alerts: AlertBook;
  hub: SseHub;
}

/** The live event feed, order timelines, bus statistics and alerts. */
export function eventRoutes({
  bus,
  redis,
  feed,
  alerts,
  hub,
}: EventRoutesDependencies): RoutesPlugin {
  return async (app) => {
    app.get(
      "/events/stream",
      {
        schema: {
          tags: ["events"],
          summary: "Every event of every topic as it happens (server-sent events)",
          description:
            "Each event arrives as `event: <topic>`, `id: <event id>`, `data: {id, type, source, occurredAt, correlationId, causationId, partitionKey, payload}`, whichever instance handled it. A `: connected` comment follows the `retry:` line once the stream listens.",
          querystring: z.object({
            topic: topicFilterSchema.optional(),
            orderId: orderIdSchema
              .optional()
              .describe("Only events whose correlation id or payload.orderId is this order id."),
          }),
          response: {
            200: eventStreamResponse("The events, as they are handled"),
            400: errorBodySchema,
          },
        },
      },
      async (request, reply) => {
        const { topic, orderId } = request.query;
        const connection = hub.open(request, reply);
        try {
          await feed.attach(connection, { topics: new Set(topic ?? []), orderId });
        } catch (error) {
          request.log.warn({ err: error }, "could not join the live feed");
          connection.close();
          return;
        }
        connection.ready();
      },
    );

    app.get(
      "/orders/:orderId/timeline",
      {
        schema: {
          tags: ["events"],
          summary: "An order's events in the order they happened, with each hop's latency",
          params: z.object({ orderId: orderIdSchema }),
          response: {
            200: z.object({ orderId: z.string(), events: z.array(timelineEventSchema) }),
            400: errorBodySchema,
            404: errorBodySchema,
          },
        },
      },
      async (request) => {
        const { orderId } = request.params;
        const events = await readTimeline(redis, orderId);
        if (events.length === 0) throw new OrderNotFoundError(`No event of order ${orderId}`);
        return { orderId, events };
      },
    );

    app.get(
      "/stats",
      {
        schema: {
          tags: ["events"],
          summary: "Streams, consumer groups and dead letters of every topic",
          response: { 200: statsSchema },
        },
      },
      async () => collectStats(bus, redis),
    );

    app.get(
      "/alerts",
      {
        schema: {
          tags: ["alerts"],
          summary: "The most recent alerts, newest first",
          querystring: z.object({
            limit: z.coerce
              .number()
              .int()
              .min(1)
              .max(alerts.keptCount)
              .default(Math.min(50, alerts.keptCount)),
          }),
          response: { 200: z.array(alertSchema), 400: errorBodySchema },
        },
      },
      async (request) => alerts.recent(request.query.limit),
    );
  };
}
