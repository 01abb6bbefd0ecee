export {
  CONTAINER_LABEL,
  REDIS_IMAGE,
  type RedisServer,
  type RedisServerOptions,
  startRedisServer,
} from "./redis-server.js";
export { useRedisServer } from "./vitest.js";
