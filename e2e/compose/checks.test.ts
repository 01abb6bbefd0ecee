import { describe, expect, it } from "vitest";
import { shipmentDisagreement } from "./checks.js";

const shipment = (status: string) => ({ shipmentId: `shp-${status}`, status });

describe("shipmentDisagreement", () => {
  it("accepts a delivered or failed order with a shipment of the same status, a cancelled one with a cancelled shipment or none", () => {
    expect(shipmentDisagreement("delivered", [shipment("delivered")])).toBeUndefined();
    expect(shipmentDisagreement("failed", [shipment("failed")])).toBeUndefined();
    expect(shipmentDisagreement("cancelled", [shipment("cancelled")])).toBeUndefined();
    expect(shipmentDisagreement("cancelled", [])).toBeUndefined();
  });

  it("names an order whose shipment went another way, is missing, or is not alone", () => {
    expect(shipmentDisagreement("cancelled", [shipment("delivered")])).toBe(
      "cancelled order, shipment delivered",
    );
    expect(shipmentDisagreement("delivered", [])).toBe("delivered order, shipment missing");
    expect(shipmentDisagreement("failed", [shipment("cancelled")])).toBe(
      "failed order, shipment cancelled",
    );
    expect(shipmentDisagreement("delivered", [shipment("delivered"), shipment("pending")])).toBe(
      "2 shipments",
    );
    expect(shipmentDisagreement("reserved", [shipment("pending")])).toBe("order still reserved");
  });
});
