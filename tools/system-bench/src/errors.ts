/**
 * Every error the system benchmark throws, each with a stable `code` (SYSBENCH_ERR_…)
 * so a failed run says which step failed without parsing messages.
 */
export class BenchError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A BENCH_* variable that is not a valid value. */
export class BenchConfigError extends BenchError {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super("SYSBENCH_ERR_CONFIG", `${variable} ${message}`);
  }
}

/** A child process (a service, a server of ours, the bus benchmark) failed. */
export class ChildProcessError extends BenchError {
  constructor(message: string, options?: ErrorOptions) {
    super("SYSBENCH_ERR_CHILD", message, options);
  }
}

/** `docs/BENCHMARKS.md` lacks the start/end markers of the generated block. */
export class MarkersMissingError extends BenchError {
  constructor(file: string, missing: readonly string[]) {
    super(
      "SYSBENCH_ERR_MARKERS",
      `${file} lacks ${missing.join(" and ")}: add both markers where the generated block goes`,
    );
  }
}

/** Output of `redis-benchmark` without a requests-per-second figure. */
export class RedisBenchmarkOutputError extends BenchError {
  constructor(output: string) {
    super(
      "SYSBENCH_ERR_REDIS_BENCHMARK_OUTPUT",
      `no "requests per second" in redis-benchmark output: ${output.slice(0, 200)}`,
    );
  }
}
