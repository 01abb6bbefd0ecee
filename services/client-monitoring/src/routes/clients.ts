import { randomUUID } from "node:crypto";
import type { DirectChannel } from "@retail/bus";
import {
  errorBodySchema,
  type Principal,
  type RoutesPlugin,
  type SseHub,
} from "@retail/service-kit";
import { z } from "zod";
import { ClientMismatchError, ClientNotConnectedError, ClientNotFoundError } from "../errors.js";
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
  /** Capped per instance and per caller. */
  streams: SseHub;
}

/**
 * Throws `client_mismatch` (403) unless `principal` may report as `clientId`: it is that
 * client app (the token's subject), or it holds `clients:admin`.
 */
export function assertReportsAs(principal: Principal, clientId: string): void {
  if (!principal.actsFor(clientId, "clients:admin"))
    throw new ClientMismatchError(
      `This token reports as ${principal.subject}, not as ${clientId}`,
      { details: { field: "clientId" } },
    );
}

/**
 * Heartbeats and the message stream of a client app, as itself (`clients:report`); the
 * client list and direct messages, for operators (`clients:admin`).
 */
export function clientRoutes({
  clients,
  messages,
  streams,
}: ClientRoutesDependencies): RoutesPlugin {
  return async (app) => {
    app.post(
      "/clients/:clientId/heartbeat",
      {
        config: { scope: "clients:report" },
        schema: {
          tags: ["clients"],
          summary: "Record a client app's heartbeat",
          description:
            "The first heartbeat of a client, or the first after it went offline, publishes client.online. A client app reports only as itself: clientId must be the token's subject (403 client_mismatch), unless the token holds clients:admin.",
          params: clientParams,
          body: z.object({ app: clientAppSchema, version: appVersionSchema }),
          response: {
            204: z.null().describe("Heartbeat recorded"),
            400: errorBodySchema,
            403: errorBodySchema,
          },
        },
      },
      async (request, reply) => {
        const { clientId } = request.params;
        assertReportsAs(request.principal, clientId);
        const cameOnline = await clients.heartbeat({ clientId, ...request.body }, request.id);
        if (cameOnline) request.log.info({ clientId, app: request.body.app }, "client came online");
        return reply.code(204).send(null);
      },
    );

    app.get(
      "/clients",
      {
        config: { scope: "clients:admin" },
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
        config: { scope: "clients:admin" },
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
        config: { scope: "clients:admin" },
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
        config: { scope: "clients:report" },
        schema: {
          tags: ["clients"],
          summary: "A client app's message stream (server-sent events)",
          description:
            "Each message sent to the client arrives as `event: message`, `id: <message id>`, `data: {id, clientId, text, sentAt, correlationId}`. A `: connected` comment follows the `retry:` line once the stream listens. Only the client app itself (the token's subject) or a clients:admin token may listen; another gets 404 client_not_found. 429 too_many_principal_streams / 503 too_many_streams (Retry-After) when the caller's or the instance's streams are at their cap.",
          params: clientParams,
          response: {
            200: eventStreamResponse("The client's messages, as they are sent"),
            400: errorBodySchema,
            404: errorBodySchema,
            429: errorBodySchema,
            503: errorBodySchema,
          },
        },
      },
      async (request, reply) => {
        const { clientId } = request.params;
        // Another client's stream is answered as an unknown one, so ids cannot be probed.
        if (!request.principal.actsFor(clientId, "clients:admin"))
          throw new ClientNotFoundError(`No client ${clientId}`);
        const connection = streams.open(request, reply);
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
