import { Redis } from "ioredis";
import { expect, inject, it } from "vitest";

it("hands every test file the URL of the Redis that the global setup started", async () => {
  const url = inject("redisUrl");
  expect(url).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
  const client = new Redis(url);
  try {
    expect(await client.ping()).toBe("PONG");
  } finally {
    client.disconnect();
  }
});
