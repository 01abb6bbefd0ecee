/**
 * A keep-alive HTTP client for placing orders from this process: `POST /orders` with the
 * benchmark body and the customer's token, resolving to the new order's id (or the
 * status it failed with).
 */
import { Agent, request } from "node:http";
import { orderBodyJson } from "./orders.js";

export type PlaceResult = { ok: true; orderId: string } | { ok: false; status: number };

export interface OrderClient {
  place(): Promise<PlaceResult>;
  close(): void;
}

export function orderClient(
  inventoryUrl: string,
  maxSockets: number,
  authorization: string,
): OrderClient {
  const agent = new Agent({ keepAlive: true, maxSockets });
  const url = new URL("/orders", inventoryUrl);
  const body = Buffer.from(orderBodyJson);
  return {
    place() {
      return new Promise<PlaceResult>((resolve) => {
        const outgoing = request(
          url,
          {
            method: "POST",
            agent,
            headers: {
              "content-type": "application/json",
              "content-length": body.length,
              authorization,
            },
          },
          (response) => {
            const chunks: Buffer[] = [];
            response.on("data", (chunk: Buffer) => chunks.push(chunk));
            response.on("end", () => {
              const status = response.statusCode ?? 0;
              if (status !== 201) return resolve({ ok: false, status });
              try {
                const parsed = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
                  orderId?: unknown;
                };
                if (typeof parsed.orderId === "string")
                  return resolve({ ok: true, orderId: parsed.orderId });
              } catch {
                // an unparsable 201 counts as a failure below
              }
              resolve({ ok: false, status });
            });
            response.on("error", () => resolve({ ok: false, status: 0 }));
          },
        );
        // A refused or reset connection is a failed order, not a crash of the run.
        outgoing.on("error", () => resolve({ ok: false, status: 0 }));
        outgoing.end(body);
      });
    },
    close() {
      agent.destroy();
    },
  };
}
