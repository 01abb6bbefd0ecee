import type { RetailPayloadInput, RetailTopicName } from "./catalog.js";

/**
 * One realistic payload per topic: the tests check that each passes its schema, and
 * the AsyncAPI document shows them. They follow one order, `ord-1042`, through its
 * saga, so that ids and times agree across topics.
 */
export const examplePayloads: { readonly [T in RetailTopicName]: RetailPayloadInput<T> } = {
  "order.placed": {
    orderId: "ord-1042",
    customerId: "cus-77",
    lines: [
      { sku: "TSHIRT-BLK-M", quantity: 2, unitPriceCents: 1999 },
      { sku: "MUG-WHT", quantity: 1, unitPriceCents: 899 },
    ],
    totalCents: 4897,
    shippingAddress: {
      name: "Ada Lovelace",
      line1: "12 St James's Square",
      city: "London",
      postalCode: "SW1Y 4JH",
      country: "GB",
    },
    placedAt: "2025-03-14T09:26:53.589Z",
  },
  "order.rejected": {
    orderId: "ord-1043",
    customerId: "cus-78",
    reason: "out_of_stock",
    lines: [{ sku: "MUG-WHT", requested: 5, available: 2 }],
    rejectedAt: "2025-03-14T09:27:10.002Z",
  },
  "order.cancel-requested": {
    orderId: "ord-1044",
    reason: "Customer ordered the wrong size.",
    requestedAt: "2025-03-14T09:29:59.870Z",
  },
  "order.cancelled": {
    orderId: "ord-1044",
    reason: "Customer ordered the wrong size.",
    cancelledAt: "2025-03-14T09:30:00.000Z",
  },
  "order.cancel-refused": {
    orderId: "ord-1046",
    reason: "already_dispatched",
    refusedAt: "2025-03-14T10:15:00.240Z",
  },
  "order.failed": {
    orderId: "ord-1045",
    reason: "unsupported_country",
    failedAt: "2025-03-14T09:31:12.480Z",
  },
  "order.delivered": {
    orderId: "ord-1042",
    shipmentId: "shp-5001",
    deliveredAt: "2025-03-15T14:02:40.000Z",
  },
  "stock.restocked": {
    sku: "MUG-WHT",
    quantity: 48,
    available: 50,
    restockedAt: "2025-03-14T11:00:00.000Z",
  },
  "stock.low": {
    sku: "TSHIRT-BLK-M",
    available: 3,
    threshold: 5,
    detectedAt: "2025-03-14T09:26:53.589Z",
  },
  "reservation.committed": {
    orderId: "ord-1042",
    lines: [
      { sku: "TSHIRT-BLK-M", quantity: 2 },
      { sku: "MUG-WHT", quantity: 1 },
    ],
    committedAt: "2025-03-14T10:15:00.120Z",
  },
  "reservation.released": {
    orderId: "ord-1044",
    lines: [{ sku: "TSHIRT-BLK-M", quantity: 1 }],
    reason: "order_cancelled",
    releasedAt: "2025-03-14T09:30:00.000Z",
  },
  "shipment.created": {
    shipmentId: "shp-5001",
    orderId: "ord-1042",
    carrier: "dhl",
    trackingNumber: "JD014600006281230704",
    destinationCountry: "GB",
    createdAt: "2025-03-14T09:26:54.031Z",
  },
  "shipment.dispatched": {
    shipmentId: "shp-5001",
    orderId: "ord-1042",
    carrier: "dhl",
    trackingNumber: "JD014600006281230704",
    dispatchedAt: "2025-03-14T10:15:00.000Z",
  },
  "shipment.delivered": {
    shipmentId: "shp-5001",
    orderId: "ord-1042",
    carrier: "dhl",
    trackingNumber: "JD014600006281230704",
    deliveredAt: "2025-03-15T14:02:40.000Z",
  },
  "shipment.cancelled": {
    shipmentId: "shp-5003",
    orderId: "ord-1044",
    reason: "order_cancelled",
    cancelledAt: "2025-03-14T09:30:00.210Z",
  },
  "shipment.cancel-refused": {
    shipmentId: "shp-5006",
    orderId: "ord-1046",
    reason: "already_dispatched",
    status: "dispatched",
    refusedAt: "2025-03-14T10:15:00.180Z",
  },
  "shipment.failed": {
    shipmentId: "shp-5004",
    orderId: "ord-1045",
    reason: "unsupported_country",
    failedAt: "2025-03-14T09:31:12.300Z",
  },
  "client.online": {
    clientId: "till-berlin-03",
    app: "till",
    version: "4.2.0",
    onlineAt: "2025-03-14T08:00:01.000Z",
  },
  "client.offline": {
    clientId: "till-berlin-03",
    app: "till",
    version: "4.2.0",
    lastSeenAt: "2025-03-14T12:00:00.000Z",
    offlineAt: "2025-03-14T12:00:30.000Z",
  },
  "client.telemetry": {
    clientId: "web-7f3a9c",
    app: "web-shop",
    events: [
      {
        type: "pageview",
        at: "2025-03-14T09:25:40.100Z",
        path: "/cart",
        referrer: "/products/mug",
      },
      {
        type: "metric",
        at: "2025-03-14T09:26:52.900Z",
        name: "checkout.duration",
        value: 812,
        unit: "ms",
      },
      { type: "log", at: "2025-03-14T09:26:53.000Z", level: "info", message: "Order submitted." },
      {
        type: "error",
        at: "2025-03-14T09:26:53.700Z",
        name: "TypeError",
        message: "Cannot read properties of undefined (reading 'total')",
        path: "/checkout/done",
      },
    ],
    receivedAt: "2025-03-14T09:26:55.000Z",
  },
  "alert.raised": {
    alertId: "alt-301",
    kind: "client_offline",
    severity: "warning",
    subject: "till-berlin-03",
    message: "Till till-berlin-03 has sent no heartbeat for 30 s.",
    raisedAt: "2025-03-14T12:00:30.050Z",
  },
};
