import { defineError } from "@retail/service-kit";

/** No shipment has this id. */
export const ShipmentNotFoundError = defineError("shipment_not_found", 404, "No such shipment");

/** The shipment is not in the status the step needs; `details.status` is the one it is in. */
export const InvalidShipmentStateError = defineError(
  "invalid_shipment_state",
  409,
  "The shipment is not in a state that allows this",
);

/**
 * A cancel request found its shipment moving on at every look (a move that cannot
 * repeat, so this should not happen): thrown by the handler, the bus retries it.
 */
export const CancelUndecidedError = defineError(
  "cancel_undecided",
  500,
  "The cancel request could not be decided",
);
