import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ACL_TEMPLATE_PATH, retailAclFile } from "./retail-acl.js";

describe("the compose demo's ACL file", () => {
  it("matches what the catalog generates (regenerate with `pnpm --filter @retail/bus acl`)", () => {
    expect(readFileSync(ACL_TEMPLATE_PATH, "utf8")).toBe(retailAclFile());
  });

  it("gives inventory XADD on its own topics and only group reads on shipment topics", () => {
    const inventory = retailAclFile()
      .split("\n")
      .find((line) => line.startsWith("user inventory "));
    expect(inventory).toContain("~stream:{order.placed:*}");
    expect(inventory).toContain("~{inventory}:*");
    expect(inventory).toMatch(/\(~stream:\{shipment\.created:\*\}.* \+xreadgroup /);
    expect(inventory).not.toContain("{shipping}");
  });
});
