import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { Writable } from "node:stream";
import type { Logger } from "pino";
import { Gauge, type Registry } from "prom-client";
import type { Principal } from "./auth/principal.js";
import { TooManyPrincipalStreamsError, TooManyStreamsError } from "./errors.js";

/** How a {@link SseHub}'s streams behave. */
export interface SseOptions {
  /**
   * Most streams open at once on this instance; one more is refused with
   * `TooManyStreamsError` (503 `too_many_streams`, `Retry-After`). Default: no cap.
   */
  maxStreams?: number | undefined;
  /**
   * Most streams one caller (`request.principal.subject`) holds open at once on this
   * hub; one more is refused with `TooManyPrincipalStreamsError` (429
   * `too_many_principal_streams`, `Retry-After`, `details.limit`), so one token cannot
   * take `maxStreams` from everybody else. Anonymous requests (empty subject, public
   * routes) are held by `maxStreams` alone. Default: no cap.
   */
  maxStreamsPerPrincipal?: number | undefined;
  /** Interval of the comment line that keeps idle streams open through proxies. */
  heartbeatMs: number;
  /** Reconnection delay suggested to clients (the `retry:` line each stream starts with). */
  retryMs: number;
  /** A client this many bytes behind is disconnected rather than buffered without bound. */
  maxBufferedBytes: number;
  /** A gauge of the open streams (`size`) on the service's metrics registry. Default: none. */
  gauge?: { name: string; help: string; registry: Registry } | undefined;
}

/** What one stream needs of {@link SseOptions}. */
export type SseStreamOptions = Pick<SseOptions, "heartbeatMs" | "retryMs" | "maxBufferedBytes">;

/** What a stream needs of Fastify's request. */
export interface SseRequest {
  readonly raw: IncomingMessage;
  readonly log: Pick<Logger, "info" | "debug" | "warn">;
  /** Who asks (the kit's auth sets it on every request): counted by `maxStreamsPerPrincipal`. */
  readonly principal: Pick<Principal, "subject">;
}

/** What a stream needs of Fastify's reply. */
export interface SseReply {
  hijack(): unknown;
  /** What the app set so far (CORS, the correlation id): the stream keeps them. */
  getHeaders(): Record<string, number | string | string[] | undefined>;
  readonly raw: ServerResponse;
}

/**
 * One server-sent-events stream. It starts with the `retry:` line, then sends a
 * heartbeat comment every `heartbeatMs`; writes after it closed are dropped, and a
 * client more than `maxBufferedBytes` behind is disconnected.
 */
export class SseStream {
  // Fields declared, not constructor parameter properties: the kit's sources also run
  // under Node's type stripping, which refuses those.
  private readonly response: Writable;
  private readonly options: SseStreamOptions;
  private readonly log: SseRequest["log"];
  private readonly heartbeat: NodeJS.Timeout;
  private readonly closeListeners = new Set<() => void>();
  private closed = false;

  /**
   * @param response the reply's raw response ({@link SseHub.open} gives it); any
   *   writable, so a test can give one that never drains
   */
  constructor(response: Writable, options: SseStreamOptions, log: SseRequest["log"]) {
    this.response = response;
    this.options = options;
    this.log = log;
    this.heartbeat = setInterval(() => this.write(": heartbeat\n\n"), options.heartbeatMs);
    this.heartbeat.unref();
    response.on("close", () => this.finish());
    response.on("error", (error) => {
      log.debug({ err: error }, "SSE stream error");
      this.finish();
    });
    // A client gone before the stream opened: its "close" has fired already, and the
    // stream would otherwise hold its caller's and the hub's places until shutdown.
    if (response.destroyed) {
      this.finish();
      return;
    }
    this.write(`retry: ${options.retryMs}\n\n`);
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** One event; `data` goes out as one line of JSON. */
  send(event: string, id: string, data: unknown): void {
    this.write(sseFrame(event, id, data));
  }

  /**
   * One event serialized already by {@link sseFrame}: an event many streams get is
   * serialized once and the same string sent to each. Dropped once closed, and it
   * disconnects a client too far behind, as {@link send} does.
   */
  sendFrame(frame: string): void {
    this.write(frame);
  }

  /** A comment line, which clients ignore (e.g. `connected`, once the stream is live). */
  comment(text: string): void {
    this.write(`: ${oneLine(text)}\n\n`);
  }

  /** Run `listener` once when the stream closes, whoever closes it (at once if it has). */
  onClose(listener: () => void): void {
    if (this.closed) listener();
    else this.closeListeners.add(listener);
  }

  /** End the stream; the client reconnects after `retry` ms. */
  close(): void {
    if (!this.response.writableEnded) this.response.end();
    this.finish();
  }

  private write(text: string): void {
    if (this.closed || this.response.writableEnded || this.response.destroyed) return;
    if (this.response.writableLength > this.options.maxBufferedBytes) {
      this.log.warn(
        { bufferedBytes: this.response.writableLength },
        "SSE client is not reading; disconnecting it",
      );
      this.response.destroy();
      this.finish();
      return;
    }
    this.response.write(text);
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    for (const listener of this.closeListeners) {
      try {
        listener();
      } catch (error) {
        this.log.warn({ err: error }, "SSE close listener failed");
      }
    }
    this.closeListeners.clear();
  }
}

/**
 * The streams open on this instance: at most `maxStreams`, at most
 * `maxStreamsPerPrincipal` of them per caller, all ended by `closeAll()` on shutdown.
 * Both caps are per instance: behind a load balancer with n instances a caller may hold
 * up to n × `maxStreamsPerPrincipal`.
 */
export class SseHub {
  private readonly options: SseOptions;
  private readonly streams = new Set<SseStream>();
  /** Open streams per subject; a subject is dropped at zero, so callers that left leave nothing. */
  private readonly held = new Map<string, number>();

  constructor(options: SseOptions) {
    this.options = options;
    if (options.gauge) {
      const { streams } = this;
      new Gauge({
        name: options.gauge.name,
        help: options.gauge.help,
        registers: [options.gauge.registry],
        collect() {
          this.set(streams.size);
        },
      });
    }
  }

  /** How many streams are open. */
  get size(): number {
    return this.streams.size;
  }

  /** How many streams `subject` holds open (0 for the anonymous subject, never counted). */
  heldBy(subject: string): number {
    return this.held.get(subject) ?? 0;
  }

  /**
   * Take the reply over and start a stream: status 200, the headers the app set so far
   * and the SSE headers go out now, with the `retry:` line. Throws, with nothing sent
   * yet so the app answers the error, `TooManyPrincipalStreamsError` (429) when the
   * request's principal already holds `maxStreamsPerPrincipal`, else
   * `TooManyStreamsError` (503) when the hub holds `maxStreams`; a refused stream holds
   * no place. The caller's place is freed when the stream closes.
   */
  open(request: SseRequest, reply: SseReply): SseStream {
    const { maxStreams, maxStreamsPerPrincipal } = this.options;
    const { subject } = request.principal;
    if (
      maxStreamsPerPrincipal !== undefined &&
      subject !== "" &&
      this.heldBy(subject) >= maxStreamsPerPrincipal
    )
      throw new TooManyPrincipalStreamsError(undefined, {
        details: { limit: maxStreamsPerPrincipal },
      });
    if (maxStreams !== undefined && this.streams.size >= maxStreams)
      throw new TooManyStreamsError();
    reply.hijack();
    // app.inject's fake socket has none of these; its response ends when the stream does.
    const socket: Partial<Pick<Socket, "setTimeout" | "setNoDelay" | "setKeepAlive">> =
      request.raw.socket;
    socket.setTimeout?.(0);
    socket.setNoDelay?.(true);
    socket.setKeepAlive?.(true);
    const headers = Object.entries(reply.getHeaders()).filter(([, value]) => value !== undefined);
    reply.raw.writeHead(200, {
      ...Object.fromEntries(headers),
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    });
    const stream = new SseStream(reply.raw, this.options, request.log);
    this.streams.add(stream);
    if (subject !== "") this.held.set(subject, this.heldBy(subject) + 1);
    // onClose runs once, so the place is given back once however the stream ends.
    stream.onClose(() => {
      this.streams.delete(stream);
      if (subject !== "") this.release(subject);
    });
    request.log.info({ openStreams: this.streams.size }, "SSE stream opened");
    return stream;
  }

  /** End every stream, e.g. when the server shuts down. */
  closeAll(): void {
    for (const stream of [...this.streams]) stream.close();
  }

  private release(subject: string): void {
    const left = this.heldBy(subject) - 1;
    if (left > 0) this.held.set(subject, left);
    else this.held.delete(subject);
  }
}

/**
 * One SSE message as {@link SseStream.send} writes it: `event:`, `id:` and `data:` (one
 * line of JSON) lines and the blank line; line breaks in the event name or id become
 * spaces. For {@link SseStream.sendFrame}.
 */
export function sseFrame(event: string, id: string, data: unknown): string {
  return `event: ${oneLine(event)}\nid: ${oneLine(id)}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** SSE fields end at a line break: never let a value carry one. */
function oneLine(value: string): string {
  return value.replace(/[\r\n]/g, " ");
}
