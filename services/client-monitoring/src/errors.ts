import { defineError, TOO_MANY_STREAMS_RETRY_AFTER_SECONDS } from "@retail/service-kit";

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
/**
 * 429: the caller already holds `SSE_MAX_STREAMS_PER_PRINCIPAL` streams on this
 * instance; one of them must close first. `Retry-After` as for the instance's own cap.
 * The same code as notifications' until the kit has a per-caller cap.
 */
export const TooManyPrincipalStreamsError = defineError(
  "too_many_principal_streams",
  429,
  "Too many streams open for this caller; close one and retry",
  { retryAfterSeconds: TOO_MANY_STREAMS_RETRY_AFTER_SECONDS },
);
