import { ReplyError } from "ioredis";
import { describe, expect, it } from "vitest";
import { toAppError } from "./error-mapping.js";

/** An Error with extra own properties, the way Node, ioredis and the bus build theirs. */
const errorWith = (message: string, fields: Record<string, unknown> = {}) =>
  Object.assign(new Error(message), fields);

/** ioredis names its errors by a getter on the class; a copy loaded twice is another class. */
class MaxRetriesPerRequestError extends Error {
  override get name() {
    return "MaxRetriesPerRequestError";
  }
}

describe("toAppError: Redis unavailable", () => {
  it.each([
    [
      "ioredis's MaxRetriesPerRequestError, from any copy of ioredis",
      new MaxRetriesPerRequestError("Reached the max retries per request limit (which is 1)."),
    ],
    ["a command on a closed connection", new Error("Connection is closed.")],
    ["a command that timed out (commandTimeout)", new Error("Command timed out")],
    [
      "a command on a client without offline queue",
      new Error("Stream isn't writeable and enableOfflineQueue options is false"),
    ],
    [
      "a refused connection",
      errorWith("connect ECONNREFUSED 127.0.0.1:6379", { code: "ECONNREFUSED" }),
    ],
    ["a reset connection", errorWith("read ECONNRESET", { code: "ECONNRESET" })],
    ["a write to a closed socket", errorWith("write EPIPE", { code: "EPIPE" })],
    ["a connect timeout", errorWith("connect ETIMEDOUT", { code: "ETIMEDOUT" })],
    ["an unreachable host", errorWith("connect EHOSTUNREACH", { code: "EHOSTUNREACH" })],
    [
      "a host name that does not resolve now",
      errorWith("getaddrinfo EAI_AGAIN redis", { code: "EAI_AGAIN" }),
    ],
    [
      "the bus's PublishTimeoutError",
      errorWith('publish of "order.placed" (event e-1) was not confirmed within 5000 ms', {
        name: "PublishTimeoutError",
        code: "BUS_ERR_PUBLISH_TIMEOUT",
      }),
    ],
    [
      "Redis loading its data set",
      new ReplyError("LOADING Redis is loading the dataset in memory"),
    ],
    ["a replica cut off from its master", new ReplyError("MASTERDOWN Link with MASTER is down")],
    ["a cluster that is down", new ReplyError("CLUSTERDOWN The cluster is down")],
    [
      "a cluster slot in migration",
      new ReplyError("TRYAGAIN Multiple keys request during rehashing"),
    ],
    ["a cluster none of whose nodes answers", new Error("None of startup nodes is available")],
    [
      "a failover that outlasted the cluster retries",
      new Error("Too many Cluster redirections. Last error: Error: Connection is closed."),
    ],
    ["a slot's new master named to the caller", new ReplyError("MOVED 14370 redis-4:6379")],
    ["a slot in migration named to the caller", new ReplyError("ASK 3999 redis-2:6379")],
  ])("answers 503 redis_unavailable with Retry-After to %s", (_what, thrown) => {
    const mapped = toAppError(thrown);
    expect(mapped).toMatchObject({
      code: "redis_unavailable",
      statusCode: 503,
      retryAfterSeconds: 3,
    });
    expect(mapped.cause).toBe(thrown);
    expect(mapped.message).not.toContain("6379");
  });

  it("recognises the shape in a plain object too, and an unavailability wrapped as a cause", () => {
    const plain = { name: "MaxRetriesPerRequestError", message: "Reached the max retries" };
    const wrapped = new Error("could not place the order", {
      cause: new Error("step failed", {
        cause: errorWith("read ECONNRESET", { code: "ECONNRESET" }),
      }),
    });
    expect(toAppError(plain).code).toBe("redis_unavailable");
    expect(toAppError(wrapped).code).toBe("redis_unavailable");
  });

  it.each([
    ["a script error", new ReplyError("ERR Error running script (call to f_1): bad argument")],
    ["a wrong type", new ReplyError("WRONGTYPE Operation against a key holding the wrong kind")],
    ["a denied command", new ReplyError("NOPERM this user has no permissions to run 'flushall'")],
    ["a missing script", new ReplyError("NOSCRIPT No matching script")],
    ["another bus error", errorWith("topic unknown", { code: "BUS_ERR_UNKNOWN_TOPIC" })],
    [
      "a message that only mentions a connection",
      new Error("the Connection is closed, said nobody"),
    ],
  ])("keeps %s a bug: 500 internal_error", (_what, thrown) => {
    expect(toAppError(thrown)).toMatchObject({ code: "internal_error", statusCode: 500 });
  });

  it("does not follow a cause chain that loops", () => {
    const looping: Error & { cause?: unknown } = new Error("outer");
    looping.cause = looping;
    expect(toAppError(looping).code).toBe("internal_error");
  });
});
