import { randomUUID } from "node:crypto";
import type { DirectChannel } from "@retail/bus";
import { errorBodySchema, type RoutesPlugin, type SseHub } from "@retail/service-kit";
import { z } from "zod";
import { ClientNotConnectedError, ClientNotFoundError } from "../errors.js";
import {
  appVersionSchema,
  type ClientMessage,
  clientAppSchema,
  clientIdSchema,
  eventStreamResponse,
} from "../schemas.js";
import type { ClientRegistry } from "../store/clients.js";

const clientParams = z.object({ clientId: clientIdSchema });

const clientSchema = z.object({
  clientId: z.string(),
  app: clientAppSchema,
  version: z.string(),
  status: z.enum(["online", "offline"]),
  lastSeen: z.string().describe("When its last heartbeat arrived (ISO 8601, UTC)."),
});

export interface ClientRoutesDependencies {
  clients: ClientRegistry;
  /** Pub/Sub channel `direct:client-messages:<clientId>`. */
  messages: DirectChannel<ClientMessage>;
  hub: SseHub;
}

/** Heartbeats, the client list, and direct messages to connected client apps. */
export function clientRoutes({ clients, messages, hub }: ClientRoutesDependencies): RoutesPlugin {
  return async (app) => {
    app.post(
      "/clients/:clientId/heartbeat",
      {
        schema: {
          tags: ["clients"],
          summary: "Record a client app's heartbeat",
          description:
            "The first heartbeat of a client, or the first after it went offline, publishes client.online.",
          params: clientParams,
          body: z.object({ app: clientAppSchema, version: appVersionSchema }),
          response: {
            204: z.null().describe("Heartbeat recorded"),
            400: errorBodySchema,
          },
        },
      },
      async (request, reply) => {
        const { clientId } = request.params;
        const cameOnline = await clients.heartbeat({ clientId, ...request.body }, request.id);
        if (cameOnline) request.log.info({ clientId, app: request.body.app }, "client came online");
        return reply.code(204).send(null);
      },
    );

    app.get(
      "/clients",
      {
        schema: {
          tags: ["clients"],
          summary: "List the known client apps, most recently seen first",
          querystring: z.object({
            limit: z.coerce.number().int().min(1).max(1000).default(1000),
          }),
          response: { 200: z.array(clientSchema), 400: errorBodySchema },
        },
      },
      async (request) => clients.list(request.query.limit),
    );

    app.get(
      "/clients/:clientId",
      {
        schema: {
          tags: ["clients"],
          summary: "One client app",
          params: clientParams,
          response: { 200: clientSchema, 400: errorBodySchema, 404: errorBodySchema },
        },
      },
      async (request) => {
        const client = await clients.get(request.params.clientId);
        if (!client) throw new ClientNotFoundError(`No client ${request.params.clientId}`);
        return client;
      },
    );

    app.post(
      "/clients/:clientId/messages",
      {
        schema: {
          tags: ["clients"],
          summary: "Send a message to a connected client app",
          description:
            "Published on the client's Pub/Sub channel; `delivered` is how many client-monitoring instances have the client's stream open. 404 client_not_connected when none has.",
          params: clientParams,
          body: z.object({ text: z.string().min(1).max(2000) }),
          response: {
            202: z.object({ delivered: z.number().int() }),
            400: errorBodySchema,
            404: errorBodySchema,
          },
        },
      },
      async (request, reply) => {
        const { clientId } = request.params;
        const delivered = await messages.send(clientId, {
          id: randomUUID(),
          clientId,
          text: request.body.text,
          sentAt: new Date().toISOString(),
          correlationId: request.id,
        });
        if (delivered === 0)
          throw new ClientNotConnectedError(`Client ${clientId} has no open message stream`);
        return reply.code(202).send({ delivered });
      },
    );

    app.get(
      "/clients/:clientId/stream",
      {
        schema: {
          tags: ["clients"],
          summary: "A client app's message stream (server-sent events)",
          description:
            "Each message sent to the client arrives as `event: message`, `id: <message id>`, `data: {id, clientId, text, sentAt, correlationId}`. A `: connected` comment follows the `retry:` line once the stream listens.",
          params: clientParams,
          response: {
            200: eventStreamResponse("The client's messages, as they are sent"),
            400: errorBodySchema,
          },
        },
      },
      async (request, reply) => {
        const { clientId } = request.params;
        const connection = hub.open(request, reply);
        let stop: () => Promise<void>;
        try {
          stop = await messages.listen(clientId, (message) =>
            connection.send("message", message.id, message),
          );
        } catch (error) {
          request.log.warn({ err: error, clientId }, "could not listen for the client's messages");
          connection.close();
          return;
        }
        connection.onClose(() => {
          stop().catch((error) =>
            request.log.warn({ err: error, clientId }, "could not stop listening"),
          );
        });
        connection.comment("connected");
      },
    );
  };
}
