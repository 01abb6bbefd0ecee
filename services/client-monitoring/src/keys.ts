/** The service's name: its bus publisher name, consumer group and key prefix. */
export const SERVICE_NAME = "client-monitoring";

const prefix = `{${SERVICE_NAME}}`;

/**
 * Every Redis key of client-monitoring's own state. All carry the `{client-monitoring}`
 * hash tag: one Redis Cluster slot, shared with the group's processed-event marks
 * (`processed:{client-monitoring}`), so a handler's writes and its mark commit together.
 */
export const keys = {
  /** Hash per client app: clientId, app, version, status, lastSeen, lastSeenMs, onlineAt, offlineAt. */
  client: (clientId: string) => `${prefix}:client:${clientId}`,
  /** Sorted set of every known client, scored by last heartbeat (ms): the listing index. */
  clientsLastSeen: `${prefix}:clients:last-seen`,
  /** Sorted set of the online clients, scored by last heartbeat (ms): what the sweep scans. */
  clientsOnline: `${prefix}:clients:online`,
  /** Sorted set per order (or correlation id): members are event views as JSON, scored by occurredAt. */
  timeline: (orderId: string) => `${prefix}:timeline:${orderId}`,
  /** Counter of a topic's events that occurred in one second (epoch seconds); expires. */
  rate: (topic: string, second: number) => `${prefix}:rate:${topic}:${second}`,
  /** List of recent alerts as JSON, newest first, capped. */
  alerts: `${prefix}:alerts`,
  /** Hash: JSON [topic, group] → dead-letter count last seen by the check. */
  deadLettersSeen: `${prefix}:dead-letters:seen`,
  /** Hash: Redis node → its memory ratio when `redis_memory_high` was raised (cleared once back under). */
  memoryAlerted: `${prefix}:memory:alerted`,
} as const;
