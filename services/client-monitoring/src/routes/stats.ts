import type { Bus, RedisClient } from "@retail/bus";
import type { RetailCatalog } from "@retail/contracts";
import type { RoutesPlugin } from "@retail/service-kit";
import { collectStats, statsSchema } from "../store/stats.js";

/** Bus statistics: streams, consumer groups and dead letters of every topic. */
export function statsRoutes({
  bus,
  redis,
}: {
  bus: Bus<RetailCatalog>;
  redis: RedisClient;
}): RoutesPlugin {
  return async (app) => {
    app.get(
      "/stats",
      {
        config: { scope: "ops:read" },
        schema: {
          tags: ["events"],
          summary: "Streams, consumer groups and dead letters of every topic",
          response: { 200: statsSchema },
        },
      },
      async () => collectStats(bus, redis),
    );
  };
}
