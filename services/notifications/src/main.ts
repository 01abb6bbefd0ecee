import { notificationsService } from "./service.js";

await notificationsService.main();
