/**
 * Every Redis key the bus uses, in one place. Keys of one partition share a hash
 * tag (`{topic:partition}`), so the partition stream and its dead-letter streams
 * live in one Redis Cluster slot (moves between them are atomic), while the
 * partitions of a topic spread over slots. The same goes for a group's parked entries,
 * retry records and trim counts of the partition.
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
 * Entries of one partition waiting to be retried by a group: a sorted set, member the
 * entry id, score the time (epoch ms) it is due.
 */
export function parkedKey(topic: string, partition: number, group: string): string {
  return `parked:${partitionTag(topic, partition)}:${group}`;
}

/**
 * What a group remembers of an entry that failed or waits to be retried (a hash by
 * entry id: its failures so far and its fields), so that any consumer can go on with it.
 */
export function retryRecordsKey(topic: string, partition: number, group: string): string {
  return `failures:${partitionTag(topic, partition)}:${group}`;
}

/**
 * How many entries of one partition the group lost to trimming: a hash with `unread`
 * (trimmed before the group read them) and `pending` (read but not yet handled).
 */
export function trimmedKey(topic: string, partition: number, group: string): string {
  return `trimmed:${partitionTag(topic, partition)}:${group}`;
}

/**
 * Which consumers of the group had entries of one partition taken over by another
 * since they last checked their claims: a hash by consumer name. A consumer absent
 * from it still owns everything it holds, so its acks need no check one by one.
 */
export function takeoversKey(topic: string, partition: number, group: string): string {
  return `takeovers:${partitionTag(topic, partition)}:${group}`;
}

/** Every key a group's consumer of one partition uses: one hash tag, one Cluster slot. */
export interface PartitionKeys {
  stream: string;
  deadLetters: string;
  parked: string;
  retryRecords: string;
  trimmed: string;
  takeovers: string;
}

export function partitionKeys(topic: string, partition: number, group: string): PartitionKeys {
  return {
    stream: streamKey(topic, partition),
    deadLetters: deadLetterKey(topic, partition, group),
    parked: parkedKey(topic, partition, group),
    retryRecords: retryRecordsKey(topic, partition, group),
    trimmed: trimmedKey(topic, partition, group),
    takeovers: takeoversKey(topic, partition, group),
  };
}

/**
 * The processed-event marks of a consumer group of `service`, under the service's hash
 * tag: the service can update its state (`{<service>}`-tagged keys), its outbox and the
 * mark in one atomic step, also on Redis Cluster. The service's own group (the default)
 * keeps the short name `processed:{<service>}`.
 */
export function processedKey(group: string, service: string = group): string {
  return group === service ? `processed:{${service}}` : `processed:{${service}}:${group}`;
}

/**
 * A service's outbox: a stream in the service's own slot (`{<service>}`, with its state
 * and its group's processed marks) where `bus.commit` appends the events of a step,
 * atomically with the step's writes. The relay moves them on to the topics' partition
 * streams, which live in other slots.
 */
export function outboxKey(service: string): string {
  return `outbox:{${service}}`;
}

/**
 * Who relays a service's outbox: a string holding the relay lease's fencing token, with
 * a TTL. In the outbox's slot, so a relay's delete of what it relayed checks its lease
 * in the same step.
 */
export function relayLeaseKey(service: string): string {
  return `outbox-relay:{${service}}`;
}
