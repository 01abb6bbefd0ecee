import { startRedisServer } from "@retail/testing";
import { benchPublish } from "./publish.js";

const server = await startRedisServer({ persistence: "none" });
try {
  console.log(await benchPublish(server.url));
} finally {
  await server.dispose();
}
