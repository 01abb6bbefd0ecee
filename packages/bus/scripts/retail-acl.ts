import { catalog } from "@retail/contracts";
import { aclFile } from "../src/acl.js";

/**
 * The ACL file of the compose demo: one Redis user per service, derived from the
 * catalog, plus the Pub/Sub channels client-monitoring uses for its live feed and
 * for direct messages to client apps, and an `operator` user for the retail CLI.
 * Passwords are `${…}` placeholders filled in from the environment when Redis
 * starts (infra/redis/start.sh).
 */
export function retailAclFile(): string {
  return aclFile(
    catalog,
    [
      { name: "inventory", passwordVariable: "INVENTORY_REDIS_PASSWORD" },
      { name: "shipping", passwordVariable: "SHIPPING_REDIS_PASSWORD" },
      {
        name: "client-monitoring",
        passwordVariable: "CLIENT_MONITORING_REDIS_PASSWORD",
        options: {
          channels: ["broadcast:events", "direct:client-messages:*"],
          readAllDeadLetters: true,
        },
      },
      {
        name: "notifications",
        passwordVariable: "NOTIFICATIONS_REDIS_PASSWORD",
        options: { channels: ["direct:notifications:*"] },
      },
    ],
    "REDIS_ADMIN_PASSWORD",
    "REDIS_OPERATOR_PASSWORD",
  );
}

export const ACL_TEMPLATE_PATH = new URL(
  "../../../infra/redis/users.acl.template",
  import.meta.url,
);
