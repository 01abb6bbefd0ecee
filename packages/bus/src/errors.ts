/**
 * Every error the bus throws, each with a stable `code` (BUS_ERR_…) that callers
 * and HTTP layers can switch on without parsing messages.
 */
export class BusError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A validation problem, with its path inside the checked value. */
export interface ValidationIssue {
  path: string;
  message: string;
}

/** `publish` of a topic the catalog does not have. Nothing was written. */
export class UnknownTopicError extends BusError {
  constructor(readonly topic: string) {
    super("BUS_ERR_UNKNOWN_TOPIC", `topic "${topic}" is not in the event catalog`);
  }
}

/** `publish` of a topic another service owns. Nothing was written. */
export class NotPublisherError extends BusError {
  constructor(
    readonly topic: string,
    readonly service: string,
    readonly publisher: string,
  ) {
    super(
      "BUS_ERR_NOT_PUBLISHER",
      `service "${service}" may not publish "${topic}": its publisher is "${publisher}"`,
    );
  }
}

/** A payload that does not match its topic's schema. Nothing was written. */
export class PayloadValidationError extends BusError {
  constructor(
    readonly topic: string,
    readonly issues: ValidationIssue[],
  ) {
    super(
      "BUS_ERR_INVALID_PAYLOAD",
      `payload of "${topic}" does not match its schema: ${issues.map((issue) => `${issue.path || "(root)"}: ${issue.message}`).join("; ")}`,
    );
  }
}

/** A stream entry that is not a well-formed envelope. */
export class EnvelopeError extends BusError {
  constructor(readonly issues: ValidationIssue[]) {
    super(
      "BUS_ERR_INVALID_ENVELOPE",
      `malformed envelope: ${issues.map((issue) => `${issue.path || "(root)"}: ${issue.message}`).join("; ")}`,
    );
  }
}

/**
 * A publish that Redis did not confirm within `publishTimeoutMs` (Redis down or
 * unreachable). The event is *in doubt*: it may still have been appended. Retry with
 * the same `eventId` — consumers drop the duplicate by id.
 */
export class PublishTimeoutError extends BusError {
  constructor(
    readonly topic: string,
    readonly eventId: string,
    readonly timeoutMs: number,
    options?: ErrorOptions,
  ) {
    super(
      "BUS_ERR_PUBLISH_TIMEOUT",
      `publish of "${topic}" (event ${eventId}) was not confirmed within ${timeoutMs} ms`,
      options,
    );
  }
}

/** An operation on a bus that is closing or closed. */
export class BusClosedError extends BusError {
  constructor(operation: string) {
    super("BUS_ERR_CLOSED", `cannot ${operation}: the bus is closed`);
  }
}

/**
 * An admin batch (one pipeline of reads, or replay and purge commands) that came back
 * with no replies at all: nothing is known of what its commands did. Ask again.
 */
export class AdminBatchAbortedError extends BusError {
  constructor(readonly commands: number) {
    super(
      "BUS_ERR_ADMIN_BATCH_ABORTED",
      `the admin pipeline of ${commands} commands was aborted: no replies came back`,
    );
  }
}

/** `subscribe` after `start`, or twice for the same topic and group. */
export class SubscriptionError extends BusError {
  constructor(message: string) {
    super("BUS_ERR_SUBSCRIPTION", message);
  }
}

/**
 * Throw this from a handler when retrying cannot help (the event can never be
 * processed): the entry goes to the dead-letter stream at once.
 */
export class NonRetryableError extends BusError {
  constructor(message: string, options?: ErrorOptions) {
    super("BUS_ERR_NON_RETRYABLE", message, options);
  }
}

/**
 * A handler attempt ran longer than its subscription's `handlerTimeoutMs`: the attempt
 * counts as failed and the entry is retried. The handler's `signal` aborts with this
 * error, and the late attempt's `commit` throws it, so it
 * cannot commit over its retry.
 */
export class HandlerTimeoutError extends BusError {
  constructor(
    readonly handler: string,
    readonly timeoutMs: number,
  ) {
    super(
      "BUS_ERR_HANDLER_TIMEOUT",
      `handler "${handler}" did not finish within ${timeoutMs} ms; the attempt counts as failed`,
    );
  }
}

/**
 * A handler whose promise rejected with no reason (`undefined`): the attempt fails
 * with this in its place, so the retry record and the dead letter still say something.
 */
export class HandlerRejectedError extends BusError {
  constructor(readonly handler: string) {
    super("BUS_ERR_HANDLER_REJECTED", `handler "${handler}" rejected without a reason`);
  }
}

/** Work the bus stopped waiting for at a deadline (its shutdown's); the work itself goes on. */
export class DeadlinePassedError extends BusError {
  constructor() {
    super("BUS_ERR_DEADLINE_PASSED", "the deadline passed before the work finished");
  }
}

/** A Lua script file that cannot be loaded or run as declared (its key count, its includes). */
export class LuaScriptError extends BusError {
  constructor(
    message: string,
    readonly script: string,
  ) {
    super("BUS_ERR_LUA_SCRIPT", message);
  }
}

/**
 * A service script's step that cannot run as built: an event fill the script may not
 * make, or a fill value the topic's schema would refuse. Nothing was written.
 */
export class StepError extends BusError {
  constructor(message: string) {
    super("BUS_ERR_STEP", message);
  }
}

/** `check()` of a started bus with subscriptions that are not reading (readiness fails). */
export class BusNotReadyError extends BusError {
  constructor(readonly idle: readonly string[]) {
    super("BUS_ERR_NOT_READY", `not reading: ${idle.join(", ")}`);
  }
}

/**
 * A script, transaction or multi-key command whose keys hash to more than one Redis
 * Cluster slot: refused before it is sent, on a single server too, so that a step that
 * could never run on a cluster fails in every test. Keep the keys of one atomic step
 * under one hash tag (`{inventory}:…`).
 */
export class CrossSlotError extends BusError {
  constructor(
    readonly script: string,
    readonly keys: readonly string[],
  ) {
    super(
      "BUS_ERR_CROSS_SLOT",
      `${script}: its keys hash to more than one Redis Cluster slot (${keys.join(", ")}); put them under one hash tag`,
    );
  }
}

/**
 * A write that Redis stored but fewer replicas than asked confirmed within the
 * timeout (`WAIT`): *in doubt* — a failover now could lose it. Retry with the same ids.
 */
export class NotReplicatedError extends BusError {
  constructor(
    readonly replicas: number,
    readonly acknowledged: number,
    readonly timeoutMs: number,
  ) {
    super(
      "BUS_ERR_NOT_REPLICATED",
      `${acknowledged} of ${replicas} replica(s) confirmed the write within ${timeoutMs} ms`,
    );
  }
}
