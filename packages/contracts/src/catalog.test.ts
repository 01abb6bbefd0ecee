import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  catalog,
  examplePayloads,
  type RetailTopicName,
  topicNames,
  topicsConsumedBy,
  topicsPublishedBy,
} from "./catalog.js";
import {
  defineTopic,
  domainOf,
  partitionKeyOf,
  partitionsOf,
  retentionOf,
  SERVICE_NAMES,
  type ShownTopic,
} from "./topic.js";
import { renderSummary, SUMMARY_FORMATS, summaryPlaceholders, valueAt } from "./topic-view.js";

type Payload = Record<string, unknown>;

/** A deep copy of a topic's example with one change applied. */
function exampleWith(name: RetailTopicName, change: (payload: Payload) => void): Payload {
  const payload = structuredClone(examplePayloads[name]) as Payload;
  change(payload);
  return payload;
}

function accepts(name: RetailTopicName, payload: unknown): boolean {
  return catalog[name].schema.safeParse(payload).success;
}

describe("catalog", () => {
  it.each(topicNames)("%s is published by exactly one of the services", (name) => {
    const publishers = SERVICE_NAMES.filter((service) => catalog[name].publisher === service);
    expect(publishers).toHaveLength(1);
  });

  it.each(topicNames)("%s lists only known services as consumers, each once", (name) => {
    const consumers: readonly string[] = catalog[name].consumers;
    expect(consumers.length).toBeGreaterThan(0);
    expect(new Set(consumers).size).toBe(consumers.length);
    for (const consumer of consumers) expect(SERVICE_NAMES).toContain(consumer);
  });

  it.each(topicNames)("%s is consumed by client-monitoring, which watches every topic", (name) => {
    expect(topicsConsumedBy("client-monitoring")).toContain(name);
  });

  it.each(topicNames)("%s is version 1 and named for its event", (name) => {
    expect(catalog[name].name).toBe(name);
    expect(catalog[name].version).toBe(1);
    expect(catalog[name].description.length).toBeGreaterThan(20);
  });

  it("splits order.placed into 4 partitions and every other topic into 1", () => {
    for (const name of topicNames) {
      expect(partitionsOf(catalog[name]), name).toBe(name === "order.placed" ? 4 : 1);
    }
  });

  it("keeps a day (at most ~5 000 batches) of client telemetry and about 100 000 entries of every other topic", () => {
    for (const name of topicNames) {
      expect(retentionOf(catalog[name]), name).toEqual(
        name === "client.telemetry"
          ? { maxAgeMs: 86_400_000, maxLength: 5_000 }
          : { maxLength: 100_000 },
      );
    }
  });

  it("partitions every topic whose events carry an orderId by it, so an order's events stay in order", () => {
    for (const name of topicNames) {
      if ("orderId" in examplePayloads[name])
        expect(catalog[name].partitionKey, name).toBe("orderId");
    }
    expect(catalog["shipment.created"].partitionKey).toBe("orderId");
  });

  it("partitions the topics of one domain by one key: stock by sku, clients by clientId", () => {
    const keys = new Map<string, Set<string | undefined>>();
    for (const name of topicNames) {
      const domain = domainOf(name);
      keys.set(domain, (keys.get(domain) ?? new Set()).add(catalog[name].partitionKey));
    }
    for (const [domain, domainKeys] of keys) expect([...domainKeys], domain).toHaveLength(1);
    expect(keys.get("stock")).toEqual(new Set(["sku"]));
    expect(keys.get("client")).toEqual(new Set(["clientId"]));
  });

  it.each(topicNames)("%s reads its partition key from its example payload", (name) => {
    expect(partitionKeyOf(catalog[name], examplePayloads[name])).toMatch(/^\S+$/);
  });
});

describe("who publishes and consumes what", () => {
  it("gives each domain (a topic name's first word) one publisher, the service that owns it", () => {
    const publishers = new Map<string, Set<string>>();
    for (const name of topicNames) {
      const domain = name.split(".")[0] as string;
      publishers.set(domain, (publishers.get(domain) ?? new Set()).add(catalog[name].publisher));
    }
    for (const [domain, services] of publishers) expect([...services], domain).toHaveLength(1);
  });

  it("has shipping consume placed orders and cancel requests only", () => {
    // order.cancelled is the outcome of shipping's own decision: nothing for it to do
    expect(topicsConsumedBy("shipping")).toEqual(["order.placed", "order.cancel-requested"]);
  });

  it("has inventory consume every shipment topic and nothing else", () => {
    expect(topicsConsumedBy("inventory")).toEqual(topicsPublishedBy("shipping"));
  });
});

describe("payload schemas", () => {
  it.each(topicNames)("%s accepts its realistic example", (name) => {
    const result = catalog[name].schema.safeParse(catalog[name].example);
    expect(result.error).toBeUndefined();
  });

  it.each(topicNames)("%s rejects a payload without its partition key", (name) => {
    const key = catalog[name].partitionKey ?? "";
    expect(
      accepts(
        name,
        exampleWith(name, (payload) => delete payload[key]),
      ),
    ).toBe(false);
  });

  it.each(topicNames)("%s rejects an empty id as partition key", (name) => {
    const key = catalog[name].partitionKey ?? "";
    expect(
      accepts(
        name,
        exampleWith(name, (payload) => (payload[key] = "")),
      ),
    ).toBe(false);
  });

  it.each(topicNames)("%s rejects timestamps that are not ISO 8601 UTC", (name) => {
    const timeFields = Object.keys(examplePayloads[name]).filter((key) => key.endsWith("At"));
    expect(timeFields.length).toBeGreaterThan(0);
    for (const field of timeFields) {
      for (const bad of [
        "14/03/2025 09:26",
        "2025-03-14",
        "2025-03-14T09:26:53+01:00",
        1741944413589,
      ]) {
        expect(
          accepts(
            name,
            exampleWith(name, (payload) => (payload[field] = bad)),
          ),
          `${field}=${bad}`,
        ).toBe(false);
      }
    }
  });

  it.each(topicNames)(
    "%s tolerates a field added in a later release of the same version",
    (name) => {
      const result = catalog[name].schema.safeParse({ ...examplePayloads[name], addedLater: "x" });
      expect(result.success).toBe(true);
      expect(result.data).not.toHaveProperty("addedLater");
    },
  );

  const mistakes: [RetailTopicName, string, (payload: Payload) => void][] = [
    ["order.placed", "an id with whitespace", (p) => (p.orderId = "ord 1042")],
    ["order.placed", "no lines", (p) => (p.lines = [])],
    ["order.placed", "a negative quantity", (p) => (lineOf(p).quantity = -1)],
    ["order.placed", "a zero quantity", (p) => (lineOf(p).quantity = 0)],
    ["order.placed", "a fractional quantity", (p) => (lineOf(p).quantity = 1.5)],
    [
      "order.placed",
      "a price in euros rather than cents",
      (p) => (lineOf(p).unitPriceCents = 19.99),
    ],
    ["order.placed", "a negative price", (p) => (lineOf(p).unitPriceCents = -1)],
    [
      "order.placed",
      "the same SKU on two lines",
      (p) => {
        p.lines = [lineOf(p), lineOf(p)];
        p.totalCents = 2 * 2 * 1999;
      },
    ],
    ["order.placed", "a total that is not the sum of the lines", (p) => (p.totalCents = 4000)],
    ["order.placed", "a lower-case country", (p) => (addressOf(p).country = "gb")],
    ["order.placed", "a three-letter country", (p) => (addressOf(p).country = "GBR")],
    ["order.placed", "an address without postal code", (p) => delete addressOf(p).postalCode],
    ["order.placed", "a missing customerId", (p) => delete p.customerId],
    ["order.rejected", "a reason other than out_of_stock", (p) => (p.reason = "fraud")],
    ["order.rejected", "a negative available count", (p) => (lineOf(p).available = -1)],
    ["order.cancel-requested", "an empty reason", (p) => (p.reason = "")],
    ["order.cancel-requested", "a missing requestedAt", (p) => delete p.requestedAt],
    ["order.cancelled", "an empty reason", (p) => (p.reason = "")],
    ["order.cancel-refused", "a reason that is prose", (p) => (p.reason = "Already left")],
    [
      "order.failed",
      "a reason that is prose, not a code",
      (p) => (p.reason = "Country not served"),
    ],
    ["order.delivered", "a missing shipmentId", (p) => delete p.shipmentId],
    ["stock.restocked", "a restock of zero units", (p) => (p.quantity = 0)],
    ["stock.low", "a negative threshold", (p) => (p.threshold = -5)],
    ["reservation.committed", "a negative quantity", (p) => (lineOf(p).quantity = -2)],
    ["reservation.released", "an unknown reason", (p) => (p.reason = "expired")],
    ["reservation.released", "no lines", (p) => (p.lines = [])],
    ["shipment.created", "a lower-case destination country", (p) => (p.destinationCountry = "de")],
    ["shipment.created", "a missing tracking number", (p) => delete p.trackingNumber],
    ["shipment.dispatched", "a missing shipmentId", (p) => delete p.shipmentId],
    ["shipment.delivered", "an empty carrier", (p) => (p.carrier = "")],
    ["shipment.cancelled", "a missing reason", (p) => delete p.reason],
    ["shipment.cancel-refused", "an unknown reason", (p) => (p.reason = "too_late")],
    ["shipment.cancel-refused", "a pending status", (p) => (p.status = "pending")],
    ["shipment.cancel-refused", "a missing shipmentId", (p) => delete p.shipmentId],
    ["shipment.failed", "an upper-case reason code", (p) => (p.reason = "UNSUPPORTED_COUNTRY")],
    ["client.online", "an unknown app", (p) => (p.app = "kiosk")],
    ["client.offline", "a missing version", (p) => delete p.version],
    ["client.telemetry", "no events", (p) => (p.events = [])],
    ["client.telemetry", "101 events in one batch", (p) => (p.events = tooManyEvents())],
    ["client.telemetry", "an unknown event type", (p) => (eventOf(p).type = "click")],
    ["client.telemetry", "a metric without a value", (p) => delete eventAt(p, 1).value],
    ["client.telemetry", "an event with a bad time", (p) => (eventOf(p).at = "yesterday")],
    ["alert.raised", "an unknown kind", (p) => (p.kind = "disk_full")],
    ["alert.raised", "an unknown severity", (p) => (p.severity = "fatal")],
  ];

  it.each(mistakes)("%s rejects %s", (name, _mistake, change) => {
    expect(accepts(name, exampleWith(name, change))).toBe(false);
  });

  it("client.telemetry accepts a full batch of 100 events", () => {
    const payload = exampleWith("client.telemetry", (p) => (p.events = tooManyEvents().slice(1)));
    expect(accepts("client.telemetry", payload)).toBe(true);
  });
});

describe("views", () => {
  it.each(topicNames)(
    "%s summarises fields its example payload has, in formats every renderer implements",
    (name) => {
      const { example, view } = catalog[name];
      for (const { path, format } of summaryPlaceholders(view.summary)) {
        expect(valueAt(example, path), `${name}: ${path}`).toBeDefined();
        expect(SUMMARY_FORMATS, `${name}: ${format}`).toContain(format);
        expect(renderSummary(`{${path}:${format}}`, example), `${name}: ${path}`).not.toBe("");
      }
    },
  );

  it.each(topicNames)("%s renders its example's summary on one line", (name) => {
    const { example, view } = catalog[name];
    expect(renderSummary(view.summary, example)).toMatch(/^[^\n{}]+$/);
  });

  it("numbers the saga's steps 0, 1, 2, … without gaps or repeats", () => {
    const positions = topicNames.flatMap((name) => {
      const { step } = catalog[name].view;
      return step ? [step.position] : [];
    });
    expect(positions.sort()).toEqual(positions.map((_, index) => index));
  });
});

describe("a topic of the catalog", () => {
  const schema = z.object({ sku: z.string(), priceCents: z.number().int() });
  const definition = {
    name: "test.priced",
    version: 1,
    description: "A test topic with a price.",
    schema,
    publisher: "inventory",
    consumers: ["client-monitoring"],
    partitionKey: "sku",
  } as const;
  const view = { summary: "{sku}: {priceCents:money}" };

  it("carries an example the compiler checks against its schema, and a view", () => {
    const shown: ShownTopic = defineTopic({
      ...definition,
      example: { sku: "MUG-WHT", priceCents: 899 },
      view,
    });
    expect(renderSummary(shown.view.summary, shown.example)).toBe("MUG-WHT: €8.99");
    defineTopic({
      ...definition,
      // @ts-expect-error the price must be a number: examples are typed by the schema
      example: { sku: "MUG-WHT", priceCents: "8.99" },
      view,
    });
    defineTopic({
      ...definition,
      // @ts-expect-error the price is missing
      example: { sku: "MUG-WHT" },
      view,
    });
    defineTopic({
      ...definition,
      // @ts-expect-error a field the schema does not have is a typo
      example: { sku: "MUG-WHT", priceCents: 899, currency: "EUR" },
      view,
    });
  });

  it("does not compile into the catalog's lists without its example and view", () => {
    const bare = defineTopic(definition);
    // @ts-expect-error without an example and a view it is no ShownTopic, which catalog.ts asks of every topic
    const listed: readonly ShownTopic[] = [bare];
    expect(listed[0]).not.toHaveProperty("view");
  });
});

function lineOf(payload: Payload): Payload {
  return (payload.lines as Payload[])[0] as Payload;
}

function addressOf(payload: Payload): Payload {
  return payload.shippingAddress as Payload;
}

function eventAt(payload: Payload, index: number): Payload {
  return (payload.events as Payload[])[index] as Payload;
}

function eventOf(payload: Payload): Payload {
  return eventAt(payload, 0);
}

function tooManyEvents(): Payload[] {
  return Array.from({ length: 101 }, (_, i) => ({
    type: "metric",
    at: "2025-03-14T09:26:52.900Z",
    name: "frame.ms",
    value: i,
  }));
}
