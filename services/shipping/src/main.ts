import { runService, startService } from "@retail/service-kit";
import { createShippingContext, createShippingService } from "./service.js";

await runService(async () => {
  const context = createShippingContext();
  const service = await createShippingService({ context });
  await service.start();
  await startService({
    app: service.app,
    context,
    onShutdown: [() => service.close()],
  });
});
