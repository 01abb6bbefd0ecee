import type { Catalog } from "@retail/contracts";

/** What a service does on Pub/Sub beyond the streams: channel patterns it may use. */
export interface AclOptions {
  /** Pub/Sub channel patterns (e.g. `broadcast:events`, `direct:client-messages:*`). Default none. */
  channels?: readonly string[];
  /** Read (`XLEN`, `XRANGE`) every group's dead letters, for a service that reports them. Default false. */
  readAllDeadLetters?: boolean;
}

/**
 * Commands that list or count the whole keyspace, which no key pattern limits: they
 * would show a service every other service's key names. (`SCAN` is also how KEYS-like
 * scans are done; dead letters are found from the catalog instead.)
 */
function KEYSPACE_LISTING(): string[] {
  return ["-keys", "-scan", "-randomkey", "-dbsize"];
}

/** Commands every bus connection sends: the handshake, the ready check, naming. */
const CONNECTION = [
  "+hello",
  "+auth",
  "+ping",
  "+echo",
  "+quit",
  "+info",
  "+client|setname",
  "+client|id",
  // On a Redis Cluster, ioredis learns which node serves which slot from CLUSTER SLOTS
  // (at connect, and again after MOVED or a failover), and its ready check asks CLUSTER
  // INFO (the cluster's state, as INFO tells the server's); without them no connection.
  "+cluster|slots",
  "+cluster|info",
];

/** The service's own state, its processed marks, its outbox and its groups' keys. */
const OWN_KEYS = [
  "+@read",
  "+@write",
  "+@scripting",
  "+@transaction",
  "-@dangerous",
  "-@admin",
  "-flushall",
  "-flushdb",
  ...KEYSPACE_LISTING(),
  // Scripts are sent with EVAL/EVALSHA only: nobody empties the script cache under the
  // other services, kills their scripts, or loads server-side functions.
  "-script|flush",
  "-script|kill",
  "-function",
  "-fcall",
  "-fcall_ro",
  "+info",
  // Partition leases (per-key order) read Redis's clock, so every instance agrees on
  // expiry; TIME is in @dangerous, so it is allowed after that category is removed.
  "+time",
];

/**
 * What a publisher may do on its topics' partition streams: append (trimming with
 * `XADD … MAXLEN|MINID ~`, through the relay's script too) and read their stats. No
 * `XTRIM`, `XDEL`, `DEL` or `XGROUP`: the streams hold the consumers' groups and
 * unread entries, which are theirs.
 */
const PUBLISHED_TOPIC = ["+xadd", "+xlen", "+xinfo", "+xrange", "+xrevrange", "+eval", "+evalsha"];

/**
 * Consuming a topic through a group, and the scripts that ack, park, reclaim and
 * dead-letter its entries (a script's keys must all be allowed by one selector; the
 * commands inside it are checked one by one against the whole user).
 */
const CONSUMED_TOPIC = [
  "+xreadgroup",
  "+xack",
  "+xautoclaim",
  "+xclaim",
  "+xpending",
  "+xgroup|create",
  "+xgroup|delconsumer",
  "+xinfo",
  "+xlen",
  "+xrange",
  // Per-key order: a partition's owner waits for new entries with XREAD, and checks
  // the partition's newest entry before reading past a gap.
  "+xread",
  "+xrevrange",
  "+eval",
  "+evalsha",
];

/** The kinds of key a group keeps per partition of a topic it consumes (see keys.ts). */
const GROUP_KEY_KINDS = [
  "dead",
  "parked",
  "failures",
  "trimmed",
  "takeovers",
  "lease",
  "owners",
] as const;

/**
 * The Redis ACL rules of one service's user, derived from the catalog: everything
 * under its `{<service>}` hash tag and its processed marks; `XADD` (and reads) on the
 * partition streams of the topics it publishes; the consumer-group commands on the
 * topics it consumes and nothing else there; its own dead-letter streams. The rules
 * follow `ACL SETUSER <name>` (or a `user <name>` line of an ACL file), password
 * excluded. Redis 7.0 or newer (selectors).
 */
export function aclRules(catalog: Catalog, service: string, options: AclOptions = {}): string[] {
  const topics = Object.values(catalog);
  const published = topics.filter((topic) => topic.publisher === service);
  const consumed = topics.filter((topic) =>
    (topic.consumers as readonly string[]).includes(service),
  );
  const streamsOf = (name: string) => `stream:{${name}:*}`;
  /** The group's own keys beside a consumed topic's streams: dead letters, parked entries, records, trim counts. */
  const groupKeysOf = (name: string) =>
    GROUP_KEY_KINDS.map((kind) => `~${kind}:{${name}:*}:${service}`);
  const ownKeys = [
    `~{${service}}:*`,
    `~processed:{${service}}`,
    `~processed:{${service}}:*`,
    `~outbox:{${service}}`,
    `~outbox-relay:{${service}}`,
    ...consumed.flatMap((topic) => groupKeysOf(topic.name)),
  ];
  if (options.readAllDeadLetters)
    ownKeys.push(...GROUP_KEY_KINDS.map((kind) => `%R~${kind}:*`), "%R~stream:*");
  const channels = (options.channels ?? []).map((pattern) => `&${pattern}`);
  const rules = [
    "on",
    "resetkeys",
    "resetchannels",
    "-@all",
    ...CONNECTION,
    ...ownKeys,
    ...OWN_KEYS,
    ...channels,
  ];
  // The s-commands are the sharded channels the bus uses on a Redis Cluster (pubsub.ts).
  if (channels.length > 0)
    rules.push(
      "+publish",
      "+subscribe",
      "+unsubscribe",
      "+spublish",
      "+ssubscribe",
      "+sunsubscribe",
    );
  if (published.length > 0) {
    const keys = published.map((topic) => `~${streamsOf(topic.name)}`);
    rules.push(`(${[...keys, ...PUBLISHED_TOPIC].join(" ")})`);
  }
  if (consumed.length > 0) {
    const keys = consumed.flatMap((topic) => [
      `~${streamsOf(topic.name)}`,
      ...groupKeysOf(topic.name),
    ]);
    rules.push(`(${[...keys, ...CONSUMED_TOPIC].join(" ")})`);
  }
  return rules;
}

/** What an operator reads: stream and group state, entries, a live tail, dead letters. */
const OPERATOR_READS = [
  "+xinfo",
  "+xlen",
  "+xrange",
  "+xrevrange",
  "+xread",
  "+xpending",
  // A group's parked entries and trim counts, for its stats.
  "+zcard",
  "+hmget",
  // Which dead-letter streams exist (derived from the catalog, never scanned).
  "+exists",
  // The server's clock: rates are measured against the time in entry ids.
  "+time",
];

/**
 * The Redis ACL rules of an operator (the `retail` CLI), derived from the catalog:
 * read every topic's partition streams and dead-letter streams, and each group's
 * parked and trimmed counts; append to the topic
 * streams (a dead-letter replay) and delete dead letters (`XDEL` on replay and purge
 * by id, `DEL` on purge of whole streams), replay being one `MULTI`. No other key,
 * no other write, no admin command. Same format as {@link aclRules}.
 */
export function operatorAclRules(catalog: Catalog): string[] {
  const topics = Object.keys(catalog);
  const streams = topics.map((topic) => `~stream:{${topic}:*}`);
  const deadLetters = topics.map((topic) => `~dead:{${topic}:*}:*`);
  const groupCounts = topics.flatMap((topic) => [
    `~parked:{${topic}:*}:*`,
    `~trimmed:{${topic}:*}:*`,
  ]);
  return [
    "on",
    "resetkeys",
    "resetchannels",
    "-@all",
    ...CONNECTION,
    ...[...streams, ...deadLetters, ...groupCounts].map((pattern) => `%R${pattern}`),
    ...OPERATOR_READS,
    "+multi",
    "+exec",
    "+discard",
    `(${[...streams, "+xadd"].join(" ")})`,
    `(${[...deadLetters, "+xdel", "+del"].join(" ")})`,
  ];
}

/**
 * A whole ACL file for the given services, with `${NAME}` placeholders for passwords
 * (an entrypoint substitutes them from the environment). The `default` user is kept
 * for administration, behind its own password. With `operatorPasswordVariable`, an
 * `operator` user for the CLI ({@link operatorAclRules}) too. Default: none.
 */
export function aclFile(
  catalog: Catalog,
  services: readonly { name: string; passwordVariable: string; options?: AclOptions }[],
  adminPasswordVariable: string,
  operatorPasswordVariable?: string,
): string {
  const lines = [
    "# Generated from the event catalog by `pnpm --filter @retail/bus acl`; do not edit.",
    "# Each service's user may touch only its own state, publish only its own topics,",
    "# and only read through its consumer group on the topics it consumes.",
    `user default on >\${${adminPasswordVariable}} ~* &* +@all`,
  ];
  // Container healthchecks log in as this user: it may only PING, so its missing
  // password gives nothing away, and no real password sits in a healthcheck command.
  lines.push("user healthcheck on nopass resetkeys resetchannels -@all +ping");
  const user = (name: string, passwordVariable: string, rules: readonly string[]) =>
    `user ${name} ${rules[0]} >\${${passwordVariable}} ${rules.slice(1).join(" ")}`;
  for (const service of services) {
    lines.push(
      user(
        service.name,
        service.passwordVariable,
        aclRules(catalog, service.name, service.options),
      ),
    );
  }
  if (operatorPasswordVariable !== undefined) {
    lines.push(
      "# The operator (the retail CLI) reads the bus's streams and replays and purges dead letters.",
      user("operator", operatorPasswordVariable, operatorAclRules(catalog)),
    );
  }
  return `${lines.join("\n")}\n`;
}
