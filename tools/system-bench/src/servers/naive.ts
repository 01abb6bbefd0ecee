/**
 * The naive baseline: what a quick hand-written order route does. It validates the body
 * with zod and writes in one `MULTI`: decrement the stock field, store the order hash,
 * `XADD` the event. No stock check (it can go negative), no idempotency, no envelope,
 * no tracing, no metrics: the floor the real route should beat.
 */
import { randomUUID } from "node:crypto";
import Fastify from "fastify";
import { Redis } from "ioredis";
import { naiveOrderSchema } from "../orders.js";

const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
const app = Fastify({ logger: false });

app.post("/orders", async (request, reply) => {
  const parsed = naiveOrderSchema.safeParse(request.body);
  if (!parsed.success) return reply.code(400).send({ error: parsed.error.issues });
  const order = parsed.data;
  const orderId = randomUUID();
  const createdAt = new Date().toISOString();
  const multi = redis.multi();
  for (const line of order.lines) multi.hincrby("naive:stock", line.sku, -line.quantity);
  multi.hset(`naive:order:${orderId}`, {
    orderId,
    customerId: order.customerId,
    lines: JSON.stringify(order.lines),
    shippingAddress: JSON.stringify(order.shippingAddress),
    createdAt,
  });
  multi.xadd(
    "naive:orders",
    "MAXLEN",
    "~",
    "100000",
    "*",
    "type",
    "order.placed",
    "payload",
    JSON.stringify({ orderId, ...order, createdAt }),
  );
  const results = (await multi.exec()) ?? [];
  const failed = results.find(([error]) => error !== null);
  if (failed) return reply.code(500).send({ error: String(failed[0]) });
  return reply.code(201).send({ orderId, status: "reserved", createdAt });
});
app.get("/ready", async () => {
  await redis.ping();
  return { status: "ok" };
});

await app.listen({ host: process.env.HOST ?? "127.0.0.1", port: Number(process.env.PORT ?? 0) });
for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.once(signal, () => {
    void app.close().finally(() => {
      redis.disconnect();
      process.exit(0);
    });
  });
