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
