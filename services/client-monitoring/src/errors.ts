import { defineError } from "@retail/service-kit";

export const ClientNotFoundError = defineError("client_not_found", 404, "No such client");
export const ClientNotConnectedError = defineError(
  "client_not_connected",
  404,
  "The client has no live connection to any client-monitoring instance",
);
export const OrderNotFoundError = defineError(
  "order_not_found",
  404,
  "No event of this order is known",
);
/**
 * 403: a client app reported as another one (a path or body `clientId` that is not its
 * token's subject) without `clients:admin`; `details.field` names the field.
 */
export const ClientMismatchError = defineError(
  "client_mismatch",
  403,
  "A client app may report only as itself: clientId must be the token's subject",
);
