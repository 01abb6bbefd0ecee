import { RedisBenchmarkOutputError } from "./errors.js";

/**
 * Requests per second in `redis-benchmark -q` output. Progress lines end in `\r` and the
 * result line may carry latency after the figure (`…: 480769.22 requests per second,
 * p50=1.5 msec`), so the last figure printed is the result.
 */
export function parseRedisBenchmark(output: string): number {
  const figures = [...output.matchAll(/([\d.]+) requests per second/g)].map((match) =>
    Number(match[1]),
  );
  const last = figures.at(-1);
  if (last === undefined || !Number.isFinite(last)) throw new RedisBenchmarkOutputError(output);
  return last;
}
