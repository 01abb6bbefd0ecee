import { createServiceContext, runService, startService } from "@retail/service-kit";
import { configSchema } from "./config.js";
import { createInventoryService, SERVICE_NAME } from "./service.js";

await runService(async () => {
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
    ],
  });
});
