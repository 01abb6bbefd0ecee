// Started by timers.test.ts in a child process: start the service with its timers
// polling, close it, and let the process end by itself. It hangs if anything is left.
import { shippingService } from "../src/service.js";

const service = await shippingService.create({
  env: { ...process.env, SHIPPING_TIMER_POLL_MS: "5" },
});
await service.start();
await service.expose.timers.tick();
await service.close();
process.stdout.write("closed\n");
