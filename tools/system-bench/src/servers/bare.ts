/**
 * The bare baseline: Fastify's hello world, nothing else. The ceiling of an HTTP route
 * in one Node process on this machine.
 */
import Fastify from "fastify";

const app = Fastify({ logger: false });
app.get("/", async () => ({ hello: "world" }));
app.get("/ready", async () => ({ status: "ok" }));

await app.listen({ host: process.env.HOST ?? "127.0.0.1", port: Number(process.env.PORT ?? 0) });
for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.once(signal, () => {
    void app.close().finally(() => process.exit(0));
  });
