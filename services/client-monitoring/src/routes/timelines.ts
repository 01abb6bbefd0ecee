import type { RedisClient } from "@retail/bus";
import { errorBodySchema, type RoutesPlugin } from "@retail/service-kit";
import { z } from "zod";
import { OrderNotFoundError } from "../errors.js";
import { orderIdSchema } from "../schemas.js";
import { readTimeline, timelineEventSchema } from "../store/timelines.js";

/**
 * Order timelines: an order's events with the latency of each hop, for operators
 * (`ops:read`). A hop carries no payload, so no personal data to mask.
 */
export function timelineRoutes(redis: RedisClient): RoutesPlugin {
  return async (app) => {
    app.get(
      "/orders/:orderId/timeline",
      {
        config: { scope: "ops:read" },
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
  };
}
