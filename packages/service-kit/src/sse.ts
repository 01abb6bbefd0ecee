import type { IncomingMessage, ServerResponse } from "node:http";
import type { Writable } from "node:stream";
import type { Logger } from "pino";
import { Gauge, type Registry } from "prom-client";
import { TooManyStreamsError } from "./errors.js";

/** How a {@link SseHub}'s streams behave. */
export interface SseOptions {
  /**
   * Most streams open at once on this instance; one more is refused with
   * `TooManyStreamsError` (503 `too_many_streams`, `Retry-After`). Default: no cap.
   */
  maxStreams?: number | undefined;
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
    this.write(`retry: ${options.retryMs}\n\n`);
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** One event; `data` goes out as one line of JSON. */
  send(event: string, id: string, data: unknown): void {
    this.write(`event: ${oneLine(event)}\nid: ${oneLine(id)}\ndata: ${JSON.stringify(data)}\n\n`);
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

/** The streams open on this instance: at most `maxStreams`, all ended by `closeAll()` on shutdown. */
export class SseHub {
  private readonly options: SseOptions;
  private readonly streams = new Set<SseStream>();

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

  /**
   * Take the reply over and start a stream: status 200, the headers the app set so far
   * and the SSE headers go out now, with the `retry:` line. Throws
   * `TooManyStreamsError` (nothing sent yet, so the app answers 503) when the hub
   * already holds `maxStreams`.
   */
  open(request: SseRequest, reply: SseReply): SseStream {
    const { maxStreams } = this.options;
    if (maxStreams !== undefined && this.streams.size >= maxStreams)
      throw new TooManyStreamsError();
    reply.hijack();
    const socket = request.raw.socket;
    socket.setTimeout(0);
    socket.setNoDelay(true);
    socket.setKeepAlive(true);
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
    stream.onClose(() => this.streams.delete(stream));
    request.log.info({ openStreams: this.streams.size }, "SSE stream opened");
    return stream;
  }

  /** End every stream, e.g. when the server shuts down. */
  closeAll(): void {
    for (const stream of [...this.streams]) stream.close();
  }
}

/** SSE fields end at a line break: never let a value carry one. */
function oneLine(value: string): string {
  return value.replace(/[\r\n]/g, " ");
}
