import { ASYNCAPI_PATH, writeAsyncApiFile } from "./asyncapi-file.js";
import { README_PATH, writeTopicTable } from "./readme-file.js";

await writeAsyncApiFile();
console.log(`wrote ${ASYNCAPI_PATH}`);
await writeTopicTable();
console.log(`wrote the topic table of ${README_PATH}`);
