import { catalog, type RetailTopicName, topicNames } from "@retail/contracts";
import { usageError } from "./errors.js";

/** The message for a topic the catalog does not have, listing the valid ones. */
export function unknownTopicMessage(topic: string): string {
  return `unknown topic "${topic}"; the topics are: ${topicNames.join(", ")}`;
}

/** Topic names given on the command line, checked against the catalog; none means all. */
export function resolveTopics(names: readonly string[] | undefined): RetailTopicName[] {
  if (!names || names.length === 0) return [...topicNames];
  const unknown = names.find((name) => !(name in catalog));
  if (unknown !== undefined) throw usageError(unknownTopicMessage(unknown));
  return [...new Set(names)] as RetailTopicName[];
}

/** One optional topic name, checked. */
export function resolveTopic(name: string | undefined): RetailTopicName[] {
  return resolveTopics(name === undefined ? undefined : [name]);
}
