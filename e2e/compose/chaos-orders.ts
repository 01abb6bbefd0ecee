// The orders of the chaos test: what each asks for, and how it may end.

import { orderBody } from "../src/system.js";
import { type Answer, type Tally, untilAnswered } from "./load.js";
import { authorized } from "./stack.js";

const INVENTORY = "http://127.0.0.1:3001";
const RUN = Date.now().toString(36);
/**
 * The orders come from this many customers in turn, each with their own token: at 20
 * orders a second that is 12 a minute each, under inventory's limit per customer.
 */
const CUSTOMERS = 100;
const tokens = new Map<string, Promise<{ authorization: string }>>();
/** The customer's own token: they place and cancel their orders. */
const customerHeaders = (customerId: string) => {
  let headers = tokens.get(customerId);
  if (headers === undefined) {
    headers = authorized(customerId, ["orders:write", "orders:read"]);
    tokens.set(customerId, headers);
  }
  return headers;
};

export interface Plan {
  index: number;
  sku: string;
  country: string;
  expected: "delivered" | "failed" | "rejected";
  cancel: boolean;
}

export interface Outcome {
  plan: Plan;
  /** The final answer to POST /orders, after retries; none if it never came. */
  placed?: Answer;
  cancelled?: Answer;
}

/** As compose.test.ts mixes them: mostly delivered, some unserved, out of stock or cancelled. */
export function planOf(index: number): Plan {
  const plan = { index, sku: "CHAOS-PLENTY", country: "DE", cancel: false };
  if (index % 10 === 8) return { ...plan, country: "AQ", expected: "failed" };
  if (index % 10 === 9) return { ...plan, sku: "CHAOS-EMPTY", expected: "rejected" };
  return { ...plan, expected: "delivered", cancel: index % 20 === 3 };
}

/** Place one order, retrying with its Idempotency-Key; ask to cancel it at once if planned. */
export async function placeAndMaybeCancel(tally: Tally, plan: Plan): Promise<Outcome> {
  const customerId = `chaos-customer-${plan.index % CUSTOMERS}`;
  const body = orderBody(customerId, plan.sku, 1, plan.country);
  const headers = {
    ...(await customerHeaders(customerId)),
    "idempotency-key": `chaos-${RUN}-${plan.index}`,
  };
  const placed = await untilAnswered(tally, "POST", `${INVENTORY}/orders`, body, headers);
  if (!plan.cancel || placed?.status !== 201) return { plan, ...(placed && { placed }) };
  const url = `${INVENTORY}/orders/${placed.body.orderId}/cancel`;
  const cancelled = await untilAnswered(
    tally,
    "POST",
    url,
    { reason: "chaos test" },
    await customerHeaders(customerId),
  );
  return { plan, placed, ...(cancelled && { cancelled }) };
}

/** The statuses an accepted order may end in, given how its cancel was answered. */
export function expectedFinals({ plan, cancelled }: Outcome): readonly string[] {
  if (!plan.cancel || cancelled === undefined) return [plan.expected];
  if (cancelled.status === 200) return ["cancelled"];
  // A request that shipping decides against its dispatch timer: either, as the shipment went.
  if (cancelled.status === 202) return ["cancelled", "delivered"];
  return cancelled.body?.error?.code === "already_dispatched" ? ["delivered"] : [plan.expected];
}
