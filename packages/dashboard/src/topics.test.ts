import { readFile } from "node:fs/promises";
import { examplePayloads, type RetailTopicName, topicNames } from "@retail/contracts";
import { describe, expect, it } from "vitest";
import { SUMMARY_FORMATS, type TopicView, topicViews } from "./topics.js";

const views: Record<RetailTopicName, TopicView> = topicViews;

/** The `{path}` and `{path:format}` placeholders of a summary. */
function placeholders(summary: string): { path: string; format: string }[] {
  return [...summary.matchAll(/\{([\w.]+)(?::(\w+))?\}/g)].map((match) => ({
    path: match[1] as string,
    format: match[2] ?? "text",
  }));
}

function valueAt(payload: unknown, path: string): unknown {
  return path
    .split(".")
    .reduce<unknown>(
      (value, name) =>
        typeof value === "object" && value !== null ? Reflect.get(value, name) : undefined,
      payload,
    );
}

describe("topicViews", () => {
  it.each(topicNames)(
    "summarises %s with fields its example payload has, in known formats",
    (name) => {
      for (const { path, format } of placeholders(views[name].summary)) {
        expect(valueAt(examplePayloads[name], path), `${name}: ${path}`).toBeDefined();
        expect(SUMMARY_FORMATS, `${name}: ${format}`).toContain(format);
      }
    },
  );

  it("is checked at compile time to have every topic of the catalog", () => {
    const { "alert.raised": _missing, ...partial } = topicViews;
    // @ts-expect-error alert.raised has no view: a topic without one does not compile
    const checked: Record<RetailTopicName, TopicView> = partial;
    expect(Object.keys(checked)).toHaveLength(topicNames.length - 1);
  });

  it("numbers the saga's steps 0, 1, 2, … without gaps or repeats", () => {
    const positions = Object.values(views).flatMap((view) =>
      view.step ? [view.step.position] : [],
    );
    expect(positions.sort()).toEqual(positions.map((_, index) => index));
  });

  it("has a formatter in the page for every summary format", async () => {
    const page = await readFile(new URL("../public/app.js", import.meta.url), "utf8");
    const block = /const FORMATTERS = \{([\s\S]*?)\n\};/.exec(page)?.[1] ?? "";
    const defined = [...block.matchAll(/^ {2}(\w+): /gm)].map((match) => match[1]);
    expect(defined.sort()).toEqual([...SUMMARY_FORMATS].sort());
  });
});
