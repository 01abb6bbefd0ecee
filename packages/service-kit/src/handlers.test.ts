import { type Bus, createBus } from "@retail/bus";
import { useRedisServer } from "@retail/testing";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { type KitCatalog, kitCatalog } from "../test/kit-catalog.js";
import { forTopics, subscribeHandlers } from "./handlers.js";

const WAIT = { timeout: 15_000, interval: 20 } as const;
const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });

describe("handlers", () => {
  const redis = useRedisServer({ persistence: "none" });
  const buses: Bus<KitCatalog>[] = [];

  beforeEach(async () => {
    await redis().flushAll();
  });
  afterEach(async () => {
    await Promise.all(buses.splice(0).map((bus) => bus.close()));
  });

  function bus(service: string): Bus<KitCatalog> {
    const created = createBus({
      service,
      catalog: kitCatalog,
      redis: redis().url,
      logger,
      shutdownTimeoutMs: 2_000,
    });
    buses.push(created);
    return created;
  }

  it("subscribes a plain handler, and a handler entry with its subscription options", async () => {
    const pinger = bus("kit-pinger");
    const service = bus("kit-test");
    const seen: string[] = [];
    subscribeHandlers(service, {
      "kit.pinged": (event) => void seen.push(`ping ${event.payload.pingId}`),
      "kit.poked": {
        handle: (event) => void seen.push(`poke ${event.payload.pokeId}`),
        options: { startFrom: "beginning" },
      },
    });
    // Published before the groups exist: only `startFrom: "beginning"` delivers it.
    await pinger.publish("kit.poked", { pokeId: "early" });
    await service.start();
    await pinger.publish("kit.pinged", { pingId: "late" });
    await vi.waitFor(() => expect(seen.sort()).toEqual(["ping late", "poke early"]), WAIT);
  });

  it("gives several topics one handler with forTopics", async () => {
    const pinger = bus("kit-pinger");
    const service = bus("kit-test");
    const seen: string[] = [];
    subscribeHandlers(service, {
      ...forTopics<KitCatalog>(["kit.pinged", "kit.poked"], (event) => {
        const payload = event.payload;
        seen.push(`${event.type} ${"pingId" in payload ? payload.pingId : payload.pokeId}`);
      }),
    });
    await service.start();
    await pinger.publish("kit.pinged", { pingId: "p-1" });
    await pinger.publish("kit.poked", { pokeId: "k-1" });
    await vi.waitFor(() => expect(seen.sort()).toEqual(["kit.pinged p-1", "kit.poked k-1"]), WAIT);
  });

  it("types forTopics' handler by the topics it is given (the retail catalog by default)", () => {
    forTopics(["shipment.created", "shipment.failed"], (event) => void event.payload.shipmentId);
    // @ts-expect-error: orderId is not a field of every payload
    forTopics(["shipment.created", "client.online"], (event) => void event.payload.orderId);
    // @ts-expect-error: not a topic of the catalog
    forTopics(["shipment.lost"], () => {});
  });
});
