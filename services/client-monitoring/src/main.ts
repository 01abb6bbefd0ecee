import { clientMonitoringService } from "./service.js";

await clientMonitoringService.main();
