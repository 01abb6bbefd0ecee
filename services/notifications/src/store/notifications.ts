import {
  type Bus,
  type Duplicate,
  defineScript,
  type HandlerContext,
  type RedisClient,
} from "@retail/bus";
import type { RetailCatalog } from "@retail/contracts";
import { keys } from "../keys.js";
import { type Notification, notificationSchema } from "../notification.js";

/** What keeping a notification did; `unknown_order`: the order's customer record expired meanwhile. */
export type KeepReply = { outcome: "kept" } | { outcome: "unknown_order" };

const KEEP_NOTIFICATION = defineScript<KeepReply>(
  new URL("./keep-notification.lua", import.meta.url),
);

export interface NotificationStoreOptions {
  redis: RedisClient;
  bus: Bus<RetailCatalog>;
  /** How long an order's customer is remembered (`NOTIFICATIONS_ORDER_TTL_MS`). */
  orderTtlMs: number;
  /** Most notifications kept per customer (`NOTIFICATIONS_KEPT_MAX`). */
  keptMax: number;
  /** A kept list expires this long after its newest notification (`NOTIFICATIONS_KEPT_TTL_MS`). */
  keptTtlMs: number;
}

/**
 * The service's state in Redis: which customer placed each order (from order.placed),
 * and each customer's notifications that no app has received yet.
 */
export class NotificationStore {
  constructor(private readonly options: NotificationStoreOptions) {}

  /** The customer who placed the order, while remembered. */
  async customerOf(orderId: string): Promise<string | undefined> {
    return (await this.options.redis.get(keys.orderCustomer(orderId))) ?? undefined;
  }

  /**
   * Keep `notification` on its customer's list in one step with the handled event's
   * processed mark (`context`). With `remember` (order.placed) the step also records the
   * order's customer; otherwise it checks the record still names the notification's
   * customer. A handled event this group had processed answers `duplicate`, unchanged.
   */
  keep(
    notification: Notification,
    context: HandlerContext<RetailCatalog>,
    { remember }: { remember: boolean },
  ): Promise<KeepReply | Duplicate> {
    const { orderTtlMs, keptMax, keptTtlMs } = this.options;
    return this.options.bus.commit(
      KEEP_NOTIFICATION,
      (step) => ({
        order: step.key(keys.orderCustomer(notification.orderId)),
        kept: step.key(keys.kept(notification.customerId)),
        remember,
        customerId: notification.customerId,
        notification: encode(notification),
        orderTtlMs,
        keptMax,
        keptTtlMs,
      }),
      { cause: context },
    );
  }

  /** Take a notification off its customer's list: an app received it live. */
  async received(notification: Notification): Promise<void> {
    await this.options.redis.lrem(keys.kept(notification.customerId), 1, encode(notification));
  }

  /** The customer's kept notifications, oldest first, left where they are. */
  async list(customerId: string): Promise<Notification[]> {
    return decodeAll(await this.options.redis.lrange(keys.kept(customerId), 0, -1));
  }

  /** The customer's kept notifications, oldest first, removed in the same step (an app connected). */
  async take(customerId: string): Promise<Notification[]> {
    const key = keys.kept(customerId);
    const replies = await this.options.redis.multi().lrange(key, 0, -1).del(key).exec();
    const [error, kept] = replies?.[0] ?? [new Error("MULTI was discarded"), undefined];
    if (error) throw error;
    return decodeAll(kept as string[]);
  }
}

/** One encoding for the list and for `received`'s `LREM`, which matches by exact value. */
function encode(notification: Notification): string {
  return JSON.stringify(notification);
}

/** What a newer version kept and this one cannot read is skipped. */
function decodeAll(values: readonly string[]): Notification[] {
  return values.flatMap((value) => {
    const parsed = notificationSchema.safeParse(safeJson(value));
    return parsed.success ? [parsed.data] : [];
  });
}

function safeJson(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}
