import { createServiceContext, runService, startService } from "@retail/service-kit";
import { configSchema } from "./config.js";
import { SERVICE } from "./keys.js";
import { createClientMonitoringService } from "./service.js";

await runService(async () => {
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
    ],
  });
});
