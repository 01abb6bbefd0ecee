import type { Bus } from "@retail/bus";
import type { RetailCatalog } from "@retail/contracts";
import { errorBodySchema, perMinuteLimit, type RoutesPlugin } from "@retail/service-kit";
import { z } from "zod";
import { ClientNotFoundError } from "../errors.js";
import { clientAppSchema, clientIdSchema, telemetryEventsSchema } from "../schemas.js";
import type { ClientRegistry } from "../store/clients.js";
import { assertReportsAs } from "./clients.js";

export interface TelemetryRoutesDependencies {
  bus: Bus<RetailCatalog>;
  clients: ClientRegistry;
  bodyLimitBytes: number;
  /** Batches per client and minute; 0: no limit of the route's own. */
  batchesPerMinute: number;
}

/** Batches of errors, metrics, log lines and page views from client apps, each as itself. */
export function telemetryRoutes({
  bus,
  clients,
  bodyLimitBytes,
  batchesPerMinute,
}: TelemetryRoutesDependencies): RoutesPlugin {
  return async (app) => {
    app.post(
      "/telemetry",
      {
        bodyLimit: bodyLimitBytes,
        config: {
          scope: "clients:report",
          rateLimit: perMinuteLimit(batchesPerMinute, "clients:admin"),
        },
        schema: {
          tags: ["telemetry"],
          summary: "Send a batch of telemetry from a client app",
          description:
            "Published as one client.telemetry event. `app` may be left out once the client has sent a heartbeat. At most 100 events per batch; bodies over TELEMETRY_BODY_LIMIT_BYTES (64 KiB by default) get 413. A client app reports only as itself: clientId must be the token's subject (403 client_mismatch), unless the token holds clients:admin.",
          body: z.object({
            clientId: clientIdSchema,
            app: clientAppSchema
              .optional()
              .describe("Which kind of client app it is. Default: the app of its last heartbeat."),
            events: telemetryEventsSchema,
          }),
          response: {
            202: z.object({ accepted: z.number().int() }),
            400: errorBodySchema,
            403: errorBodySchema,
            404: errorBodySchema,
            413: errorBodySchema,
            429: errorBodySchema,
          },
        },
      },
      async (request, reply) => {
        const { clientId, events } = request.body;
        assertReportsAs(request.principal, clientId);
        const app = request.body.app ?? (await clients.get(clientId))?.app;
        if (!app)
          throw new ClientNotFoundError(
            `No client ${clientId}: send a heartbeat first, or say which app it is`,
          );
        await bus.publish(
          "client.telemetry",
          { clientId, app, events, receivedAt: new Date().toISOString() },
          { correlationId: request.id },
        );
        return reply.code(202).send({ accepted: events.length });
      },
    );
  };
}
