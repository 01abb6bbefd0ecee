/**
 * Whether `thrown` says Redis could not be reached or could not serve the command:
 * an expected condition of a running system (a restart, a failover, a network cut),
 * not a bug. Recognised by shape (name, code, message prefix), never `instanceof`:
 * an application often loads two copies of ioredis, or gets the error through the bus.
 *
 * A wrapped error counts when one of its `cause`s (up to a few levels) does.
 */
export function isRedisUnavailable(thrown: unknown): boolean {
  const seen = new Set<unknown>();
  let current = thrown;
  while (typeof current === "object" && current !== null && !seen.has(current)) {
    if (seen.size >= MAX_CAUSE_DEPTH) return false;
    seen.add(current);
    if (isUnavailableShape(current as ErrorShape)) return true;
    current = (current as ErrorShape).cause;
  }
  return false;
}

const MAX_CAUSE_DEPTH = 5;

interface ErrorShape {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  cause?: unknown;
}

/** ioredis's own error classes for a command it gave up on. */
const NAMES = new Set(["MaxRetriesPerRequestError", "ClusterAllFailedError"]);

const CODES = new Set([
  // Node socket and DNS errors: the connection failed, broke, or never came up.
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
  // @retail/bus: Redis did not confirm a publish in time; the event is in doubt.
  "BUS_ERR_PUBLISH_TIMEOUT",
]);

const MESSAGE_PREFIXES = [
  // ioredis: the connection ended, a command waited past `commandTimeout`, or the
  // offline queue is off while disconnected.
  "Connection is closed",
  "Command timed out",
  "Stream isn't writeable",
  // ioredis Cluster: no node answers.
  "None of startup nodes is available",
  "Cluster is disconnected",
  // ioredis Cluster: a failover outlasted the retries, or a redirection reached the
  // caller (a slot moving between masters).
  "Too many Cluster redirections",
  "MOVED ",
  "ASK ",
  // Redis replies meaning "not now": loading the data set after a restart, a replica
  // without its master, a cluster without quorum, keys of a slot in migration.
  "LOADING ",
  "MASTERDOWN ",
  "CLUSTERDOWN ",
  "TRYAGAIN ",
];

function isUnavailableShape(error: ErrorShape): boolean {
  if (typeof error.name === "string" && NAMES.has(error.name)) return true;
  if (typeof error.code === "string" && CODES.has(error.code)) return true;
  const message = typeof error.message === "string" ? error.message : "";
  return MESSAGE_PREFIXES.some((prefix) => message.startsWith(prefix));
}
