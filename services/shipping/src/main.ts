import { runService, startService, startTracing } from "@retail/service-kit";
import { SERVICE_NAME } from "./keys.js";
import { createShippingContext, createShippingService } from "./service.js";

await runService(async () => {
  // First, so the bus and the HTTP layer trace with the SDK when one is configured.
  const tracing = await startTracing({ serviceName: SERVICE_NAME });
  const context = createShippingContext();
  const service = await createShippingService({ context });
  await service.start();
  await startService({
    app: service.app,
    context,
    // Tracing last, so the spans of the shutdown itself are flushed too.
    onShutdown: [() => service.close(), () => tracing.shutdown()],
  });
});
