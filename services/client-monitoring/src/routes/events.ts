import { errorBodySchema, type RoutesPlugin, type SseHub } from "@retail/service-kit";
import { z } from "zod";
import type { LiveFeed } from "../live-feed.js";
import { eventStreamResponse, orderIdSchema, topicFilterSchema } from "../schemas.js";

export interface EventRoutesDependencies {
  feed: LiveFeed;
  /** Capped per instance and per caller. */
  streams: SseHub;
}

/**
 * The live event feed: every event of every topic, as server-sent events, for operators
 * (`ops:read`); names and addresses only for `pii:read`, masked for everybody else.
 */
export function eventRoutes({ feed, streams }: EventRoutesDependencies): RoutesPlugin {
  return async (app) => {
    app.get(
      "/events/stream",
      {
        config: { scope: "ops:read" },
        schema: {
          tags: ["events"],
          summary: "Every event of every topic as it happens (server-sent events)",
          description:
            "Each event arrives as `event: <topic>`, `id: <event id>`, `data: {id, type, source, occurredAt, correlationId, causationId, partitionKey, payload}`, whichever instance handled it. The payload's personal data (names, addresses) is masked unless the token holds pii:read. A `: connected` comment follows the `retry:` line once the stream listens. 429 too_many_principal_streams / 503 too_many_streams (Retry-After) when the caller's or the instance's streams are at their cap.",
          querystring: z.object({
            topic: topicFilterSchema.optional(),
            orderId: orderIdSchema
              .optional()
              .describe("Only events whose correlation id or payload.orderId is this order id."),
          }),
          response: {
            200: eventStreamResponse("The events, as they are handled"),
            400: errorBodySchema,
            429: errorBodySchema,
            503: errorBodySchema,
          },
        },
      },
      async (request, reply) => {
        const { topic, orderId } = request.query;
        const connection = streams.open(request, reply);
        try {
          await feed.attach(connection, {
            filter: { topics: new Set(topic ?? []), orderId },
            personalData: request.principal.has("pii:read"),
          });
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
