import { type RetailCatalog, topicsConsumedBy } from "@retail/contracts";
import { forTopics, type Handlers } from "@retail/service-kit";
import { SERVICE_NAME } from "./keys.js";
import { type LiveFeed, toView } from "./live-feed.js";
import type { EventLog } from "./store/event-log.js";

export interface HandlerDependencies {
  events: EventLog;
  feed: LiveFeed;
}

/**
 * One handler for every topic the catalog lists client-monitoring as a consumer of (all
 * of them): record the event (timelines, rate, alert) in one step with its processed
 * mark, then broadcast its view to the live feed of every instance. A duplicate is
 * neither recorded nor broadcast again.
 */
export function clientMonitoringHandlers({
  events,
  feed,
}: HandlerDependencies): Handlers<RetailCatalog> {
  return forTopics(topicsConsumedBy(SERVICE_NAME), async (event, context) => {
    const recorded = await events.record(event, context);
    if (recorded.outcome === "duplicate") {
      context.logger.debug("event already recorded");
      return;
    }
    context.logger.debug({ alert: recorded.alert }, "event recorded");
    try {
      await feed.publish(toView(event));
    } catch (error) {
      // The record stands; only live viewers miss this event (the feed has no replay).
      context.logger.warn({ err: error }, "could not broadcast the event to the live feed");
    }
  });
}
