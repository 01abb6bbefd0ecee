import { errorBodySchema, type RoutesPlugin } from "@retail/service-kit";
import { z } from "zod";
import { alertSchema } from "../schemas.js";
import type { AlertBook } from "../store/alerts.js";

/** The alerts raised, newest first. */
export function alertRoutes(alerts: AlertBook): RoutesPlugin {
  return async (app) => {
    app.get(
      "/alerts",
      {
        config: { scope: "ops:read" },
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
