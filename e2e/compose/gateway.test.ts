import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  authorized,
  bearer,
  compose,
  containersOf,
  docker,
  URLS,
  waitForHealthyStack,
  waitUntil,
} from "./stack.js";

/** The carrier's side: shipping's API needs shipping:operate. */
const operator = () => authorized("e2e-carrier", ["shipping:operate"]);

/** Shipping's `GET /shipments` requests a replica has served, from its own /metrics (ops:read). */
async function listRequestsServed(container: string): Promise<number> {
  const metrics = await docker(
    "exec",
    "-e",
    `AUTHORIZATION=${await bearer("e2e-ops", ["ops:read"])}`,
    container,
    "node",
    "-e",
    "fetch('http://127.0.0.1:3002/metrics', { headers: { authorization: process.env.AUTHORIZATION } }).then((r) => r.text()).then((t) => process.stdout.write(t))",
  );
  let served = 0;
  for (const [, count] of metrics.matchAll(
    /^http_request_duration_seconds_count\{[^}]*route="\/shipments"[^}]*\} (\d+)$/gm,
  ))
    served += Number(count);
  return served;
}

async function scaleShipping(replicas: number): Promise<void> {
  await compose("up", "-d", "--no-recreate", "--scale", `shipping=${replicas}`, "shipping");
}

// On the stack global-setup.ts starts, after the saga and chaos tests (it runs last).
describe("docker compose: shipping's front door is localhost:3002, with one replica or several", () => {
  beforeAll(async () => {
    await waitForHealthyStack(180_000);
  });

  afterAll(async () => {
    // back to the one replica the stack started with
    await scaleShipping(1);
  });

  it("answers shipping's API on the documented URL, passing the correlation id through", async () => {
    const correlationId = randomUUID();
    const response = await fetch(`${URLS.shipping}/shipments?orderId=${randomUUID()}`, {
      headers: { "x-correlation-id": correlationId, ...(await operator()) },
      signal: AbortSignal.timeout(10_000),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual([]);
    expect(response.headers.get("x-correlation-id")).toBe(correlationId);
  });

  it("spreads requests on the documented URL over both replicas of `--scale shipping=2`", async () => {
    await scaleShipping(2);
    await waitUntil(
      "two healthy shipping replicas",
      async () => {
        const containers = await containersOf("shipping");
        if (containers.length !== 2) return false;
        for (const container of containers) {
          const health = await docker("inspect", "-f", "{{.State.Health.Status}}", container);
          if (health !== "healthy") return false;
        }
        return true;
      },
      120_000,
    );
    const replicas = await containersOf("shipping");
    const before = await Promise.all(replicas.map(listRequestsServed));

    // The gateway looks the replicas up again within a second: until it has, the
    // requests all go to the first replica.
    await waitUntil(
      "each replica to serve requests sent to localhost:3002",
      async () => {
        for (let index = 0; index < 10; index += 1) {
          const response = await fetch(`${URLS.shipping}/shipments?orderId=${randomUUID()}`, {
            headers: await operator(),
            signal: AbortSignal.timeout(10_000),
          });
          expect(response.status).toBe(200);
        }
        const after = await Promise.all(replicas.map(listRequestsServed));
        return after.every((served, index) => served > (before[index] ?? 0));
      },
      60_000,
    );
  });
});
