import { catalog, type RetailTopicName, type TopicView, topicNames } from "@retail/contracts";

/**
 * How the page shows each topic of the catalog: the view each topic carries in
 * `@retail/contracts` (summary template, order status, saga step, cancel, panels), keyed
 * by topic name. Served as `GET /topics.json` by client-monitoring; `public/app.js`
 * listens to exactly these topics and renders their summaries.
 */
export const topicViews = Object.fromEntries(
  topicNames.map((name) => [name, catalog[name].view]),
) as Readonly<Record<RetailTopicName, TopicView>>;
