import { createServiceContext, runService, startService, startTracing } from "@retail/service-kit";
import { configSchema } from "./config.js";
import { createInventoryService, SERVICE_NAME } from "./service.js";

await runService(async () => {
  // First, so the bus and the HTTP layer trace with the SDK when one is configured.
  const tracing = await startTracing({ serviceName: SERVICE_NAME });
  const context = createServiceContext({ name: SERVICE_NAME, configSchema });
  const service = await createInventoryService({ context });
  await service.start();
  await startService({
    app: service.app,
    context,
    onShutdown: [
      async function closeInventory() {
        await service.close();
      },
      // Last, so the spans of the shutdown itself are flushed too.
      async function flushTraces() {
        await tracing.shutdown();
      },
    ],
  });
});
