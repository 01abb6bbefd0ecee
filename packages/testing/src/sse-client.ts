/** One server-sent event as a browser's EventSource would hand it over. */
export interface SseEvent {
  /** `event:`; `message` when the server named none. */
  event: string;
  /** `id:`; empty when the server gave none. */
  id: string;
  /** `data:` lines joined by line breaks, parsed as JSON (the raw text if it is not JSON). */
  data: unknown;
}

/** A live SSE stream, read in the background as it arrives. */
export interface SseClient {
  readonly status: number;
  readonly headers: Headers;
  readonly events: SseEvent[];
  /** Comment lines (`: text`), without the colon and the one space after it. */
  readonly comments: string[];
  /** The last `retry:` value, if any. */
  readonly retry: number | undefined;
  /** Whether the stream is over: the server ended it, `close()` was called, or it never was a stream. */
  readonly ended: boolean;
  /** Disconnect, as a closed browser tab would. */
  close(): void;
}

/**
 * Open an SSE stream with a real HTTP request (Fastify's `inject` does not stream) and
 * read it in the background. An answer that is not `text/event-stream` (an error, say)
 * is not read: its status and headers are there, and it counts as ended.
 *
 * @param headers request headers besides `accept: text/event-stream`, e.g. an `origin`
 */
export async function openSse(
  url: string,
  headers: Record<string, string> = {},
): Promise<SseClient> {
  const abort = new AbortController();
  const response = await fetch(url, {
    headers: { accept: "text/event-stream", ...headers },
    signal: abort.signal,
  });
  const client = {
    status: response.status,
    headers: response.headers,
    events: [] as SseEvent[],
    comments: [] as string[],
    retry: undefined as number | undefined,
    ended: false,
    close: () => abort.abort(),
  };
  const body = response.body;
  if (!body || !response.headers.get("content-type")?.startsWith("text/event-stream")) {
    await body?.cancel();
    client.ended = true;
    return client;
  }
  void read(body, client).finally(() => {
    client.ended = true;
  });
  return client;
}

type Parsed = Pick<SseClient, "events" | "comments"> & { retry: number | undefined };

async function read(body: ReadableStream<Uint8Array>, client: Parsed): Promise<void> {
  const decoder = new TextDecoder();
  let pending = "";
  try {
    for await (const chunk of body) {
      pending += decoder.decode(chunk, { stream: true });
      const blocks = pending.split("\n\n");
      pending = blocks.pop() ?? "";
      for (const block of blocks) parseBlock(block, client);
    }
  } catch {
    // aborted by close(), or the connection dropped: either way the stream is over
  }
}

/**
 * One block (the lines up to a blank line), read the way the SSE spec reads it. Lines
 * end in `\n`, as every server of the system writes them.
 */
function parseBlock(block: string, client: Parsed): void {
  let event = "message";
  let id = "";
  const data: string[] = [];
  for (const line of block.split("\n")) {
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "") client.comments.push(value);
    else if (field === "event") event = value;
    else if (field === "id") id = value;
    else if (field === "data") data.push(value);
    else if (field === "retry" && /^\d+$/.test(value)) client.retry = Number(value);
  }
  if (data.length > 0) client.events.push({ event, id, data: parseData(data.join("\n")) });
}

function parseData(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
