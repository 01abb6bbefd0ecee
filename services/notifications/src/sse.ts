import type { IncomingMessage, ServerResponse } from "node:http";
import type { Writable } from "node:stream";
import type { Logger } from "pino";
import { TooManyStreamsError } from "./errors.js";

export interface SseSettings {
  /** Most streams open at once on this instance (`SSE_MAX_STREAMS`). */
  maxStreams: number;
  /** Interval of the comment line that keeps idle streams open through proxies. */
  heartbeatMs: number;
  /** Reconnection delay suggested to clients (`retry:`). */
  retryMs: number;
  /** A client this many bytes behind is disconnected rather than buffered without bound. */
  maxBufferedBytes: number;
}

/** What a stream needs of Fastify's request and reply. */
export interface SseRequest {
  readonly raw: IncomingMessage;
  readonly log: Pick<Logger, "debug" | "warn">;
}
export interface SseReply {
  hijack(): unknown;
  /** What the app set so far (CORS, the correlation id): the stream keeps them. */
  getHeaders(): Record<string, number | string | string[] | undefined>;
  readonly raw: ServerResponse;
}

/** One server-sent-events stream to a client app. Writes after it closed are dropped. */
export class SseStream {
  private readonly heartbeat: NodeJS.Timeout;
  private readonly closeListeners = new Set<() => void>();
  private closed = false;

  constructor(
    /** The reply's response (any writable: a test gives one that never drains). */
    private readonly response: Writable,
    private readonly settings: SseSettings,
    private readonly log: SseRequest["log"],
  ) {
    this.heartbeat = setInterval(() => this.write(": heartbeat\n\n"), settings.heartbeatMs);
    this.heartbeat.unref();
    response.on("close", () => this.finish());
    response.on("error", (error) => {
      log.debug({ err: error }, "SSE stream error");
      this.finish();
    });
    this.write(`retry: ${settings.retryMs}\n\n`);
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
    if (this.response.writableLength > this.settings.maxBufferedBytes) {
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

/** The streams open on this instance: at most `maxStreams`, all ended on shutdown. */
export class SseStreams {
  private readonly open = new Set<SseStream>();

  constructor(private readonly settings: SseSettings) {}

  get size(): number {
    return this.open.size;
  }

  /**
   * Take the reply over and start a stream: status 200 and the SSE headers go out now.
   * Throws `TooManyStreamsError` (503, nothing sent yet) when the instance is full.
   */
  start(request: SseRequest, reply: SseReply): SseStream {
    if (this.open.size >= this.settings.maxStreams) throw new TooManyStreamsError();
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
    const stream = new SseStream(reply.raw, this.settings, request.log);
    this.open.add(stream);
    stream.onClose(() => this.open.delete(stream));
    return stream;
  }

  /** End every stream, e.g. when the server shuts down. */
  closeAll(): void {
    for (const stream of [...this.open]) stream.close();
  }
}

/** SSE fields end at a line break: never let a value carry one. */
function oneLine(value: string): string {
  return value.replace(/[\r\n]/g, " ");
}
