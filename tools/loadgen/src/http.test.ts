import { createLogger } from "@retail/service-kit";
import { freePort } from "@retail/testing";
import { afterEach, describe, expect, it } from "vitest";
import { type StubAnswer, type StubServer, startStub } from "../test/stub-services.js";
import {
  HttpClient,
  type HttpClientOptions,
  NetworkError,
  type RetryEvent,
  StoppedError,
  waitUntilReady,
} from "./http.js";

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function stub(
  answers: (index: number) => StubAnswer | Promise<StubAnswer>,
): Promise<StubServer> {
  let index = 0;
  const server = await startStub(() => answers(index++));
  cleanups.push(() => server.close());
  return server;
}

function client(options: Partial<HttpClientOptions> = {}) {
  const retries: RetryEvent[] = [];
  const http = new HttpClient({
    timeoutMs: 5_000,
    maxAttempts: 4,
    retryBaseMs: 2,
    onRetry: (event) => retries.push(event),
    ...options,
  });
  cleanups.push(() => http.close(0));
  return { http, retries };
}

describe("HttpClient", () => {
  it("sends JSON and parses JSON answers; 4xx are answers, not retried", async () => {
    const server = await stub(() => ({ status: 409, body: { error: { code: "out_of_stock" } } }));
    const { http, retries } = client({ userAgent: "test-agent" });
    const response = await http.request(`${server.url}/orders`, {
      method: "POST",
      body: { a: 1 },
      headers: { "idempotency-key": "k-1" },
    });
    expect(response).toMatchObject({
      status: 409,
      ok: false,
      body: { error: { code: "out_of_stock" } },
    });
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]).toMatchObject({
      method: "POST",
      body: { a: 1 },
      headers: {
        "content-type": "application/json",
        "idempotency-key": "k-1",
        "user-agent": "test-agent",
      },
    });
    expect(retries).toEqual([]);
  });

  it("answers an empty body as null", async () => {
    const server = await stub(() => ({ status: 204 }));
    const { http } = client();
    expect((await http.request(server.url, { method: "POST", body: {} })).body).toBeNull();
  });

  it("retries a broken connection with backoff until it gets an answer", async () => {
    const server = await stub((index) =>
      index < 2 ? "drop" : { status: 200, body: { ok: true } },
    );
    const { http, retries } = client();
    const response = await http.request(`${server.url}/x`, { method: "POST", body: { n: 1 } });
    expect(response.body).toEqual({ ok: true });
    expect(server.requests.map((request) => request.dropped)).toEqual([true, true, false]);
    expect(retries.map((retry) => retry.attempt)).toEqual([1, 2]);
    for (const retry of retries) {
      expect(retry.delayMs).toBeGreaterThanOrEqual(1);
      expect(retry.reason).toMatch(/^[A-Z_]+$/);
    }
  });

  it("retries 502, 503 and 504 under the `always` policy only", async () => {
    const server = await stub((index) => ({ status: [503, 502, 504][index] ?? 200 }));
    const { http, retries } = client();
    expect((await http.request(server.url)).status).toBe(200);
    expect(retries.map((retry) => retry.reason)).toEqual([
      "status 503",
      "status 502",
      "status 504",
    ]);

    const unsent = client();
    const other = await stub(() => ({ status: 503 }));
    expect((await unsent.http.request(other.url, { retry: "unsent" })).status).toBe(503);
    expect(unsent.retries).toEqual([]);
  });

  it("gives up after maxAttempts with a NetworkError naming the failure", async () => {
    const server = await stub(() => "drop");
    const { http, retries } = client({ maxAttempts: 3 });
    const failure = await http.request(server.url).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(NetworkError);
    expect((failure as NetworkError).attempts).toBe(3);
    expect(server.requests).toHaveLength(3);
    expect(retries).toHaveLength(2);
  });

  it("retries a refused connection under `unsent`, but not a broken one", async () => {
    const port = await freePort();
    const { http, retries } = client({ maxAttempts: 3 });
    const refused = await http
      .request(`http://127.0.0.1:${port}/`, { method: "POST", body: {}, retry: "unsent" })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(NetworkError);
    expect((refused as NetworkError).code).toBe("ECONNREFUSED");
    expect(retries).toHaveLength(2);

    const server = await stub(() => "drop");
    const broken = client({ maxAttempts: 3 });
    await expect(
      broken.http.request(server.url, { method: "POST", body: {}, retry: "unsent" }),
    ).rejects.toBeInstanceOf(NetworkError);
    expect(server.requests).toHaveLength(1);
    expect(broken.retries).toEqual([]);
  });

  it("times an attempt out and retries it", async () => {
    const server = await stub((index) =>
      index === 0 ? new Promise<StubAnswer>(() => {}) : { status: 200 },
    );
    // Long enough that the answered attempt cannot time out too on a loaded CI machine
    // (100 ms did once, with every workspace's tests running at the same time).
    const { http, retries } = client({ timeoutMs: 1_000 });
    expect((await http.request(server.url)).status).toBe(200);
    expect(retries.map((retry) => retry.reason)).toEqual(["ETIMEDOUT"]);
  });

  it("does not retry with `never`", async () => {
    const server = await stub(() => "drop");
    const { http, retries } = client();
    await expect(http.request(server.url, { retry: "never" })).rejects.toBeInstanceOf(NetworkError);
    expect(server.requests).toHaveLength(1);
    expect(retries).toEqual([]);
  });

  it("close() ends backoff waits at once and refuses new requests", async () => {
    const server = await stub(() => "drop");
    const { http, retries } = client({
      retryBaseMs: 60_000,
      retryMaxMs: 60_000,
      random: () => 0.99,
    });
    const pending = http.request(server.url).catch((error: unknown) => error);
    await expect.poll(() => retries.length).toBe(1);
    expect(http.inFlight).toBe(1);
    expect(await http.close(10_000)).toBe(0);
    expect(await pending).toBeInstanceOf(StoppedError);
    expect(http.inFlight).toBe(0);
    await expect(http.request(server.url)).rejects.toBeInstanceOf(StoppedError);
    await expect(http.sleep(1)).rejects.toBeInstanceOf(StoppedError);
  });

  it("close() lets a request in flight finish within the grace period, else aborts it", async () => {
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const server = await stub(async (index) => {
      if (index === 0) await released;
      else await new Promise<never>(() => {});
      return { status: 200, body: { index } };
    });
    const finishing = client();
    const first = finishing.http.request(server.url);
    await expect.poll(() => server.requests.length).toBe(1);
    const closing = finishing.http.close(10_000);
    release();
    expect(await closing).toBe(0);
    expect((await first).body).toEqual({ index: 0 });

    const aborting = client();
    const second = aborting.http.request(server.url).catch((error: unknown) => error);
    await expect.poll(() => server.requests.length).toBe(2);
    expect(await aborting.http.close(20)).toBe(1);
    expect(await second).toBeInstanceOf(StoppedError);
  });
});

describe("waitUntilReady", () => {
  const logger = createLogger({ name: "test", level: "silent" });

  it("polls /health/ready until each service answers 200", async () => {
    const one = await stub((index) => ({ status: index < 2 ? 503 : 200 }));
    const two = await stub(() => ({ status: 200 }));
    const { http } = client();
    await waitUntilReady(
      http,
      [
        { name: "one", url: one.url },
        { name: "two", url: two.url },
      ],
      { timeoutMs: 10_000, logger },
    );
    expect(one.requests.map((request) => request.path)).toEqual(Array(3).fill("/health/ready"));
    expect(two.requests).toHaveLength(1);
  });

  it("gives up after timeoutMs, naming the service and the problem", async () => {
    const port = await freePort();
    const { http } = client();
    await expect(
      waitUntilReady(http, [{ name: "inventory", url: `http://127.0.0.1:${port}` }], {
        timeoutMs: 50,
        logger,
      }),
    ).rejects.toThrow(
      /^inventory \(http:\/\/127\.0\.0\.1:\d+\) not ready after \d+ ms: ECONNREFUSED$/,
    );
  });
});
