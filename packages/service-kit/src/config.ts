import { z } from "zod";

/** Environment variables as Node gives them. */
export type Env = Record<string, string | undefined>;

/**
 * An integer environment variable. Unlike `z.coerce.number()` it rejects an empty or
 * blank value instead of reading it as `0`.
 *
 * @param options.min smallest accepted value. Default: no bound
 * @param options.max largest accepted value. Default: no bound
 */
export function envInt(options: { min?: number; max?: number } = {}) {
  let target = z.number().int();
  if (options.min !== undefined) target = target.min(options.min);
  if (options.max !== undefined) target = target.max(options.max);
  return z
    .string()
    .trim()
    .regex(/^-?\d+$/, "must be an integer")
    .transform(Number)
    .pipe(target);
}

/**
 * `CORS_ORIGINS`: a comma-separated list of origins (`scheme://host[:port]`, a trailing
 * `/` is dropped) allowed to call the service from a browser, or `*` for any origin.
 * Blanks around items are ignored, duplicates dropped. Empty: no CORS at all.
 */
function corsOrigins() {
  return z.string().transform((value, context) => {
    const origins: string[] = [];
    const items = value
      .split(",")
      .map((item) => item.trim())
      .filter((item) => item !== "");
    items.forEach((item, index) => {
      const origin = item === "*" ? item : originOf(item);
      if (origin === undefined)
        context.addIssue({
          code: "custom",
          message: `item ${index + 1} is not an origin like https://shop.example.com or *`,
        });
      else if (!origins.includes(origin)) origins.push(origin);
    });
    return origins.includes("*") ? ["*"] : origins;
  });
}

/** The origin `text` names (`http(s)://host[:port]`, nothing after but an optional `/`). */
function originOf(text: string): string | undefined {
  if (!URL.canParse(text)) return undefined;
  const url = new URL(text);
  const bare =
    (url.protocol === "http:" || url.protocol === "https:") &&
    url.username === "" &&
    url.password === "" &&
    url.pathname === "/" &&
    url.search === "" &&
    url.hash === "" &&
    !text.endsWith("?") &&
    !text.endsWith("#");
  return bare ? url.origin : undefined;
}

/** One seed of a Redis Cluster, from `REDIS_CLUSTER_NODES`. */
export interface ClusterNodeAddress {
  host: string;
  port: number;
}

/**
 * `REDIS_CLUSTER_NODES`: comma-separated `host:port` seeds of a Redis Cluster (an IPv6
 * address in brackets, `[::1]:6379`). Blanks around items are ignored, duplicates
 * dropped. Blank: no cluster (`undefined`), so a compose file can pass it through empty.
 */
function clusterNodes() {
  return z.string().transform((value, context) => {
    const nodes: ClusterNodeAddress[] = [];
    const items = value
      .split(",")
      .map((item) => item.trim())
      .filter((item) => item !== "");
    items.forEach((item, index) => {
      const node = nodeAddressOf(item);
      if (node === undefined)
        context.addIssue({
          code: "custom",
          message: `item ${index + 1} is not host:port with a port of 1-65535, like redis-1:6379`,
        });
      else if (!nodes.some(({ host, port }) => host === node.host && port === node.port))
        nodes.push(node);
    });
    return nodes.length > 0 ? nodes : undefined;
  });
}

const NODE_ADDRESS = /^(?:\[([0-9A-Fa-f:.]+)\]|([^\s:/@[\]]+)):(\d{1,5})$/;

function nodeAddressOf(text: string): ClusterNodeAddress | undefined {
  const match = NODE_ADDRESS.exec(text);
  if (!match) return undefined;
  const port = Number(match[3]);
  const host = match[1] ?? match[2];
  return host !== undefined && port >= 1 && port <= 65_535 ? { host, port } : undefined;
}

/** The variables every service reads. Extend it with the service's own (see `createServiceContext`). */
export const baseConfigSchema = z.object({
  /** Port the HTTP server listens on; `0` picks a free one. Required. */
  PORT: envInt({ min: 0, max: 65_535 }),
  /** Interface to listen on. */
  HOST: z.string().trim().min(1).default("0.0.0.0"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** `development` switches to pretty logs. */
  NODE_ENV: z.enum(["development", "production", "test"]).default("production"),
  REDIS_URL: z
    .url({ protocol: /^rediss?$/, error: "must be a redis:// or rediss:// URL" })
    .default("redis://localhost:6379"),
  /**
   * A PEM file of the certificate authorities to trust for a `rediss://` (TLS) Redis,
   * e.g. a private CA's. Default: unset, Node's built-in authorities.
   */
  REDIS_TLS_CA_FILE: z.string().trim().min(1).optional(),
  /**
   * Seeds of a Redis Cluster, `host:port,host:port`: set, the service connects in
   * cluster mode, with `REDIS_URL`'s credentials and TLS (and its host as one more
   * seed). Default: unset, a single Redis at `REDIS_URL`.
   */
  REDIS_CLUSTER_NODES: clusterNodes().optional(),
  /** Budget for draining HTTP and running the shutdown hooks before the process gives up. */
  SHUTDOWN_TIMEOUT_MS: envInt({ min: 1 }).default(10_000),
  /**
   * The identity provider's JSON Web Key Set (public keys), `https://…`: bearer tokens
   * are verified against it, and a key id it does not know fetches it again (rotation
   * without restart). Set this or `AUTH_JWKS_FILE`.
   */
  AUTH_JWKS_URL: z.url({ protocol: /^https?$/, error: "must be an http(s):// URL" }).optional(),
  /** A file holding the key set, read once at start (the demo's). Set this or `AUTH_JWKS_URL`. */
  AUTH_JWKS_FILE: z.string().trim().min(1).optional(),
  /** The `aud` every token must carry. */
  AUTH_AUDIENCE: z.string().trim().min(1).default("retail-api"),
  /** The `iss` every token must carry: the identity provider. */
  AUTH_ISSUER: z.string().trim().min(1).default("retail-demo"),
  /**
   * Requests one principal may make per `RATE_LIMIT_WINDOW_MS` on a route without a
   * limit of its own, counted in Redis across instances. `0`: no limit.
   */
  RATE_LIMIT_MAX: envInt({ min: 0 }).default(1_000),
  RATE_LIMIT_WINDOW_MS: envInt({ min: 1 }).default(10_000),
  /**
   * How long a client may take to send a whole request (headers and body) before the
   * server answers 408 and closes: a slow sender cannot hold a connection. Responses
   * (a server-sent-event stream) are not bounded by it.
   */
  HTTP_REQUEST_TIMEOUT_MS: envInt({ min: 1 }).default(30_000),
  /** Largest accepted request body. */
  BODY_LIMIT_BYTES: envInt({ min: 1 }).default(1_048_576),
  /**
   * Origins allowed to call the service from a browser (CORS), comma-separated, or `*`.
   * Default: none, so no CORS headers are sent.
   */
  CORS_ORIGINS: corsOrigins().default([]),
  /**
   * Most entries kept per partition stream of the topics this service publishes
   * (`XADD … MAXLEN ~`), over the catalog's retention. Default: unset (the catalog's).
   */
  BUS_STREAM_MAX_LENGTH: envInt({ min: 1 }).optional(),
  /**
   * How long this service's consumer groups remember handled event ids, in ms.
   * Default: unset (the bus's, one hour).
   */
  BUS_IDEMPOTENCY_TTL_MS: envInt({ min: 1 }).optional(),
});

/** The parsed base configuration. */
export type BaseConfig = z.output<typeof baseConfigSchema>;

/** One environment variable that is missing or invalid. */
export interface ConfigIssue {
  variable: string;
  problem: string;
}

/**
 * The environment does not satisfy the configuration schema. The message has one line
 * per variable; values are never included, since they may be secrets.
 */
export class ConfigError extends Error {
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    super(
      `Invalid configuration:\n${issues.map((issue) => `  ${issue.variable}: ${issue.problem}`).join("\n")}`,
    );
    this.name = "ConfigError";
    this.issues = issues;
  }
}

/**
 * Parse `env` with `schema`, applying its defaults.
 *
 * @param schema a zod object whose keys are variable names, e.g. `baseConfigSchema.extend({...})`
 * @param env the variables to read. Default: `process.env`
 * @throws {ConfigError} naming every missing or invalid variable
 */
export function loadConfig<Schema extends z.ZodType>(
  schema: Schema,
  env: Env = process.env,
): z.output<Schema> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;

  const problems = new Map<string, string[]>();
  for (const issue of result.error.issues) {
    const variable = issue.path.length > 0 ? issue.path.map(String).join(".") : "(environment)";
    const problem =
      issue.path.length === 1 && env[variable] === undefined
        ? "is required but not set"
        : issue.message;
    const list = problems.get(variable) ?? [];
    if (!list.includes(problem)) list.push(problem);
    problems.set(variable, list);
  }
  throw new ConfigError(
    [...problems].map(([variable, list]) => ({ variable, problem: list.join("; ") })),
  );
}

const SECRET_NAME = /PASSWORD|PASSWD|SECRET|TOKEN|CREDENTIAL|API_?KEY|PRIVATE_?KEY/i;
const REDACTED = "[redacted]";
// "[" and "]" would be percent-encoded inside a URL.
const REDACTED_URL_PASSWORD = "***";

/**
 * A copy of `config` that is safe to log: values of secret-looking keys (`*PASSWORD*`,
 * `*SECRET*`, `*TOKEN*`, `*CREDENTIAL*`, `*API_KEY*`, `*PRIVATE_KEY*`) are replaced,
 * and passwords inside URLs (e.g. `redis://:pw@host`) are masked. Nested objects too.
 */
export function redactConfig<T extends object>(config: T): { [K in keyof T]: unknown } {
  return Object.fromEntries(
    Object.entries(config).map(([key, value]) => [key, redactValue(key, value)]),
  ) as { [K in keyof T]: unknown };
}

function redactValue(key: string, value: unknown): unknown {
  if (SECRET_NAME.test(key) && value !== undefined && value !== null && value !== "")
    return REDACTED;
  if (typeof value === "string") return redactUrlPassword(value);
  if (Array.isArray(value)) return value.map((item) => redactValue(key, item));
  if (typeof value === "object" && value !== null) return redactConfig(value);
  return value;
}

function redactUrlPassword(value: string): string {
  if (!value.includes("@") || !URL.canParse(value)) return value;
  const url = new URL(value);
  if (url.password === "") return value;
  url.password = REDACTED_URL_PASSWORD;
  return url.toString();
}
