import { ASYNCAPI_PATH, writeAsyncApiFile } from "./asyncapi-file.js";

await writeAsyncApiFile();
console.log(`wrote ${ASYNCAPI_PATH}`);
