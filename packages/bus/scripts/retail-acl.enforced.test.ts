import { useRedisServer } from "@retail/testing";
import { describe, expect, it } from "vitest";
import { retailAclFile } from "./retail-acl.js";

describe("the compose demo's Redis users, enforced by a real Redis", () => {
  const redis = useRedisServer();

  it("keeps shipping out of inventory's keys and topics, and lets it publish its own", async () => {
    const admin = redis().client();
    const line = retailAclFile()
      .split("\n")
      .find((candidate) => candidate.startsWith("user shipping ")) as string;
    // the template's line, with the password placeholder filled in as start.sh does
    const rules = line
      .replace(/\$\{SHIPPING_REDIS_PASSWORD\}/, "pw")
      .split(" ")
      .slice(2);
    await admin.call("ACL", "SETUSER", "shipping", "reset", ...rules);
    admin.disconnect();

    const shipping = redis().client({
      username: "shipping",
      password: "pw",
      maxRetriesPerRequest: 0,
    });
    try {
      await expect(shipping.set("{inventory}:product:MUG", "1")).rejects.toThrow(/NOPERM/);
      await expect(shipping.hset("{inventory}:order:o-1", "status", "delivered")).rejects.toThrow(
        /NOPERM/,
      );
      await expect(
        shipping.xadd("stream:{order.placed:0}", "*", "forged", "order"),
      ).rejects.toThrow(/NOPERM/);
      await expect(shipping.xadd("stream:{stock.low:0}", "*", "forged", "event")).rejects.toThrow(
        /NOPERM/,
      );
      await expect(shipping.xadd("stream:{shipment.created:0}", "*", "id", "1")).resolves.toEqual(
        expect.any(String),
      );
      await expect(shipping.set("{shipping}:shipment:s-1", "ok")).resolves.toBe("OK");
      await expect(
        shipping.xgroup("CREATE", "stream:{order.placed:0}", "shipping", "$", "MKSTREAM"),
      ).resolves.toBe("OK");
    } finally {
      shipping.disconnect();
    }
  });

  it("lets the operator append to order.placed and delete its dead letters, and nothing of inventory's", async () => {
    const admin = redis().client();
    const line = retailAclFile()
      .split("\n")
      .find((candidate) => candidate.startsWith("user operator ")) as string;
    const rules = line
      .replace(/\$\{REDIS_OPERATOR_PASSWORD\}/, "pw")
      .split(" ")
      .slice(2);
    await admin.call("ACL", "SETUSER", "operator", "reset", ...rules);
    admin.disconnect();

    const operator = redis().client({
      username: "operator",
      password: "pw",
      maxRetriesPerRequest: 0,
    });
    try {
      await expect(operator.set("{inventory}:product:MUG", "1")).rejects.toThrow(/NOPERM/);
      await expect(operator.hgetall("{inventory}:order:o-1")).rejects.toThrow(/NOPERM/);
      await expect(operator.flushall()).rejects.toThrow(/NOPERM/);
      const dead = "dead:{order.placed:3}:shipping";
      await expect(operator.xadd(dead, "*", "forged", "letter")).rejects.toThrow(/NOPERM/);
      await expect(operator.xadd("stream:{order.placed:3}", "*", "id", "1")).resolves.toEqual(
        expect.any(String),
      );
      await expect(operator.xlen(dead)).resolves.toBe(0);
      await expect(operator.del(dead)).resolves.toBe(0);
    } finally {
      operator.disconnect();
    }
  });

  it("lets the healthcheck user PING and nothing else", async () => {
    const admin = redis().client();
    const line = retailAclFile()
      .split("\n")
      .find((candidate) => candidate.startsWith("user healthcheck ")) as string;
    await admin.call("ACL", "SETUSER", "healthcheck", "reset", ...line.split(" ").slice(2));
    await admin.set("{inventory}:product:MUG", "secret");
    admin.disconnect();

    const probe = redis().client({
      username: "healthcheck",
      password: "any",
      maxRetriesPerRequest: 0,
    });
    try {
      await expect(probe.ping()).resolves.toBe("PONG");
      await expect(probe.get("{inventory}:product:MUG")).rejects.toThrow(/NOPERM/);
      await expect(probe.info()).rejects.toThrow(/NOPERM/);
      await expect(probe.xlen("stream:{order.placed:0}")).rejects.toThrow(/NOPERM/);
      await expect(probe.publish("broadcast:events", "x")).rejects.toThrow(/NOPERM/);
    } finally {
      probe.disconnect();
    }
  });
});
