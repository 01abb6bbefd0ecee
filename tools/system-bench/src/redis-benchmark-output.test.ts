import { describe, expect, it } from "vitest";
import { RedisBenchmarkOutputError } from "./errors.js";
import { parseRedisBenchmark } from "./redis-benchmark-output.js";

describe("parseRedisBenchmark", () => {
  it("reads the result line after the \\r-separated progress lines of redis 7's -q output", () => {
    const output =
      "\rXADD k * p xxxx: rps=0.0 (overall: -nan) avg_msec=-nan (overall: -nan)\r" +
      `${" ".repeat(80)}\rXADD k * p xxxx: 740740.75 requests per second, p50=0.847 msec\n`;
    expect(parseRedisBenchmark(output)).toBe(740740.75);
  });

  it("reads the older format without a latency suffix", () => {
    expect(parseRedisBenchmark("XADD: 123456.79 requests per second\n")).toBe(123456.79);
  });

  it("fails with a stable code when the output has no figure", () => {
    expect(() => parseRedisBenchmark("Could not connect to Redis at 127.0.0.1:6379")).toThrow(
      expect.objectContaining({ code: "SYSBENCH_ERR_REDIS_BENCHMARK_OUTPUT" }),
    );
    expect(() => parseRedisBenchmark("")).toThrow(RedisBenchmarkOutputError);
  });
});
