import { describe, expect, it } from "vitest";
import { catalog } from "./catalog.js";
import { maskPersonalData, PERSONAL_DATA_MASK } from "./personal-data.js";
import { examplePayloadOf } from "./topic.js";

describe("personal data in the catalog", () => {
  const topics = Object.values(catalog);

  it("masks every topic's personal fields in its example, and the masked payload still fits the schema", () => {
    for (const topic of topics) {
      const example = examplePayloadOf(topic);
      const masked = maskPersonalData(topic, example);
      expect(topic.schema.safeParse(masked).success, topic.name).toBe(true);
      for (const path of topic.personalData ?? []) {
        const value = path
          .split(".")
          .reduce<unknown>((at, part) => (at as Record<string, unknown>)[part], masked);
        expect(value, `${topic.name} ${path}`).toBe(PERSONAL_DATA_MASK);
      }
    }
    const placed = JSON.stringify(
      maskPersonalData(catalog["order.placed"], catalog["order.placed"].example),
    );
    expect(placed).not.toContain("Ada Lovelace");
    expect(placed).not.toContain("SW1Y");
    expect(placed).toContain('"country":"GB"');
  });

  it("declares personal data on every topic whose payload carries a shipping address", () => {
    const carrying = topics.filter((topic) =>
      JSON.stringify(examplePayloadOf(topic)).includes('"shippingAddress"'),
    );
    expect(carrying.map((topic) => topic.name)).toContain("order.placed");
    for (const topic of carrying) expect(topic.personalData, topic.name).not.toHaveLength(0);
  });

  it("leaves the payload it masks unchanged", () => {
    const example = catalog["order.placed"].example;
    const before = JSON.stringify(example);
    maskPersonalData(catalog["order.placed"], example);
    expect(JSON.stringify(example)).toBe(before);
  });
});
