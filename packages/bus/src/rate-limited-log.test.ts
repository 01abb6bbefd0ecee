import { Writable } from "node:stream";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { RateLimitedLog } from "./rate-limited-log.js";

function capture() {
  const lines: Record<string, unknown>[] = [];
  const logger = pino(
    new Writable({
      write(chunk, _encoding, done) {
        lines.push(JSON.parse(String(chunk)));
        done();
      },
    }),
  );
  return { lines, logger };
}

describe("rate-limited logging", () => {
  it("logs a repeated error once per interval, then says how many it held back", async () => {
    const { lines, logger } = capture();
    let now = 1_000;
    const log = new RateLimitedLog(logger, 10_000, () => now);
    for (let attempt = 0; attempt < 50; attempt += 1)
      log.error("read", new Error("ECONNREFUSED"), "read failed");
    now += 10_000;
    log.error("read", new Error("ECONNREFUSED"), "read failed");
    log.error("other", new Error("x"), "another problem");
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines.map((line) => [line.msg, line.suppressed])).toEqual([
      ["read failed", 0],
      ["read failed", 49],
      ["another problem", 0],
    ]);
  });

  it("logs at once again after the problem cleared", async () => {
    const { lines, logger } = capture();
    const log = new RateLimitedLog(logger, 10_000, () => 5);
    log.warn("group", undefined, "group missing");
    log.clear("group");
    log.warn("group", undefined, "group missing");
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines).toHaveLength(2);
  });
});
