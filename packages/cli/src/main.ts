import { createRequire } from "node:module";
import { UnknownTopicError } from "@retail/bus";
import { Command, CommanderError } from "commander";
import { describeRedisError, redisUrlFrom } from "./connect.js";
import { dlqListCommand, dlqPurgeCommand, dlqReplayCommand, dlqShowCommand } from "./dlq.js";
import { CliError, ExitCode } from "./errors.js";
import { colorsFor } from "./format.js";
import { groupsCommand } from "./groups.js";
import { type CliIo, type CommandContext, processIo } from "./io.js";
import { type KeysInitOptions, keysInitCommand } from "./keys.js";
import { ordersPlaceCommand, type PlaceOptions } from "./orders.js";
import { streamsCommand } from "./streams.js";
import { type TailOptions, tailCommand } from "./tail.js";
import { type TokenOptions, tokenCommand } from "./token.js";
import { unknownTopicMessage } from "./topics.js";
import { type WatchOptions, watchCommand } from "./watch.js";

const { version } = createRequire(import.meta.url)("../package.json") as { version: string };

interface GlobalOptions {
  redis?: string;
  color?: boolean;
}

function contextOf(io: CliIo, command: Command): CommandContext {
  const globals = command.optsWithGlobals<GlobalOptions>();
  return {
    io,
    colors: colorsFor(io.color && globals.color !== false),
    redisUrl: () => redisUrlFrom(globals.redis, io.env),
  };
}

const JSON_HELP = "print JSON instead of a table";

const KEYS_HELP = "the signing key's directory (default: $AUTH_KEYS_DIR, else /keys)";

/** A repeatable option's values, in the order given. */
const collect = (value: string, previous: string[] = []) => [...previous, value];

/**
 * The `retail` program. Output goes through `io`; errors are thrown (never
 * `process.exit`), for `runCli` to map to a message and an exit code.
 */
export function createProgram(io: CliIo): Command {
  const program = new Command("retail")
    .description(
      "Operate the retail middleware: event streams, consumer groups, live events, dead letters, test orders and demo tokens.",
    )
    .version(version, "-V, --version")
    .option("--redis <url>", "Redis URL (default: $REDIS_URL, else redis://localhost:6379)")
    .option("--no-color", "plain output without colors")
    .configureOutput({
      writeOut: (text) => io.out(text),
      writeErr: (text) => io.err(text),
      outputError: (text, write) => write(text),
    })
    .showHelpAfterError("(add --help for usage)")
    .exitOverride();

  program
    .command("streams")
    .description(
      "every topic's streams: length, first and last entry, events/s over the last minute",
    )
    .argument("[topic...]", "only these topics (default: all)")
    .option("--json", JSON_HELP)
    .action((topics: string[], options: { json?: boolean }, command: Command) =>
      streamsCommand(contextOf(io, command), topics, options),
    );

  program
    .command("groups")
    .description("consumer groups per topic: consumers, pending, lag, dead letters")
    .argument("[topic]", "only this topic (default: all)")
    .option("--json", JSON_HELP)
    .action((topic: string | undefined, options: { json?: boolean }, command: Command) =>
      groupsCommand(contextOf(io, command), topic, options),
    );

  program
    .command("tail")
    .description(
      "print live events as they are appended (reads without a consumer group: takes nothing from anyone)",
    )
    .argument("[topic...]", "only these topics (default: all)")
    .option("--order <id>", "only the events of this order (payload orderId or correlation id)")
    .option("--limit <n>", "stop after n events")
    .option("--json", "print one JSON object per event (NDJSON)")
    .addHelpText(
      "after",
      "\nExample:\n  retail tail order.placed shipment.created --order ord-1042",
    )
    .action((topics: string[], options: TailOptions, command: Command) =>
      tailCommand(contextOf(io, command), topics, options),
    );

  program
    .command("watch")
    .description(
      "the demo watcher: live events of every topic, grouped by order, with the time between steps",
    )
    .argument("[topic...]", "only these topics (default: all)")
    .option("--order <id>", "only the events of this order")
    .option("--limit <n>", "stop after n events")
    .option("--json", "print one JSON object per event (NDJSON) with its group and latency")
    .action((topics: string[], options: WatchOptions, command: Command) =>
      watchCommand(contextOf(io, command), topics, options),
    );

  const dlq = program.command("dlq").description("dead letters: list, show, replay, purge");

  dlq
    .command("list")
    .description("dead letters, oldest first per partition and group")
    .argument("[topic]", "only this topic (default: all)")
    .option("--group <group>", "only this consumer group's")
    .option("--limit <n>", "at most n per partition and group", "100")
    .option("--json", JSON_HELP)
    .action(
      (
        topic: string | undefined,
        options: { group?: string; limit?: string; json?: boolean },
        command: Command,
      ) => dlqListCommand(contextOf(io, command), topic, options),
    );

  dlq
    .command("show")
    .description("one dead letter in full: reason, error, attempts, the original entry")
    .argument("<id>", "the dead letter's id (from dlq list)")
    .option("--json", "print JSON")
    .action((id: string, options: { json?: boolean }, command: Command) =>
      dlqShowCommand(contextOf(io, command), id, options),
    );

  dlq
    .command("replay")
    .description("put dead letters back on their stream, for their consumer group only")
    .argument("[id...]", "dead-letter ids")
    .option("--all", "every dead letter (narrowed by --topic and --group)")
    .option("--topic <topic>", "only this topic's")
    .option("--group <group>", "only this consumer group's")
    .option("--json", "print the result as JSON")
    .action(
      (
        ids: string[],
        options: { all?: boolean; topic?: string; group?: string; json?: boolean },
        command: Command,
      ) => dlqReplayCommand(contextOf(io, command), ids, options),
    );

  dlq
    .command("purge")
    .description("delete dead letters for good (all, or the ids given); asks first unless --yes")
    .argument("[id...]", "only these dead-letter ids")
    .option("--topic <topic>", "only this topic's")
    .option("--group <group>", "only this consumer group's")
    .option("-y, --yes", "do not ask (required when not on a terminal)")
    .option("--json", "print the result as JSON")
    .action(
      (
        ids: string[],
        options: { topic?: string; group?: string; yes?: boolean; json?: boolean },
        command: Command,
      ) => dlqPurgeCommand(contextOf(io, command), ids, options),
    );

  const orders = program.command("orders").description("drive the inventory service's HTTP API");

  orders
    .command("place")
    .description("place test orders at a steady rate and report how they went")
    .option("--count <n>", "orders to place", "10")
    .option("--rate <r>", "orders per second", "2")
    .option("--sku <sku...>", "order these SKUs (default: every product GET /products lists)")
    .option("--lines <n>", "at most n lines (distinct SKUs) per order", "3")
    .option("--quantity <n>", "at most n units per line", "2")
    .option("--concurrency <n>", "at most n requests in flight", "32")
    .option("--timeout <ms>", "per request", "10000")
    .option(
      "--inventory <url>",
      "inventory's URL (default: $INVENTORY_URL, else http://localhost:3001)",
    )
    .option(
      "--token <jwt>",
      "send this bearer token with every request (default: $RETAIL_TOKEN, else one per customer signed with the key in --keys)",
    )
    .option("--keys <dir>", KEYS_HELP)
    .option("--json", "print the summary as JSON (and no progress bar)")
    .addHelpText("after", "\nExample:\n  retail orders place --count 100 --rate 20")
    .action((options: PlaceOptions, command: Command) =>
      ordersPlaceCommand(contextOf(io, command), options),
    );

  program
    .command("token")
    .description(
      "print a bearer token signed with the demo's key: for curl, or the dashboard's URL with --dashboard",
    )
    .option(
      "--subject <id>",
      "who the token speaks for: a customer id, client app id or staff name",
    )
    .option("--scope <scope>", "a scope it grants (repeat for more)", collect)
    .option("--staff", "every scope (subject: staff unless --subject)")
    .option(
      "--dashboard",
      "the dashboard's scopes, printed as its URL with #token=… (subject: dashboard unless --subject)",
    )
    .option(
      "--dashboard-url <url>",
      "the dashboard's address (default: $DASHBOARD_URL, else http://localhost:3003)",
    )
    .option("--ttl <duration>", "lifetime: seconds, or 90s, 30m, 1h, 2d (at most 7d)", "1h")
    .option("--keys <dir>", KEYS_HELP)
    .option("--json", "print {token, subject, scopes, expiresAt, url?} as JSON")
    .addHelpText(
      "after",
      "\nExamples:\n  retail token --subject c-1 --scope orders:write --scope orders:read\n  retail token --dashboard",
    )
    .action((options: TokenOptions, command: Command) =>
      tokenCommand(contextOf(io, command), options),
    );

  const keys = program
    .command("keys")
    .description("the demo's token signing key (it stands in for an identity provider)");

  keys
    .command("init")
    .description(
      "create the signing key pair in a directory, or keep the one there; the services get only its public key set",
    )
    .option("--dir <dir>", KEYS_HELP)
    .option(
      "--jwks-dir <dir>",
      "also write the public key set (jwks.json), alone, to this directory",
    )
    .option("--json", "print {keyId, created, signingKeyFile, jwksFiles} as JSON")
    .action((options: KeysInitOptions, command: Command) =>
      keysInitCommand(contextOf(io, command), options),
    );

  return program;
}

/** An error as the message to print (none: already printed) and the exit code. */
export function describeError(
  error: unknown,
  redisUrl: string | undefined,
): { exitCode: number; message?: string; stack?: string } {
  if (error instanceof CommanderError) {
    // Commander printed its message (or the help) already.
    if (error.code === "commander.helpDisplayed" || error.code === "commander.version")
      return { exitCode: ExitCode.ok };
    return { exitCode: ExitCode.usage };
  }
  if (error instanceof CliError) return { exitCode: error.exitCode, message: error.message };
  if (error instanceof UnknownTopicError)
    return { exitCode: ExitCode.usage, message: unknownTopicMessage(error.topic) };
  const redis = describeRedisError(error, redisUrl);
  if (redis) return { exitCode: redis.exitCode, message: redis.message };
  const unexpected = error instanceof Error ? error : new Error(String(error));
  return {
    exitCode: ExitCode.failure,
    message: `unexpected error: ${unexpected.message}`,
    ...(unexpected.stack ? { stack: unexpected.stack } : {}),
  };
}

/** Run `retail` with these arguments (without node and script); resolves to the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const program = createProgram(io);
  try {
    await program.parseAsync([...argv], { from: "user" });
    return ExitCode.ok;
  } catch (error) {
    let redisUrl: string | undefined;
    try {
      redisUrl = redisUrlFrom(program.opts<GlobalOptions>().redis, io.env);
    } catch {
      redisUrl = undefined;
    }
    const { exitCode, message, stack } = describeError(error, redisUrl);
    const c = colorsFor(io.color && program.opts<GlobalOptions>().color !== false);
    if (message) io.err(`${c.red("error:")} ${message}\n`);
    if (stack) io.err(`${c.dim(stack)}\n`);
    return exitCode;
  }
}

/** The process entry: real I/O, Ctrl-C stops long-running commands (twice: at once). */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = () => {
    interrupts += 1;
    if (interrupts > 1) process.exit(ExitCode.interrupted);
    controller.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    // `retail tail | head`: the reader went away.
    if (error.code === "EPIPE") process.exit(ExitCode.ok);
    throw error;
  });
  try {
    process.exitCode = await runCli(argv, processIo(controller.signal));
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

if (import.meta.main) await main();
