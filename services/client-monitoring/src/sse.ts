import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";

/** What an SSE route needs of Fastify's request and reply. */
export interface SseRequest {
  readonly id: string;
  readonly raw: IncomingMessage;
  readonly log: Pick<Logger, "info" | "warn" | "debug">;
}
export interface SseReply {
  hijack(): unknown;
  readonly raw: ServerResponse;
}

export interface SseOptions {
  /** Interval of the comment line that keeps idle connections open through proxies. */
  heartbeatMs: number;
  /** Reconnection delay suggested to the client (`retry:`). */
  retryMs: number;
  /** A client this many bytes behind is disconnected instead of buffering without bound. */
  maxBufferedBytes: number;
}

/**
 * One server-sent-events connection. Writes are dropped once it is closed; a client
 * that does not read (more than `maxBufferedBytes` waiting) is disconnected.
 */
export class SseConnection {
  private readonly heartbeat: NodeJS.Timeout;
  private readonly closeListeners: (() => void)[] = [];
  private isClosed = false;

  constructor(
    private readonly response: ServerResponse,
    private readonly request: SseRequest,
    private readonly options: SseOptions,
  ) {
    this.heartbeat = setInterval(() => this.write(": heartbeat\n\n"), options.heartbeatMs);
    this.heartbeat.unref();
    response.on("close", () => this.finish());
    response.on("error", (error) => {
      request.log.debug({ err: error }, "SSE connection error");
      this.finish();
    });
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** Say the stream is live: the reconnection delay and a comment clients may wait for. */
  ready(): void {
    this.write(`retry: ${this.options.retryMs}\n: connected\n\n`);
  }

  /** Send one event. `data` is serialized as one line of JSON. */
  send(event: string, id: string, data: unknown): void {
    this.write(`event: ${oneLine(event)}\nid: ${oneLine(id)}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  /** Run `listener` once when the connection closes, whoever closes it (now if already closed). */
  onClose(listener: () => void): void {
    if (this.isClosed) listener();
    else this.closeListeners.push(listener);
  }

  /** End the stream (the client reconnects after `retry` ms). */
  close(): void {
    if (!this.response.writableEnded) this.response.end();
    this.finish();
  }

  private write(text: string): void {
    if (this.isClosed || this.response.writableEnded || this.response.destroyed) return;
    if (this.response.writableLength > this.options.maxBufferedBytes) {
      this.request.log.warn(
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
    if (this.isClosed) return;
    this.isClosed = true;
    clearInterval(this.heartbeat);
    for (const listener of this.closeListeners.splice(0)) {
      try {
        listener();
      } catch (error) {
        this.request.log.warn({ err: error }, "SSE close listener failed");
      }
    }
  }
}

/** The open SSE connections of this instance, so shutdown can end them all. */
export class SseHub {
  private readonly connections = new Set<SseConnection>();

  constructor(private readonly options: SseOptions) {}

  get size(): number {
    return this.connections.size;
  }

  /**
   * Take over the reply and start an event stream: status 200 and the SSE headers go out
   * now; call `ready()` once the stream is subscribed to what it relays.
   */
  open(request: SseRequest, reply: SseReply): SseConnection {
    reply.hijack();
    const response = reply.raw;
    const socket = request.raw.socket;
    socket.setTimeout(0);
    socket.setNoDelay(true);
    socket.setKeepAlive(true);
    response.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      connection: "keep-alive",
      "x-accel-buffering": "no",
      "x-correlation-id": request.id,
    });
    response.flushHeaders();
    const connection = new SseConnection(response, request, this.options);
    this.connections.add(connection);
    connection.onClose(() => this.connections.delete(connection));
    request.log.info({ openStreams: this.connections.size }, "SSE stream opened");
    return connection;
  }

  /** End every stream, e.g. when the server shuts down. */
  closeAll(): void {
    for (const connection of [...this.connections]) connection.close();
  }
}

/** SSE fields end at a line break: never let a value carry one. */
function oneLine(value: string): string {
  return value.replace(/[\r\n]/g, " ");
}
