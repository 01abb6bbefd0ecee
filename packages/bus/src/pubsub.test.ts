import { useRedis } from "@retail/testing";
import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { useBusTestbed } from "../test/fixtures.js";
import { PayloadValidationError } from "./errors.js";
import { isCluster } from "./redis.js";

const notice = z.object({ text: z.string().min(1) });

describe("Pub/Sub channels", () => {
  const testbed = useBusTestbed(useRedis());

  it("broadcasts to every subscribed instance and says how many received it", async () => {
    const received: string[] = [];
    for (const instance of ["a", "b"]) {
      await testbed
        .bus("worker")
        .pubsub.broadcast("dashboard", notice)
        .subscribe((message) => received.push(`${instance}:${message.text}`));
    }
    const channel = testbed.bus("tester").pubsub.broadcast("dashboard", notice);
    expect(await channel.publish({ text: "order placed" })).toBe(2);
    await vi.waitFor(() => expect(received.sort()).toEqual(["a:order placed", "b:order placed"]));
  });

  it("sends a direct message to one recipient: 0 receivers means offline", async () => {
    const sender = testbed.bus("tester").pubsub.direct("client", notice);
    expect(await sender.send("till-7", { text: "hello?" })).toBe(0);

    const inbox: string[] = [];
    const stop = await testbed
      .bus("worker")
      .pubsub.direct("client", notice)
      .listen("till-7", (message) => inbox.push(message.text));
    expect(await sender.send("till-7", { text: "price update" })).toBe(1);
    expect(await sender.send("till-8", { text: "not for till 7" })).toBe(0);
    await vi.waitFor(() => expect(inbox).toEqual(["price update"]));

    await stop();
    expect(await sender.send("till-7", { text: "gone" })).toBe(0);
  });

  it("rejects an invalid message on send, and drops one that arrives invalid", async () => {
    const channel = testbed.bus("tester").pubsub.broadcast("dashboard", notice);
    await expect(channel.publish({ text: "" })).rejects.toBeInstanceOf(PayloadValidationError);

    const received: string[] = [];
    await testbed
      .bus("worker")
      .pubsub.broadcast("dashboard", notice)
      .subscribe((message) => received.push(message.text));
    // as the bus publishes: sharded on a cluster
    const raw = testbed.redis().client();
    const publish = (text: string) =>
      isCluster(raw)
        ? raw.spublish("broadcast:dashboard", text)
        : raw.publish("broadcast:dashboard", text);
    await publish("{not json");
    await publish(JSON.stringify({ text: 7 }));
    await publish(JSON.stringify({ text: "valid" }));
    await vi.waitFor(() => expect(received).toEqual(["valid"]));
  });
});
