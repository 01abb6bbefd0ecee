import { createServiceContext, runService, startService, startTracing } from "@retail/service-kit";
import { configSchema } from "./config.js";
import { SERVICE } from "./keys.js";
import { createClientMonitoringService } from "./service.js";

await runService(async () => {
  // First, so the bus and the HTTP layer trace with the SDK when one is configured.
  const tracing = await startTracing({ serviceName: SERVICE });
  const context = createServiceContext({ name: SERVICE, configSchema });
  const service = await createClientMonitoringService({ context });
  await service.start();
  await startService({
    app: service.app,
    context,
    onShutdown: [
      async function closeClientMonitoring() {
        await service.close();
      },
      // Last, so the spans of the shutdown itself are flushed too.
      async function flushTraces() {
        await tracing.shutdown();
      },
    ],
  });
});
