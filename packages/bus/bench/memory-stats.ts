export interface MemorySample {
  /** Events handled when the sample was taken. */
  handled: number;
  /** Consumer process RSS and V8 heap in use, both after a forced full GC. */
  rss: number;
  heapUsed: number;
  /** V8 heap reserved (in use or not): heap that was not given back shows here, not in `heapUsed`. */
  heapTotal: number;
  /** Memory outside the V8 heap held by JS objects: Buffers (socket reads and writes). */
  external: number;
  /** Redis `used_memory`. */
  redisUsedMemory: number;
  /** Entries in the topic's stream (trimmed to about the retention). */
  streamLength: number;
  /** Processed-event marks of the consumer group (the idempotency sorted set). */
  marks: number;
}
