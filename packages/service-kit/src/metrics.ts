import type { FastifyInstance } from "fastify";
import { collectDefaultMetrics, Histogram, Registry } from "prom-client";

// Re-exported so services create metrics with the kit's prom-client, no dependency of their own.
export { Counter, Gauge, Histogram, type Registry, Summary } from "prom-client";

/** Name of the HTTP request duration histogram. */
export const HTTP_DURATION_METRIC = "http_request_duration_seconds";

/** Route label for requests that matched no route, so raw URLs never become labels. */
export const UNMATCHED_ROUTE = "unmatched";

/**
 * A registry of its own for one service (never prom-client's global one, so several
 * services can live in one process, as they do in tests), with the default process
 * metrics and a `service` label on every series.
 */
export function createMetricsRegistry(serviceName: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service: serviceName });
  collectDefaultMetrics({ register: registry });
  return registry;
}

/**
 * Time every request into {@link HTTP_DURATION_METRIC} (labels `method`, `route` as the
 * route pattern, `status_code`) and serve `GET /metrics` in Prometheus text format.
 */
export function registerMetrics(app: FastifyInstance, registry: Registry): void {
  // Reused if this registry already has it, so one context can build several apps.
  const histogram =
    (registry.getSingleMetric(HTTP_DURATION_METRIC) as Histogram<string> | undefined) ??
    new Histogram({
      name: HTTP_DURATION_METRIC,
      help: "Duration of HTTP requests in seconds, by method, route pattern and status code",
      labelNames: ["method", "route", "status_code"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });

  app.addHook("onResponse", async (request, reply) => {
    histogram.observe(
      {
        method: request.method,
        route: request.routeOptions.url ?? UNMATCHED_ROUTE,
        status_code: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
  });

  // Scrapes are periodic; logging each at info would drown the service's own lines.
  app.get(
    "/metrics",
    { schema: { hide: true }, logLevel: "warn", config: { scope: "ops:read" } },
    async (_request, reply) => {
      const body = await registry.metrics();
      return reply.type(registry.contentType).send(body);
    },
  );
}
