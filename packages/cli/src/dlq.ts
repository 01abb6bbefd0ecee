import type { DeadLetter } from "@retail/bus";
import { type RedisSession, withRedis } from "./connect.js";
import { CliError, ExitCode, usageError } from "./errors.js";
import { duration, entryTimeMs, jsonDocument, pad, renderTable, timestamp } from "./format.js";
import type { CommandContext } from "./io.js";
import { resolveTopic } from "./topics.js";

const ENTRY_ID = /^\d{1,20}-\d{1,20}$/;

function checkIds(ids: readonly string[]): string[] {
  const bad = ids.find((id) => !ENTRY_ID.test(id));
  if (bad !== undefined) {
    throw usageError(
      `"${bad}" is not a dead-letter id (ids look like 1741944413589-0; see retail dlq list)`,
    );
  }
  return [...new Set(ids)];
}

/**
 * Find dead letters by id in the dead-letter streams of some topics (every group's,
 * also of groups deleted since), parsed as `dlq list` parses them.
 */
function locate(
  session: RedisSession,
  topics: readonly string[],
  group: string | undefined,
  ids: readonly string[],
): Promise<DeadLetter[]> {
  return session.bus.admin.findDeadLetters(
    ids,
    group === undefined ? { topics } : { topics, group },
  );
}

/** Dead letters grouped by topic and group, for replay and purge by id. */
function byTopicAndGroup(
  letters: readonly DeadLetter[],
): { topic: string; group: string; ids: string[] }[] {
  const groups = new Map<string, { topic: string; group: string; ids: string[] }>();
  for (const letter of letters) {
    const key = `${letter.topic}\u0000${letter.group}`;
    const entry = groups.get(key) ?? { topic: letter.topic, group: letter.group, ids: [] };
    if (!entry.ids.includes(letter.id)) entry.ids.push(letter.id);
    groups.set(key, entry);
  }
  return [...groups.values()];
}

function shorten(text: string, max: number): string {
  const line = text.replace(/\s+/g, " ");
  return line.length <= max ? line : `${line.slice(0, max - 1)}…`;
}

export function renderDeadLetters(letters: readonly DeadLetter[], context: CommandContext): string {
  const c = context.colors;
  const now = Date.now();
  const rows = letters.map((letter) => [
    letter.id,
    letter.topic,
    letter.group,
    c.red(letter.reason),
    String(letter.attempts),
    letter.lastFailedAt ? timestamp(Date.parse(letter.lastFailedAt), now) : "—",
    letter.fields.id ?? c.dim("(no event id)"),
    shorten(letter.error, 60),
  ]);
  return renderTable(
    ["ID", "TOPIC", "GROUP", "REASON", "ATTEMPTS", "LAST FAILED", "EVENT", "ERROR"],
    rows,
    { align: ["left", "left", "left", "left", "right"], colors: c },
  );
}

/** `retail dlq list [topic] [--group G] [--limit N]` */
export async function dlqListCommand(
  context: CommandContext,
  topicName: string | undefined,
  options: { group?: string; limit?: string; json?: boolean },
): Promise<void> {
  const topics = resolveTopic(topicName);
  const count = options.limit === undefined ? 100 : Number(options.limit);
  if (!Number.isInteger(count) || count < 1)
    throw usageError(`--limit must be a positive integer, got "${options.limit}"`);
  const letters = await withRedis(context.redisUrl(), ({ bus }) =>
    bus.admin.listDeadLetters(topics, { group: options.group, count }),
  );
  if (options.json) {
    context.io.out(jsonDocument(letters));
    return;
  }
  if (letters.length === 0) {
    context.io.out("no dead letters\n");
    return;
  }
  context.io.out(renderDeadLetters(letters, context));
  context.io.out(
    context.colors.dim(
      `${letters.length} dead letter${letters.length === 1 ? "" : "s"}. Details: retail dlq show <id>. Retry: retail dlq replay <id>.\n`,
    ),
  );
}

function pretty(value: string): string {
  try {
    const parsed = JSON.parse(value) as unknown;
    if (typeof parsed === "object" && parsed !== null)
      return JSON.stringify(parsed, null, 2).replace(/\n/g, "\n    ");
  } catch {
    // not JSON: shown as it is
  }
  return value;
}

export function renderDeadLetter(letter: DeadLetter, context: CommandContext): string {
  const c = context.colors;
  const row = (name: string, value: string) => `  ${c.dim(pad(name, 14))}${value}\n`;
  const failedAgo = letter.lastFailedAt
    ? c.dim(` (${duration(Date.now() - Date.parse(letter.lastFailedAt))} ago)`)
    : "";
  let text = `${c.bold(`dead letter ${letter.id}`)}  ${letter.topic}, group ${letter.group}\n`;
  text += row("reason", c.red(letter.reason));
  text += row("error", letter.error);
  for (const issue of letter.issues ?? [])
    text += row("issue", `${issue.path || "(root)"}: ${issue.message}`);
  text += row("handler", letter.handler);
  text += row("attempts", String(letter.attempts));
  text += row("first failed", letter.firstFailedAt);
  text += row("last failed", `${letter.lastFailedAt}${failedAgo}`);
  text += row(
    "source",
    `${letter.sourceStream} ${letter.sourceEntryId}${letter.sourceEntryId ? c.dim(` (stored ${new Date(entryTimeMs(letter.sourceEntryId)).toISOString()})`) : ""}`,
  );
  text += `  ${c.dim("entry")}\n`;
  for (const [name, value] of Object.entries(letter.fields))
    text += `    ${c.dim(pad(name, 14))}${pretty(value)}\n`;
  return text;
}

/** `retail dlq show ID`: searches every topic's dead-letter streams. */
export async function dlqShowCommand(
  context: CommandContext,
  id: string,
  options: { json?: boolean },
): Promise<void> {
  const [checked] = checkIds([id]);
  const topics = resolveTopic(undefined);
  const letters = await withRedis(context.redisUrl(), (session) =>
    locate(session, topics, undefined, checked === undefined ? [] : [checked]),
  );
  if (letters.length === 0) {
    throw new CliError(
      ExitCode.failure,
      `no dead letter with id ${id} (searched the dead-letter streams of every topic)`,
    );
  }
  if (options.json) {
    context.io.out(jsonDocument(letters.length === 1 ? letters[0] : letters));
    return;
  }
  context.io.out(letters.map((letter) => renderDeadLetter(letter, context)).join("\n"));
}

interface Scope {
  topic?: string;
  group?: string;
}

interface TopicCount {
  topic: string;
  group?: string | undefined;
  count: number;
}

function describeCounts(counts: readonly TopicCount[]): string {
  return counts
    .filter(({ count }) => count > 0)
    .map(({ topic, group, count }) => `${topic}${group ? ` (${group})` : ""}: ${count}`)
    .join(", ");
}

function plural(count: number): string {
  return `${count} dead letter${count === 1 ? "" : "s"}`;
}

/** `retail dlq replay [--all | ID…] [--topic T] [--group G]` */
export async function dlqReplayCommand(
  context: CommandContext,
  ids: readonly string[],
  options: Scope & { all?: boolean; json?: boolean },
): Promise<void> {
  if (options.all && ids.length > 0) throw usageError("give dead-letter ids or --all, not both");
  if (!options.all && ids.length === 0)
    throw usageError(
      "give the ids of the dead letters to replay, or --all (narrowed by --topic and --group)",
    );
  const wanted = checkIds(ids);
  const topics = resolveTopic(options.topic);
  const { counts, notFound } = await withRedis(context.redisUrl(), async (session) => {
    const counts: TopicCount[] = [];
    if (options.all) {
      for (const topic of topics) {
        const count = await session.bus.admin.replayDeadLetters(topic, { group: options.group });
        counts.push({ topic, group: options.group, count });
      }
      return { counts, notFound: [] as string[] };
    }
    const found = await locate(session, topics, options.group, wanted);
    for (const { topic, group, ids: letterIds } of byTopicAndGroup(found)) {
      const count = await session.bus.admin.replayDeadLetters(topic, { group, ids: letterIds });
      counts.push({ topic, group, count });
    }
    return { counts, notFound: wanted.filter((id) => !found.some((letter) => letter.id === id)) };
  });
  const replayed = counts.reduce((sum, { count }) => sum + count, 0);
  if (options.json) {
    context.io.out(
      jsonDocument({ replayed, topics: counts.filter(({ count }) => count > 0), notFound }),
    );
  } else if (replayed === 0) {
    context.io.out("nothing replayed\n");
  } else {
    context.io.out(
      `replayed ${plural(replayed)}: ${describeCounts(counts)}. Each goes back on its stream for its group only.\n`,
    );
  }
  if (notFound.length > 0) {
    throw new CliError(ExitCode.failure, `no dead letter with id ${notFound.join(", ")}`);
  }
}

/** `retail dlq purge [ID…] [--topic T] [--group G] [--yes]` */
export async function dlqPurgeCommand(
  context: CommandContext,
  ids: readonly string[],
  options: Scope & { yes?: boolean; json?: boolean },
): Promise<void> {
  if (!options.yes && !context.io.interactive) {
    throw usageError(
      "dlq purge deletes dead letters for good and there is no terminal to confirm on: pass --yes to purge anyway",
    );
  }
  const wanted = checkIds(ids);
  const topics = resolveTopic(options.topic);
  const result = await withRedis(context.redisUrl(), async (session) => {
    const counts: TopicCount[] = [];
    let targets: { topic: string; group?: string | undefined; ids?: string[] }[];
    let notFound: string[] = [];
    if (wanted.length > 0) {
      const found = await locate(session, topics, options.group, wanted);
      notFound = wanted.filter((id) => !found.some((letter) => letter.id === id));
      targets = byTopicAndGroup(found);
      for (const target of targets)
        counts.push({ topic: target.topic, group: target.group, count: target.ids?.length ?? 0 });
    } else {
      targets = topics.map((topic) => ({ topic, group: options.group }));
      const streams = await session.bus.admin.deadLetterStreams(
        options.group === undefined ? { topics } : { topics, group: options.group },
      );
      const lengths = session.redis.pipeline();
      for (const stream of streams) lengths.xlen(stream.key);
      const replies = (await lengths.exec()) ?? [];
      for (const topic of topics) {
        let count = 0;
        streams.forEach((stream, index) => {
          const [error, length] = replies[index] ?? [null, 0];
          if (error) throw error;
          if (stream.topic === topic) count += Number(length);
        });
        counts.push({ topic, group: options.group, count });
      }
    }
    const total = counts.reduce((sum, { count }) => sum + count, 0);
    if (total === 0) return { purged: 0, counts: [], notFound, cancelled: false };
    if (!options.yes) {
      const confirmed = await context.io.confirm(
        `Delete ${plural(total)} for good (${describeCounts(counts)})?`,
      );
      if (!confirmed) return { purged: 0, counts: [], notFound, cancelled: true };
    }
    const purgedCounts: TopicCount[] = [];
    for (const target of targets) {
      const count = await session.bus.admin.purgeDeadLetters(target.topic, {
        group: target.group,
        ...(target.ids ? { ids: target.ids } : {}),
      });
      purgedCounts.push({ topic: target.topic, group: target.group, count });
    }
    return {
      purged: purgedCounts.reduce((sum, { count }) => sum + count, 0),
      counts: purgedCounts,
      notFound,
      cancelled: false,
    };
  });
  if (result.cancelled)
    throw new CliError(ExitCode.failure, "purge cancelled; nothing was deleted");
  if (options.json) {
    context.io.out(
      jsonDocument({
        purged: result.purged,
        topics: result.counts.filter(({ count }) => count > 0),
        notFound: result.notFound,
      }),
    );
  } else {
    context.io.out(
      result.purged === 0
        ? "no dead letters to purge\n"
        : `purged ${plural(result.purged)}: ${describeCounts(result.counts)}\n`,
    );
  }
  if (result.notFound.length > 0) {
    throw new CliError(ExitCode.failure, `no dead letter with id ${result.notFound.join(", ")}`);
  }
}
