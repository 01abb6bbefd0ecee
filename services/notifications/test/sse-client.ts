/** One server-sent event as an app's EventSource would see it. */
export interface StreamedEvent {
  event: string;
  id: string;
  data: unknown;
}

/** A notification stream read in the background over a real HTTP request (inject does not stream). */
export interface StreamReader {
  readonly status: number;
  readonly headers: Headers;
  readonly events: StreamedEvent[];
  readonly comments: string[];
  /** Whether the server ended the stream. */
  readonly ended: boolean;
  close(): void;
}

export async function readStream(
  url: string,
  headers: Record<string, string> = {},
): Promise<StreamReader> {
  const abort = new AbortController();
  const response = await fetch(url, {
    headers: { accept: "text/event-stream", ...headers },
    signal: abort.signal,
  });
  const reader = {
    status: response.status,
    headers: response.headers,
    events: [] as StreamedEvent[],
    comments: [] as string[],
    ended: false,
    close: () => abort.abort(),
  };
  void consume(response, reader).finally(() => {
    reader.ended = true;
  });
  return reader;
}

async function consume(
  response: Response,
  reader: { events: StreamedEvent[]; comments: string[] },
): Promise<void> {
  if (!response.body || !response.headers.get("content-type")?.startsWith("text/event-stream"))
    return;
  const decoder = new TextDecoder();
  let pending = "";
  try {
    for await (const chunk of response.body) {
      pending += decoder.decode(chunk as Uint8Array, { stream: true });
      const blocks = pending.split("\n\n");
      pending = blocks.pop() ?? "";
      for (const block of blocks) {
        const lines = block.split("\n");
        const field = (name: string) =>
          lines.find((line) => line.startsWith(`${name}: `))?.slice(name.length + 2);
        reader.comments.push(
          ...lines.filter((line) => line.startsWith(": ")).map((line) => line.slice(2)),
        );
        const data = field("data");
        if (data !== undefined)
          reader.events.push({
            event: field("event") ?? "message",
            id: field("id") ?? "",
            data: JSON.parse(data),
          });
      }
    }
  } catch {
    // aborted by close()
  }
}
