import type { Envelope } from "@retail/bus";
import { catalog, examplePayloads, topicsConsumedBy } from "@retail/contracts";
import { describe, expect, it } from "vitest";
import { confirmed, notificationSchema } from "./notification.js";

/** The string at a dotted path of a payload. */
function at(payload: unknown, path: string): unknown {
  return path
    .split(".")
    .reduce<unknown>((value, part) => (value as Record<string, unknown>)?.[part], payload);
}

describe("personal data", () => {
  it("only order.placed, of the topics notifications reads, carries personal data", () => {
    const carrying = topicsConsumedBy("notifications").filter(
      (topic) => (catalog[topic].personalData ?? []).length > 0,
    );
    expect(carrying).toEqual(["order.placed"]);
  });

  it("a notification carries none of its order's personal data (name, address), so there is nothing to mask", () => {
    const payload = examplePayloads["order.placed"];
    const event = { id: "evt-1", payload } as Envelope<typeof payload>;
    const notification = JSON.stringify(confirmed(event));
    const paths = catalog["order.placed"].personalData ?? [];
    expect(paths.length).toBeGreaterThan(0);
    for (const path of paths) {
      const value = at(payload, path);
      expect(typeof value, path).toBe("string");
      expect(notification, path).not.toContain(value as string);
    }
    const fieldNames = notificationSchema.options.flatMap((kind) => Object.keys(kind.shape));
    for (const path of paths) expect(fieldNames).not.toContain(path.split(".")[0]);
    for (const path of paths) expect(fieldNames).not.toContain(path.split(".").at(-1));
  });
});
