import { defineError } from "@retail/service-kit";

/** No shipment has this id. */
export const ShipmentNotFoundError = defineError("shipment_not_found", 404, "No such shipment");

/** The shipment is not in the status the step needs; `details.status` is the one it is in. */
export const InvalidShipmentStateError = defineError(
  "invalid_shipment_state",
  409,
  "The shipment is not in a state that allows this",
);
