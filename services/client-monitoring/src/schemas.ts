import { catalog, fields, topicNames } from "@retail/contracts";
import { z } from "zod";

/** The contracts' field schemas, so the HTTP API accepts exactly what the events carry. */
export const clientIdSchema = fields.clientId();
export const clientAppSchema = fields.clientApp();
export const appVersionSchema = fields.appVersion();
export const orderIdSchema = fields.orderId();
export const telemetryEventsSchema = catalog["client.telemetry"].schema.shape.events;
export const alertSchema = catalog["alert.raised"].schema;

const topicName = z.enum(topicNames as [string, ...string[]]);

/** `?topic=a&topic=b,c`: one or more topic names, repeated or comma-separated. */
export const topicFilterSchema = z
  .union([z.string(), z.array(z.string())])
  .transform((value) =>
    (Array.isArray(value) ? value : [value])
      .flatMap((item) => item.split(","))
      .map((item) => item.trim())
      .filter((item) => item !== ""),
  )
  .pipe(z.array(topicName).max(topicNames.length * 2))
  .describe("Only these topics: repeat the parameter or separate names with commas.");

/**
 * The compact view of an event that the live feed carries between instances (Pub/Sub
 * broadcast) and sends to SSE clients.
 */
export const eventViewSchema = z.object({
  id: z.string(),
  type: z.string(),
  source: z.string(),
  occurredAt: z.string(),
  correlationId: z.string(),
  causationId: z.string().optional(),
  partitionKey: z.string(),
  payload: z.unknown(),
});
export type EventView = z.output<typeof eventViewSchema>;

/** A direct message to one client app, sent through its Pub/Sub channel. */
export const clientMessageSchema = z.object({
  id: z.string(),
  clientId: z.string(),
  text: z.string().min(1).max(2000),
  sentAt: z.string(),
  correlationId: z.string(),
});
export type ClientMessage = z.output<typeof clientMessageSchema>;

/** Documents an SSE route in OpenAPI (the route writes the stream itself). */
export function eventStreamResponse(description: string) {
  return {
    description,
    content: {
      "text/event-stream": {
        schema: z
          .string()
          .describe(
            "Server-sent events: `event: <type>`, `id: <id>`, `data: <JSON>` per message; comment lines keep the connection open.",
          ),
      },
    },
  };
}
