import { fields } from "@retail/contracts";
import {
  errorBodySchema,
  type Principal,
  type RoutesPlugin,
  type SseHub,
} from "@retail/service-kit";
import { z } from "zod";
import { CustomerNotFoundError } from "../errors.js";
import { notificationSchema } from "../notification.js";
import type { Notifier } from "../notifier.js";
import type { NotificationStore } from "../store/notifications.js";

export interface NotificationRoutesDependencies {
  notifier: Notifier;
  store: NotificationStore;
  /** Capped per instance and per caller (429 `too_many_principal_streams`). */
  streams: SseHub;
}

const customerParams = z.object({ customerId: fields.customerId() });

/** Both routes need `orders:read`; {@link ensureActsFor} then keeps a customer to their own. */
const OWN_OR_STAFF = { scope: "orders:read" } as const;

/**
 * Refuse a caller who is not the customer (nor staff) as if the customer were unknown:
 * the same 404 whether or not they have notifications, so ids cannot be probed. Checked
 * before anything is read or taken.
 */
function ensureActsFor(request: { principal: Principal }, customerId: string): void {
  if (!request.principal.actsFor(customerId, "orders:all"))
    throw new CustomerNotFoundError(`No customer ${customerId}`, { details: { customerId } });
}

/** A customer's notifications: the live stream client apps connect to, and what is kept. */
export function notificationRoutes({
  notifier,
  store,
  streams,
}: NotificationRoutesDependencies): RoutesPlugin {
  return async (app) => {
    app.get(
      "/customers/:customerId/notifications",
      {
        config: OWN_OR_STAFF,
        schema: {
          tags: ["notifications"],
          summary: "A customer's notifications as server-sent events, for their client apps",
          description:
            "First the notifications kept while no app of the customer was connected (oldest first; they are taken, so they are not kept any more), then each new one as it is sent. Each arrives as `event: notification`, `id: <notification id>`, `data: <notification as JSON>`; a `: connected` comment follows the kept ones. The same notification may arrive twice: drop the copy by its id. Needs `orders:read`, as the customer themselves or with `orders:all`; another customer gets 404 `customer_not_found`. 429 `too_many_principal_streams` when the caller already holds `SSE_MAX_STREAMS_PER_PRINCIPAL` streams on this instance, 503 `too_many_streams` when this instance serves `SSE_MAX_STREAMS` streams.",
          params: customerParams,
          response: {
            200: {
              description: "The customer's notifications",
              content: {
                "text/event-stream": {
                  schema: z
                    .string()
                    .describe(
                      "Server-sent events: `event: notification`, `id: <id>`, `data: <JSON>` each; comment lines keep the stream open.",
                    ),
                },
              },
            },
            400: errorBodySchema,
            401: errorBodySchema,
            403: errorBodySchema,
            404: errorBodySchema,
            429: errorBodySchema,
            503: errorBodySchema,
          },
        },
      },
      async (request, reply) => {
        const { customerId } = request.params;
        ensureActsFor(request, customerId);
        const stream = streams.open(request, reply);
        try {
          await notifier.connect(customerId, stream);
        } catch (error) {
          request.log.warn({ err: error, customerId }, "could not connect the notification stream");
          stream.close();
        }
      },
    );

    app.get(
      "/customers/:customerId/notifications/kept",
      {
        config: OWN_OR_STAFF,
        schema: {
          tags: ["notifications"],
          summary: "The notifications kept for a customer, left where they are",
          description:
            "What the customer's next connection will get first: notifications no app of theirs received, oldest first. Needs `orders:read`, as the customer themselves or with `orders:all`; another customer gets 404 `customer_not_found`.",
          params: customerParams,
          response: {
            200: z.object({
              customerId: z.string(),
              notifications: z.array(notificationSchema),
            }),
            400: errorBodySchema,
            401: errorBodySchema,
            403: errorBodySchema,
            404: errorBodySchema,
          },
        },
      },
      async (request) => {
        const { customerId } = request.params;
        ensureActsFor(request, customerId);
        return { customerId, notifications: await store.list(customerId) };
      },
    );
  };
}
