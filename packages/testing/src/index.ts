export {
  ClusterCreateError,
  NoFreePortError,
  NoRedisClusterError,
  NoRedisError,
  NoRedisServerError,
  TestingError,
  WaitTimeoutError,
} from "./errors.js";
export { freePort } from "./ports.js";
export {
  type RedisCluster,
  type RedisClusterNode,
  type RedisClusterOptions,
  startRedisCluster,
} from "./redis-cluster.js";
export {
  CONTAINER_LABEL,
  REDIS_IMAGE,
  type RedisServer,
  type RedisServerOptions,
  startRedisServer,
} from "./redis-server.js";
export { openSse, type SseClient, type SseEvent } from "./sse-client.js";
export { busConnection, connectTo, type TestRedis, useRedis } from "./use-redis.js";
export { useRedisCluster, useRedisServer } from "./vitest.js";
export { type PollOptions, pollUntil } from "./wait.js";
