import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { catalog, topicNames } from "./catalog.js";
import { partitionsOf } from "./topic.js";

const readme = await readFile(new URL("../README.md", import.meta.url), "utf8");

/** The rows of the README's topic table, keyed by topic name. */
const rows = new Map(
  readme
    .split("\n")
    .filter((line) => /^\| `[a-z-]+\.[a-z.-]+` +\|/.test(line))
    .map((line) => line.split("|").map((cell) => cell.trim().replaceAll("`", "")))
    .map(([, name, ...cells]) => [name ?? "", cells] as const),
);

describe("README topic table", () => {
  it("lists exactly the catalog's topics", () => {
    expect([...rows.keys()].sort()).toEqual([...topicNames].sort());
  });

  it.each(topicNames)(
    "gives %s's version, publisher, consumers, partition key and partitions",
    (name) => {
      const topic = catalog[name];
      expect(rows.get(name)?.slice(0, 5)).toEqual([
        String(topic.version),
        topic.publisher,
        topic.consumers.join(", "),
        topic.partitionKey,
        String(partitionsOf(topic)),
      ]);
    },
  );
});
