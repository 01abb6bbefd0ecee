/** Where a consumer process records a key's effects (seqs, in the order handled), under the service's hash tag. */
export function effectsKey(orderId: string): string {
  return `{ordered}:effects:${orderId}`;
}

/** Which process handled each of a key's effects, in the same order. */
export function handlersKey(orderId: string): string {
  return `{ordered}:handlers:${orderId}`;
}

/** Counts the effects recorded by a retry (an attempt after the first). */
export const RETRIED = "{ordered}:retried";

/** Whether the event's first attempt fails (one in twenty). */
export function flaky(seq: number): boolean {
  return seq % 20 === 7;
}
