import type { GroupStats } from "@retail/bus";
import { withRedis } from "./connect.js";
import { duration, jsonDocument, renderTable } from "./format.js";
import type { CommandContext } from "./io.js";
import { resolveTopic } from "./topics.js";

export interface TopicGroups {
  topic: string;
  groups: GroupStats[];
}

export function renderGroups(topics: readonly TopicGroups[], context: CommandContext): string {
  const c = context.colors;
  const rows: string[][] = [];
  for (const { topic, groups } of topics) {
    if (groups.length === 0) {
      rows.push([c.dim(topic), c.dim("(no consumer groups)"), "", "", "", "", "", ""]);
      continue;
    }
    groups.forEach((group, index) => {
      rows.push([
        index === 0 ? topic : "",
        c.bold(group.group),
        group.pending > 0 ? c.yellow(String(group.pending)) : String(group.pending),
        group.parked > 0 ? c.yellow(String(group.parked)) : "0",
        group.lag === null ? c.yellow("?") : group.lag > 0 ? c.yellow(String(group.lag)) : "0",
        group.deadLetters > 0 ? c.red(String(group.deadLetters)) : "0",
        group.trimmed > 0 ? c.red(String(group.trimmed)) : "0",
        "",
      ]);
      if (group.consumers.length === 0)
        rows.push(["", c.dim("  (no consumers)"), "", "", "", "", "", ""]);
      for (const consumer of group.consumers) {
        rows.push([
          "",
          c.dim(`  ${consumer.name}`),
          String(consumer.pending),
          "",
          "",
          "",
          "",
          duration(consumer.idleMs),
        ]);
      }
    });
  }
  return renderTable(
    ["TOPIC", "GROUP / CONSUMER", "PENDING", "PARKED", "LAG", "DEAD", "LOST", "IDLE"],
    rows,
    {
      align: ["left", "left", "right", "right", "right", "right", "right", "right"],
      colors: c,
    },
  );
}

/** `retail groups [topic]` */
export async function groupsCommand(
  context: CommandContext,
  topicName: string | undefined,
  options: { json?: boolean },
): Promise<void> {
  const topics = resolveTopic(topicName);
  const report = await withRedis(context.redisUrl(), async ({ bus }) => {
    const rows: TopicGroups[] = [];
    for (const topic of topics) rows.push({ topic, groups: await bus.admin.groups(topic) });
    return rows;
  });
  if (options.json) {
    context.io.out(jsonDocument(report.flatMap(({ groups }) => groups)));
    return;
  }
  context.io.out(renderGroups(report, context));
  context.io.out(
    context.colors.dim(
      "PENDING: delivered, not yet acknowledged. PARKED: of those, waiting to be retried. LAG: not yet delivered to the group. DEAD: dead letters (retail dlq list). LOST: trimmed before the group handled them.\n",
    ),
  );
}
