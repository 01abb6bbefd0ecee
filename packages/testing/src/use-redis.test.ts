import { Redis } from "ioredis";
import { beforeAll, describe, expect, inject, it, vi } from "vitest";
import { NoRedisError } from "./errors.js";
import { busConnection, connectTo, useRedis } from "./use-redis.js";

describe("useRedis() in a run that shares no cluster", () => {
  const redis = useRedis();
  const tooEarly = (() => {
    try {
      return redis();
    } catch (error) {
      return error;
    }
  })();
  let fromBeforeAll: Redis;
  let fromTest: Redis;

  beforeAll(() => {
    fromBeforeAll = redis().client() as Redis;
  });

  it("exists only inside tests and hooks: the getter throws a coded error before", () => {
    expect(tooEarly).toBeInstanceOf(NoRedisError);
    expect(tooEarly).toMatchObject({ code: "TESTING_ERR_NO_REDIS" });
  });

  it("is a standalone server of the file's own, whose URL is its connection and its address", async () => {
    expect(inject("redisClusterNodes")).toBeUndefined();
    expect(redis().kind).toBe("standalone");
    expect(redis().address).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
    expect(redis().connection()).toBe(redis().address);
    expect(busConnection(redis().address)).toBe(redis().address);
    expect(redis().env()).toEqual({ REDIS_URL: redis().address });
    const client = redis().client();
    expect(client).toBeInstanceOf(Redis);
    expect(await client.ping()).toBe("PONG");
  });

  it("empties the server on flushAll", async () => {
    fromTest = redis().client() as Redis;
    await fromTest.set("k", "v");
    await redis().flushAll();
    expect(await fromTest.dbsize()).toBe(0);
  });

  it("disconnects a client after the test that created it, and one from beforeAll only after the file", async () => {
    await vi.waitFor(() => expect(["close", "end"]).toContain(fromTest.status));
    expect(await fromBeforeAll.ping()).toBe("PONG");
  });

  it("turns its address back into a client with connectTo, for a child process", async () => {
    const client = connectTo(redis().address);
    try {
      expect(client).toBeInstanceOf(Redis);
      expect(await client.ping()).toBe("PONG");
    } finally {
      client.disconnect();
    }
  });
});
