/**
 * Every error this package throws, each with a stable `code` (TESTING_ERR_…), so a
 * failed setup says which step failed without parsing messages.
 */
export class TestingError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A condition polled for did not hold before its deadline; the last error `check` threw is the cause. */
export class WaitTimeoutError extends TestingError {
  constructor(
    readonly what: string,
    readonly timeoutMs: number,
    options?: ErrorOptions,
  ) {
    super("TESTING_ERR_TIMEOUT", `timed out after ${timeoutMs} ms waiting for ${what}`, options);
  }
}

/** The operating system gave no port when asked for a free one. */
export class NoFreePortError extends TestingError {
  constructor(readonly host: string) {
    super("TESTING_ERR_NO_FREE_PORT", `no free port assigned on ${host}`);
  }
}

/** `useRedisServer()`'s getter called where no server exists: outside tests and hooks. */
export class NoRedisServerError extends TestingError {
  constructor() {
    super(
      "TESTING_ERR_NO_REDIS_SERVER",
      "useRedisServer(): the server is only available inside tests and hooks",
    );
  }
}

/** `useRedisCluster()`'s getter called where no cluster exists: outside tests and hooks. */
export class NoRedisClusterError extends TestingError {
  constructor() {
    super(
      "TESTING_ERR_NO_REDIS_CLUSTER",
      "useRedisCluster(): the cluster is only available inside tests and hooks",
    );
  }
}

/** `useRedis()`'s getter called where no Redis exists yet: outside tests and hooks. */
export class NoRedisError extends TestingError {
  constructor() {
    super("TESTING_ERR_NO_REDIS", "useRedis(): the Redis is only available inside tests and hooks");
  }
}

/** `redis-cli --cluster create` failed; its output is the message. */
export class ClusterCreateError extends TestingError {
  constructor(readonly output: string) {
    super("TESTING_ERR_CLUSTER_CREATE", `redis-cli --cluster create failed: ${output.trim()}`);
  }
}
