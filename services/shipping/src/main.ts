import { shippingService } from "./service.js";

await shippingService.main();
