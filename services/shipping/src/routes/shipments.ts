import { fields } from "@retail/contracts";
import { errorBodySchema, type RoutesPlugin } from "@retail/service-kit";
import { z } from "zod";
import { InvalidShipmentStateError, ShipmentNotFoundError } from "../errors.js";
import type { Step } from "../keys.js";
import { publicView, shipmentSchema } from "../shipment.js";
import { type ShipmentStore, STEP_RULES } from "../store/shipments.js";

const shipmentParams = z.object({ id: fields.id("The shipment's id.") });
const listQuery = z.object({ orderId: fields.id("The order whose shipment to list.") });
const headers = z.object({
  "x-correlation-id": z
    .string()
    .optional()
    .describe("Correlation id of the request, echoed in the response; generated when absent."),
});
// The step routes take no input besides the id; an empty JSON object is accepted too.
const noBody = z.object({}).nullish().describe("None; an empty JSON object is accepted.");
/**
 * Every route is for the warehouse and the carrier's integration, never for customers:
 * a shipment names no customer, so it could not be scoped to one (customers follow
 * their order through inventory and notifications instead).
 */
const STAFF_ONLY = { scope: "shipping:operate" } as const;

/** The HTTP API: read shipments, and take the carrier's steps by hand. */
export function shipmentRoutes(store: ShipmentStore): RoutesPlugin {
  return async (app) => {
    app.get(
      "/shipments/:id",
      {
        config: STAFF_ONLY,
        schema: {
          summary: "One shipment",
          tags: ["shipments"],
          params: shipmentParams,
          headers,
          response: {
            200: shipmentSchema,
            400: errorBodySchema,
            401: errorBodySchema,
            403: errorBodySchema,
            404: errorBodySchema,
          },
        },
      },
      async (request) => {
        const shipment = await store.get(request.params.id);
        if (!shipment) throw notFound(request.params.id);
        return publicView(shipment);
      },
    );

    app.get(
      "/shipments",
      {
        config: STAFF_ONLY,
        schema: {
          summary: "The shipments of an order (none or one)",
          tags: ["shipments"],
          querystring: listQuery,
          headers,
          response: {
            200: z.array(shipmentSchema),
            400: errorBodySchema,
            401: errorBodySchema,
            403: errorBodySchema,
          },
        },
      },
      async (request) => {
        const shipment = await store.findByOrder(request.query.orderId);
        return shipment ? [publicView(shipment)] : [];
      },
    );

    for (const step of ["dispatch", "deliver"] as const satisfies readonly Step[]) {
      const rule = STEP_RULES[step];
      app.post(
        `/shipments/:id/${step}`,
        {
          config: STAFF_ONLY,
          schema: {
            summary: `Mark a ${rule.from} shipment ${rule.to} by hand`,
            description: `Takes the carrier's step now instead of waiting for its timer; the timers are rescheduled. 409 \`invalid_shipment_state\` unless the shipment is ${rule.from}.`,
            tags: ["shipments"],
            params: shipmentParams,
            body: noBody,
            headers,
            response: {
              200: shipmentSchema,
              400: errorBodySchema,
              401: errorBodySchema,
              403: errorBodySchema,
              404: errorBodySchema,
              409: errorBodySchema,
            },
          },
        },
        async (request) => {
          const { id } = request.params;
          const shipment = await store.get(id);
          if (!shipment) throw notFound(id);
          const result = await store.advance(shipment, step);
          switch (result.outcome) {
            case "applied":
              request.log.info(
                { shipmentId: id, orderId: shipment.orderId, status: rule.to },
                `shipment ${rule.to} by hand`,
              );
              return publicView(result.shipment);
            case "wrong_state":
              throw new InvalidShipmentStateError(
                `Shipment ${id} is ${result.status}; only a ${rule.from} shipment can be marked ${rule.to}`,
                { details: { shipmentId: id, status: result.status, expected: rule.from } },
              );
            default:
              throw notFound(id);
          }
        },
      );
    }
  };
}

function notFound(shipmentId: string) {
  return new ShipmentNotFoundError(`No shipment ${shipmentId}`, { details: { shipmentId } });
}
