import { z } from "zod";
import { DuplicateTopicError, InvalidTopicError, PartitionKeyError } from "./errors.js";
import type { TopicView } from "./topic-view.js";

/** Dotted lower-case words, e.g. `order.placed`: a topic's name and its events' `type`. */
export const TOPIC_NAME_PATTERN = /^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$/;

/** The services of the system: every topic has exactly one publisher among them. */
export const SERVICE_NAMES = [
  "inventory",
  "shipping",
  "client-monitoring",
  "notifications",
] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** How a topic's streams are trimmed as events are appended. */
export type Retention =
  /** Keep about this many entries per partition stream (`XADD … MAXLEN ~ n`). */
  | { maxLength: number }
  /** Keep about this many milliseconds of entries (`XADD … MINID ~ <now − maxAgeMs>`). */
  | { maxAgeMs: number }
  /**
   * Both: entries older than `maxAgeMs`, and beyond about `maxLength` per partition
   * stream, are trimmed, so a flood cannot outgrow memory within the age.
   */
  | { maxLength: number; maxAgeMs: number };

/**
 * One topic of the catalog. A topic is named for its event (`order.placed`), is owned
 * by the one service that publishes it, and carries payloads of one zod schema.
 */
export interface TopicDefinition<
  Name extends string = string,
  Schema extends z.ZodType = z.ZodType,
> {
  /** The topic's name and the envelope's `type`, e.g. `order.placed`. */
  readonly name: Name;
  /** Schema version of the payload, carried in every envelope. Bump it on a breaking change. */
  readonly version: number;
  /** What the event means, for people reading the catalog or the AsyncAPI document. */
  readonly description: string;
  /** The payload schema, checked on publish and on receipt. */
  readonly schema: Schema;
  /** The one service that publishes this topic. */
  readonly publisher: ServiceName | (string & {});
  /** The services that subscribe to it (one consumer group each). */
  readonly consumers: readonly (ServiceName | (string & {}))[];
  /**
   * Number of partition streams the topic is split into; an event goes to the
   * partition its partition key hashes to. Default 1.
   */
  readonly partitions?: number;
  /** How the topic is trimmed. Default: about 100 000 entries per partition. */
  readonly retention?: Retention;
  /**
   * The payload field whose (string) value is the event's partition key: events with
   * the same key go to the same partition stream and are handled in order.
   * Read it with `partitionKeyOf(topic, payload)`.
   */
  readonly partitionKey?: string;
  /**
   * Dotted paths of payload fields that identify a person (a name, an address): shown
   * only to principals with `pii:read`, masked for everybody else
   * (`maskPersonalData`). Default: none.
   */
  readonly personalData?: readonly string[];
}

/**
 * A topic that carries its example and its view, as every topic of the retail catalog
 * must: the docs show its example and the dashboard and the CLI its events, with
 * nothing to add elsewhere. (Not optional fields of every definition: a definition
 * spread into one with a new schema would carry an example typed by the old one.)
 */
export interface ShownTopic<Name extends string = string, Schema extends z.ZodType = z.ZodType>
  extends TopicDefinition<Name, Schema> {
  /**
   * A realistic payload, checked against the schema by the compiler and the catalog's
   * tests; the AsyncAPI document shows it, and tests build their events from it.
   */
  readonly example: z.input<Schema>;
  /** How the dashboard and the CLI show the topic's events. */
  readonly view: TopicView;
}

/** A topic's example payload, when it has one. */
export function examplePayloadOf(topic: TopicDefinition): unknown {
  return "example" in topic ? topic.example : undefined;
}

/** The names of an object type's fields whose values are strings. */
export type StringFieldOf<T> = T extends object
  ? { [K in keyof T]-?: T[K] extends string ? K : never }[keyof T] & string
  : never;

/** What `defineTopic` accepts: the partition key must name a string field of the payload. */
type TopicInput<Name extends string, Schema extends z.ZodType> = TopicDefinition<Name, Schema> & {
  readonly partitionKey?: StringFieldOf<z.output<Schema>>;
};

/**
 * Declare a topic, keeping its name and schema as literal types for inference. Given
 * an example and a view, it is a `ShownTopic`, fit for the retail catalog.
 */
export function defineTopic<const Name extends string, Schema extends z.ZodType>(
  definition: TopicInput<Name, Schema>,
): TopicDefinition<Name, Schema>;
// Last, so that a definition with a mistake in its example or view is reported against
// this overload, the one it was meant for.
export function defineTopic<const Name extends string, Schema extends z.ZodType>(
  definition: TopicInput<Name, Schema> & {
    readonly example: z.input<Schema>;
    readonly view: TopicView;
  },
): ShownTopic<Name, Schema>;
export function defineTopic(definition: TopicDefinition): TopicDefinition {
  const { name } = definition;
  if (!TOPIC_NAME_PATTERN.test(name)) {
    throw new InvalidTopicError(
      name,
      "name",
      `topic name "${name}" must be dotted lower-case words, e.g. "order.placed"`,
    );
  }
  if (!Number.isInteger(definition.version) || definition.version < 1) {
    throw new InvalidTopicError(
      name,
      "version",
      `topic "${name}": version must be a positive integer`,
    );
  }
  const partitions = definition.partitions ?? 1;
  if (!Number.isInteger(partitions) || partitions < 1 || partitions > 1024) {
    throw new InvalidTopicError(
      name,
      "partitions",
      `topic "${name}": partitions must be an integer from 1 to 1024`,
    );
  }
  const key = definition.partitionKey;
  if (
    key !== undefined &&
    definition.schema instanceof z.ZodObject &&
    !(key in definition.schema.shape)
  ) {
    throw new InvalidTopicError(
      name,
      "partitionKey",
      `topic "${name}": partition key "${key}" is not a payload field`,
    );
  }
  return definition;
}

/** A set of topics keyed by name. */
export type Catalog = { readonly [name: string]: TopicDefinition };

type CatalogOf<Topics extends readonly TopicDefinition[]> = {
  readonly [Topic in Topics[number] as Topic["name"]]: Topic;
};

/** Key a list of topics by name; rejects two topics with the same name. */
export function defineCatalog<const Topics extends readonly TopicDefinition[]>(
  ...topics: Topics
): CatalogOf<Topics> {
  const catalog: Record<string, TopicDefinition> = {};
  for (const topic of topics) {
    if (catalog[topic.name]) throw new DuplicateTopicError(topic.name);
    catalog[topic.name] = topic;
  }
  return catalog as CatalogOf<Topics>;
}

/** The first word of a topic's name, its domain: `order` of `order.cancel-requested`. */
export type DomainOf<Name extends string> = Name extends `${infer Domain}.${string}`
  ? Domain
  : never;

/** The domain of a topic name: its first word. */
export function domainOf<const Name extends string>(name: Name): DomainOf<Name> {
  return name.slice(0, Math.max(0, name.indexOf("."))) as DomainOf<Name>;
}

/** The names of a catalog's topics. */
export type TopicName<C extends Catalog> = Extract<keyof C, string>;

/** The payload type of a topic, after parsing (defaults applied). */
export type PayloadOf<C extends Catalog, T extends TopicName<C>> = z.output<C[T]["schema"]>;

/** The payload type a publisher passes, before parsing (defaults optional). */
export type PayloadInputOf<C extends Catalog, T extends TopicName<C>> = z.input<C[T]["schema"]>;

/** Partition streams of a topic that does not say. */
export const DEFAULT_PARTITIONS = 1;

/** Retention of a topic that does not say: about 100 000 entries per partition stream. */
export const DEFAULT_RETENTION: Retention = { maxLength: 100_000 };

/** A topic's number of partition streams, with the default applied. */
export function partitionsOf(topic: TopicDefinition): number {
  return topic.partitions ?? DEFAULT_PARTITIONS;
}

/** A topic's retention, with the default applied. */
export function retentionOf(topic: TopicDefinition): Retention {
  return topic.retention ?? DEFAULT_RETENTION;
}

/**
 * The partition key of an event: the value of the topic's `partitionKey` field in the
 * payload, or `undefined` when the topic declares none (any partition will do).
 * Throws when the field is missing or not a non-empty string, which a payload that
 * passed the topic's schema never is.
 */
export function partitionKeyOf(topic: TopicDefinition, payload: unknown): string | undefined {
  const field = topic.partitionKey;
  if (field === undefined) return undefined;
  const value =
    typeof payload === "object" && payload !== null ? Reflect.get(payload, field) : undefined;
  if (typeof value !== "string" || value === "") throw new PartitionKeyError(topic.name, field);
  return value;
}
