import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { REGENERATE_COMMAND } from "./asyncapi-file.js";
import { catalog, topicNames } from "./catalog.js";
import { README_PATH } from "./readme-file.js";
import {
  firstSentence,
  renderTopicTable,
  TABLE_END,
  TABLE_START,
  TableMarkersError,
  withTopicTable,
} from "./readme-table.js";
import { defineCatalog, defineTopic } from "./topic.js";

describe("the README's topic table", () => {
  it("is what the catalog generates", async () => {
    const readme = await readFile(README_PATH, "utf8");
    expect(
      readme,
      `the topic table of packages/contracts/README.md is out of date with the catalog: regenerate it with \`${REGENERATE_COMMAND}\``,
    ).toBe(withTopicTable(readme));
  });
});

describe("renderTopicTable", () => {
  const rows = renderTopicTable().split("\n").slice(2);

  it("has one row per topic of the catalog, in catalog order", () => {
    expect(rows.map((row) => row.split("|")[1]?.trim())).toEqual(
      topicNames.map((name) => `\`${name}\``),
    );
  });

  it.each(topicNames)(
    "gives %s's version, publisher, consumers, key, partitions and summary",
    (name) => {
      const topic = catalog[name];
      const row = rows.find((line) => line.startsWith(`| \`${name}\` `));
      const cells = row?.split("|").map((cell) => cell.trim()) ?? [];
      expect(cells.slice(2, 7)).toEqual([
        String(topic.version),
        topic.publisher,
        topic.consumers.join(", "),
        `\`${topic.partitionKey}\``,
        String(topic.partitions ?? 1),
      ]);
      expect(cells[8]).toBe(firstSentence(topic.description));
    },
  );

  it("shows retention by length or by age, a missing partition key as a dash, and escapes pipes", () => {
    const table = renderTopicTable(
      defineCatalog(
        defineTopic({
          name: "test.piped",
          version: 2,
          description: "Says a | b. And more.",
          schema: z.object({ id: z.string() }),
          publisher: "inventory",
          consumers: ["shipping"],
          retention: { maxAgeMs: 2 * 3_600_000 },
        }),
      ),
    );
    expect(table.split("\n")[2]).toMatch(
      /^\| `test\.piped` \| 2 {3}\| inventory +\| shipping +\| — +\| 1 +\| ~2 h +\| Says a \\\| b\. +\|$/,
    );
  });
});

describe("firstSentence", () => {
  it.each([
    ["One. Two.", "One."],
    [
      "Shipping failed, e.g. to an address it cannot serve. Inventory releases.",
      "Shipping failed, e.g. to an address it cannot serve.",
    ],
    ["No full stop", "No full stop"],
    ["A version 1.5 here. Next.", "A version 1.5 here."],
  ])("of %j is %j", (description, expected) => {
    expect(firstSentence(description)).toBe(expected);
  });
});

describe("withTopicTable", () => {
  it("replaces only what is between the markers", () => {
    const readme = `intro\n${TABLE_START}\nold\n${TABLE_END}\noutro\n`;
    expect(withTopicTable(readme, "new")).toBe(
      `intro\n${TABLE_START}\n\nnew\n\n${TABLE_END}\noutro\n`,
    );
  });

  it("throws a coded error when the markers are missing", () => {
    expect(() => withTopicTable("no markers", "table")).toThrow(TableMarkersError);
    expect(() => withTopicTable("no markers", "table")).toThrow(
      expect.objectContaining({ code: "CONTRACTS_ERR_TABLE_MARKERS" }),
    );
  });
});
