import { z } from "zod";
import { id, text, timestamp } from "./fields.js";
import { defineTopic } from "./topic.js";

export const ALERT_KINDS = [
  "client_offline",
  "stock_low",
  "dead_letters_growing",
  "events_lost_to_trimming",
  "redis_memory_high",
] as const;
export const ALERT_SEVERITIES = ["info", "warning", "critical"] as const;

export const alertRaised = defineTopic({
  name: "alert.raised",
  version: 1,
  description:
    "Client-monitoring raised an alert for operators: a client app went offline, a SKU's stock is low, a topic's dead letters keep growing, a group lost events to trimming before handling them, or a Redis node nears its maxmemory.",
  schema: z.object({
    alertId: id("The alert's id."),
    kind: z.enum(ALERT_KINDS).describe("What is wrong."),
    severity: z.enum(ALERT_SEVERITIES).describe("How urgent it is."),
    subject: id(
      "What the alert is about: the client id, the SKU, the topic name or the Redis node; the partition key.",
    ),
    message: text("A sentence for the operator."),
    raisedAt: timestamp("When the alert was raised"),
  }),
  publisher: "client-monitoring",
  consumers: ["client-monitoring"],
  partitionKey: "subject",
  example: {
    alertId: "alt-301",
    kind: "client_offline",
    severity: "warning",
    subject: "till-berlin-03",
    message: "Till till-berlin-03 has sent no heartbeat for 30 s.",
    raisedAt: "2025-03-14T12:00:30.050Z",
  },
  view: { summary: "{severity} {kind:words}: {message}", refreshes: ["alerts"] },
});

/** The alert topics, in catalog order: listing a topic here puts it in the catalog. */
export const alertTopics = [alertRaised] as const;
