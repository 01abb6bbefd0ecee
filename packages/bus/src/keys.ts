/**
 * Every Redis key the bus uses, in one place. Keys of one partition share a hash
 * tag (`{topic:partition}`), so the partition stream and its dead-letter streams
 * live in one Redis Cluster slot (moves between them are atomic), while the
 * partitions of a topic spread over slots.
 */

function partitionTag(topic: string, partition: number): string {
  return `{${topic}:${partition}}`;
}

/** The stream of one partition of a topic. */
export function streamKey(topic: string, partition: number): string {
  return `stream:${partitionTag(topic, partition)}`;
}

/** The dead-letter stream of one partition of a topic, for one consumer group. */
export function deadLetterKey(topic: string, partition: number, group: string): string {
  return `dead:${partitionTag(topic, partition)}:${group}`;
}

/**
 * The processed-event marks of a consumer group. Tagged with the group name: a
 * service that keeps its state under `{<service>}`-tagged keys can update them and
 * the mark in one atomic step, also on Redis Cluster.
 */
export function processedKey(group: string): string {
  return `processed:{${group}}`;
}
