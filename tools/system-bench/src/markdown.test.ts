import { describe, expect, it } from "vitest";
import { MarkersMissingError } from "./errors.js";
import { BLOCK_END, BLOCK_START, replaceBlock } from "./markdown.js";

const document = [
  "# Benchmarks",
  "",
  "Hand-written intro.",
  "",
  BLOCK_START,
  "old generated table",
  BLOCK_END,
  "",
  "## Where targets are missed and why",
  "",
  "Hand-written analysis.",
  "",
].join("\n");

describe("replaceBlock", () => {
  it("replaces only the text between the markers and keeps the hand-written text around them", () => {
    const updated = replaceBlock(document, "new table");
    expect(updated).not.toContain("old generated table");
    expect(updated).toContain(`${BLOCK_START}\nnew table\n${BLOCK_END}`);
    expect(updated.startsWith("# Benchmarks\n\nHand-written intro.\n\n")).toBe(true);
    expect(
      updated.endsWith("## Where targets are missed and why\n\nHand-written analysis.\n"),
    ).toBe(true);
  });

  it("gives the same document when run twice with the same block", () => {
    const once = replaceBlock(document, "new table\n");
    expect(replaceBlock(once, "new table\n")).toBe(once);
  });

  it("fails with a clear error naming the missing marker", () => {
    const withoutEnd = document.replace(BLOCK_END, "");
    expect(() => replaceBlock(withoutEnd, "x", "docs/BENCHMARKS.md")).toThrow(MarkersMissingError);
    expect(() => replaceBlock(withoutEnd, "x", "docs/BENCHMARKS.md")).toThrow(
      /docs\/BENCHMARKS\.md lacks <!-- system-bench:end -->/,
    );
    expect(() => replaceBlock("# no markers", "x")).toThrow(
      expect.objectContaining({ code: "SYSBENCH_ERR_MARKERS" }),
    );
  });

  it("does not accept an end marker that comes before the start marker", () => {
    const swapped = `${BLOCK_END}\ntext\n${BLOCK_START}\n`;
    expect(() => replaceBlock(swapped, "x")).toThrow(/lacks <!-- system-bench:end -->/);
  });
});
