import { describe, expect, it } from "vitest";
import { z } from "zod";
import { TIMESTAMP_PATTERN, timestamp, uniqueSkus } from "./fields.js";

describe("TIMESTAMP_PATTERN", () => {
  it.each([
    "2025-03-14T09:26:53.589Z",
    "2025-03-14T09:26:53Z",
    "2028-02-29T10:00:00.123456Z",
    "2026-02-29T10:00:00Z",
    "2026-11-23T25:00:00Z",
    "2026-11-23T10:00:00",
    "2026-11-23T10:00:00+01:00",
    "2026-11-23 10:00:00Z",
    "",
  ])("accepts %j exactly when timestamp() does", (value) => {
    expect(TIMESTAMP_PATTERN.test(value)).toBe(timestamp("t").safeParse(value).success);
  });
});

describe("uniqueSkus", () => {
  const lines = uniqueSkus(z.array(z.object({ sku: z.string() })));

  it("refuses lines that name a SKU twice, with the message clients see", () => {
    const result = lines.safeParse([{ sku: "A" }, { sku: "A" }]);
    expect(result.error?.issues.map((issue) => issue.message)).toEqual([
      "each SKU may appear on one line only",
    ]);
  });

  it("accepts lines of distinct SKUs", () => {
    expect(lines.safeParse([{ sku: "A" }, { sku: "B" }]).success).toBe(true);
  });
});
