import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { z } from "zod";
import { buildAsyncApi, catalogVersion, renderAsyncApi } from "./asyncapi.js";
import { REGENERATE_COMMAND, readAsyncApiFile } from "./asyncapi-file.js";
import { catalog, topicNames } from "./catalog.js";
import { envelopeSchemaFor } from "./envelope.js";
import { type Catalog, defineCatalog, type TopicDefinition } from "./topic.js";

type Json = { [key: string]: unknown };

const document = buildAsyncApi() as unknown as Json;
const channels = document.channels as Record<string, Json>;
const operations = document.operations as Record<string, Json>;

/** Follow a local `$ref` such as `#/channels/order.placed` inside the document. */
function resolve(ref: unknown): Json {
  expect(ref).toMatch(/^#\//);
  let node: unknown = document;
  for (const part of String(ref).slice(2).split("/")) {
    node = (node as Json)[part.replaceAll("~1", "/").replaceAll("~0", "~")];
    expect(node, `${ref} resolves`).toBeDefined();
  }
  return node as Json;
}

function operation(id: string): Json {
  const found = operations[id];
  expect(found, `operation ${id}`).toBeDefined();
  return found as Json;
}

function messageOf(topic: string): Json {
  const messages = Object.values(channels[topic]?.messages as Record<string, Json>);
  expect(messages).toHaveLength(1);
  return resolve(messages[0]?.$ref);
}

describe("docs/asyncapi.yaml", () => {
  it("is what the catalog generates", async () => {
    const current = await readAsyncApiFile();
    expect(
      current,
      `docs/asyncapi.yaml is out of date with the catalog: regenerate it with \`${REGENERATE_COMMAND}\``,
    ).toBe(renderAsyncApi());
  });
});

describe("the AsyncAPI document", () => {
  it("is AsyncAPI 3.0.0 with a redis server", () => {
    expect(document.asyncapi).toBe("3.0.0");
    expect(document.servers).toMatchObject({ redis: { protocol: "redis" } });
    expect(document.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
  });

  it.each(topicNames)("has a channel for %s whose address is the topic name", (name) => {
    expect(channels[name]).toMatchObject({
      address: name,
      description: catalog[name].description,
      "x-version": catalog[name].version,
      "x-partition-key": catalog[name].partitionKey,
    });
  });

  it.each(topicNames)("has a send operation for %s by its publisher", (name) => {
    const send = operation(`${catalog[name].publisher}.send.${name}`);
    expect(send.action).toBe("send");
    expect(resolve((send.channel as Json).$ref)).toBe(channels[name]);
  });

  it.each(topicNames)("has a receive operation for %s by each consumer", (name) => {
    for (const consumer of catalog[name].consumers) {
      const receive = operation(`${consumer}.receive.${name}`);
      expect(receive.action).toBe("receive");
      expect(resolve((receive.channel as Json).$ref)).toBe(channels[name]);
    }
  });

  it("has no operation other than those sends and receives", () => {
    const expected = topicNames.reduce((sum, name) => sum + 1 + catalog[name].consumers.length, 0);
    expect(Object.keys(operations)).toHaveLength(expected);
  });

  it("has every operation's messages resolve to its channel's message", () => {
    for (const [id, { channel: channelRef, messages }] of Object.entries(operations)) {
      const channel = resolve((channelRef as Json).$ref);
      const [message] = messages as Json[];
      expect(Object.values(channel.messages as Json), id).toContainEqual({
        $ref: expect.stringMatching(/^#\/components\/messages\//),
      });
      expect(String(message?.$ref), id).toMatch(
        new RegExp(`^#/channels/${channel.address}/messages/`),
      );
      expect(resolve(message?.$ref), id).toBeDefined();
    }
  });

  it.each(topicNames)(
    "describes a %s message as the envelope around the payload schema",
    (name) => {
      const payload = messageOf(name).payload as { allOf: Json[] };
      expect(payload.allOf[0]).toEqual({ $ref: "#/components/schemas/EnvelopeMetadata" });
      const own = payload.allOf[1]?.properties as Record<string, Json>;
      expect(own.type).toEqual({ const: name });
      expect(own.source).toEqual({ const: catalog[name].publisher });
      expect(own.payload?.type).toBe("object");
      expect(own.payload?.required).toContain(catalog[name].partitionKey);
    },
  );

  it("defines the envelope metadata once, with its required fields", () => {
    const envelope = resolve("#/components/schemas/EnvelopeMetadata");
    expect(envelope.required).toEqual([
      "id",
      "type",
      "version",
      "occurredAt",
      "source",
      "correlationId",
      "traceparent",
      "partitionKey",
    ]);
    expect(Object.keys(envelope.properties as Json)).toContain("causationId");
  });

  it.each(topicNames)(
    "gives %s an example event that passes the topic's envelope schema",
    (name) => {
      const [example] = messageOf(name).examples as Json[];
      const topic: TopicDefinition = catalog[name];
      expect(envelopeSchemaFor(topic).safeParse(example?.payload).error).toBeUndefined();
    },
  );

  it("reads back from YAML as the same values, timestamps staying strings", () => {
    expect(parse(renderAsyncApi(), { version: "1.1" })).toEqual(document);
    expect(parse(renderAsyncApi())).toEqual(document);
  });

  it("does not depend on the order in which the catalog lists its topics", () => {
    const reversed = defineCatalog(...Object.values(catalog as Catalog).reverse());
    expect(renderAsyncApi(reversed)).toBe(renderAsyncApi());
  });
});

describe("the catalog's version", () => {
  const topics = Object.values(catalog as Catalog);
  const [first, ...rest] = topics as [TopicDefinition, ...TopicDefinition[]];
  const [major, minor] = catalogVersion().split(".").map(Number) as [number, number];

  it("moves its minor when a topic or an optional field is added", () => {
    const fewer = defineCatalog(...rest);
    expect(catalogVersion(fewer).split(".").map(Number)[1]).toBeLessThan(minor);
    const widened = defineCatalog(
      { ...first, schema: (first.schema as z.ZodObject).extend({ note: z.string().optional() }) },
      ...rest,
    );
    expect(catalogVersion(widened)).toBe(`${major}.${minor + 1}.0`);
  });

  it("moves its major when a topic's version is bumped", () => {
    const bumped = defineCatalog({ ...first, version: first.version + 1 }, ...rest);
    expect(catalogVersion(bumped)).toBe(`${major + 1}.${minor}.0`);
  });
});
