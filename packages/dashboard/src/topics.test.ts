import { readFile } from "node:fs/promises";
import { catalog, SUMMARY_FORMATS, topicNames } from "@retail/contracts";
import { describe, expect, it } from "vitest";
import { topicViews } from "./topics.js";

describe("topicViews", () => {
  it("is the catalog's view of every topic, keyed by name, in catalog order", () => {
    expect(Object.keys(topicViews)).toEqual(topicNames);
    for (const name of topicNames) expect(topicViews[name], name).toBe(catalog[name].view);
  });

  it("is plain JSON, as GET /topics.json serves it", () => {
    expect(JSON.parse(JSON.stringify(topicViews))).toEqual(topicViews);
  });

  it("has a formatter in the page for every summary format", async () => {
    const page = await readFile(new URL("../public/app.js", import.meta.url), "utf8");
    const block = /const FORMATTERS = \{([\s\S]*?)\n\};/.exec(page)?.[1] ?? "";
    const defined = [...block.matchAll(/^ {2}(\w+): /gm)].map((match) => match[1]);
    expect(defined.sort()).toEqual([...SUMMARY_FORMATS].sort());
  });
});
