import { inventoryService } from "./service.js";

await inventoryService.main();
