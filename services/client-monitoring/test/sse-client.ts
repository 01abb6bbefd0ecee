/** One server-sent event as a client parses it. */
export interface ReceivedEvent {
  event: string;
  id: string;
  data: unknown;
}

/** A live SSE connection read in the background, the way a browser's EventSource reads it. */
export interface SseClient {
  readonly status: number;
  readonly headers: Headers;
  readonly events: ReceivedEvent[];
  readonly comments: string[];
  /** The last `retry:` value, if any. */
  readonly retry: number | undefined;
  /** Whether the server ended the stream. */
  readonly ended: boolean;
  close(): void;
}

/** Open an SSE stream with a real HTTP request (inject does not stream). */
export async function openSse(url: string): Promise<SseClient> {
  const abort = new AbortController();
  const response = await fetch(url, {
    headers: { accept: "text/event-stream" },
    signal: abort.signal,
  });
  const client = {
    status: response.status,
    headers: response.headers,
    events: [] as ReceivedEvent[],
    comments: [] as string[],
    retry: undefined as number | undefined,
    ended: false,
    close: () => abort.abort(),
  };
  const body = response.body;
  if (!body) {
    client.ended = true;
    return client;
  }
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = "";
    try {
      for await (const chunk of body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let end = buffer.indexOf("\n\n");
        while (end !== -1) {
          parseBlock(buffer.slice(0, end), client);
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf("\n\n");
        }
      }
    } catch {
      // aborted by close()
    } finally {
      client.ended = true;
    }
  })();
  return client;
}

function parseBlock(
  block: string,
  client: { events: ReceivedEvent[]; comments: string[]; retry: number | undefined },
): void {
  let event = "message";
  let id = "";
  const data: string[] = [];
  for (const line of block.split("\n")) {
    if (line.startsWith(":")) client.comments.push(line.slice(1).trim());
    else if (line.startsWith("retry: ")) client.retry = Number(line.slice(7));
    else if (line.startsWith("event: ")) event = line.slice(7);
    else if (line.startsWith("id: ")) id = line.slice(4);
    else if (line.startsWith("data: ")) data.push(line.slice(6));
  }
  if (data.length > 0) client.events.push({ event, id, data: JSON.parse(data.join("\n")) });
}
