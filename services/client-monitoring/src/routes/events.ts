import { errorBodySchema, type RoutesPlugin, type SseHub } from "@retail/service-kit";
import { z } from "zod";
import type { LiveFeed } from "../live-feed.js";
import { eventStreamResponse, orderIdSchema, topicFilterSchema } from "../schemas.js";

export interface EventRoutesDependencies {
  feed: LiveFeed;
  hub: SseHub;
}

/** The live event feed: every event of every topic, as server-sent events. */
export function eventRoutes({ feed, hub }: EventRoutesDependencies): RoutesPlugin {
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
        connection.comment("connected");
      },
    );
  };
}
