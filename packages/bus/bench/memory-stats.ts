export interface MemorySample {
  /** Events handled when the sample was taken. */
  handled: number;
  /** Consumer process RSS and V8 heap in use, both after a forced full GC. */
  rss: number;
  heapUsed: number;
  /** Redis `used_memory`. */
  redisUsedMemory: number;
  /** Entries in the topic's stream (trimmed to about the retention). */
  streamLength: number;
  /** Processed-event marks of the consumer group (the idempotency sorted set). */
  marks: number;
}
