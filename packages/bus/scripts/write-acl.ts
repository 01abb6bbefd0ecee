import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ACL_TEMPLATE_PATH, retailAclFile } from "./retail-acl.js";

writeFileSync(ACL_TEMPLATE_PATH, retailAclFile());
process.stdout.write(`wrote ${fileURLToPath(ACL_TEMPLATE_PATH)}\n`);
