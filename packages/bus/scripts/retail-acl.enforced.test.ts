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
    const rules = line.replace("${SHIPPING_REDIS_PASSWORD}", "pw").split(" ").slice(2);
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
});
