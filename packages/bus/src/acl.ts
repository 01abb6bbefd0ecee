import type { Catalog } from "@retail/contracts";

/** What a service does on Pub/Sub beyond the streams: channel patterns it may use. */
export interface AclOptions {
  /** Pub/Sub channel patterns (e.g. `broadcast:events`, `direct:client-messages:*`). Default none. */
  channels?: readonly string[];
  /** Read (`XLEN`, `XRANGE`) every group's dead letters, for a service that reports them. Default false. */
  readAllDeadLetters?: boolean;
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
];

/** The service's own state, its processed marks, its topics and its dead letters. */
const OWN_KEYS = [
  "+@read",
  "+@write",
  "+@scripting",
  "+@transaction",
  "-@dangerous",
  "-@admin",
  "-flushall",
  "-flushdb",
  "-keys",
  "+info",
];

/** Consuming a topic through a group, and the heartbeat script that refreshes claims. */
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
  "+eval",
  "+evalsha",
];

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
  const ownKeys = [
    `~{${service}}:*`,
    `~processed:{${service}}`,
    ...published.map((topic) => `~${streamsOf(topic.name)}`),
    ...consumed.map((topic) => `~dead:{${topic.name}:*}:${service}`),
  ];
  if (options.readAllDeadLetters) ownKeys.push("%R~dead:*", "%R~stream:*");
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
  if (channels.length > 0) rules.push("+publish", "+subscribe", "+unsubscribe");
  if (consumed.length > 0) {
    const keys = consumed.map((topic) => `~${streamsOf(topic.name)}`);
    rules.push(`(${[...keys, ...CONSUMED_TOPIC].join(" ")})`);
  }
  return rules;
}

/**
 * A whole ACL file for the given services, with `${NAME}` placeholders for passwords
 * (an entrypoint substitutes them from the environment). The `default` user is kept
 * for administration, behind its own password.
 */
export function aclFile(
  catalog: Catalog,
  services: readonly { name: string; passwordVariable: string; options?: AclOptions }[],
  adminPasswordVariable: string,
): string {
  const lines = [
    "# Generated from the event catalog by `pnpm --filter @retail/bus acl`; do not edit.",
    "# Each service's user may touch only its own state, publish only its own topics,",
    "# and only read through its consumer group on the topics it consumes.",
    `user default on >\${${adminPasswordVariable}} ~* &* +@all`,
  ];
  for (const service of services) {
    const rules = aclRules(catalog, service.name, service.options);
    lines.push(
      `user ${service.name} ${rules[0]} >\${${service.passwordVariable}} ${rules.slice(1).join(" ")}`,
    );
  }
  return `${lines.join("\n")}\n`;
}
