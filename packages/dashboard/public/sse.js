// Server-sent events read from a fetch() response body. EventSource cannot send an
// Authorization header, so the page streams with fetch and parses the format itself
// (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation).

/**
 * Reads `body` (a ReadableStream of bytes) to its end, calling `onMessage({event, id,
 * data})` for each message (`event` is "message" when the server names none; `data`
 * is its data lines joined by "\n") and `onRetry(ms)` for each `retry:` line. Comment
 * lines (`: heartbeat`) are skipped. Resolves when the stream ends.
 *
 * @param {ReadableStream<Uint8Array>} body
 * @param {{ onMessage: (message: { event: string, id: string, data: string }) => void,
 *           onRetry?: (ms: number) => void }} handlers
 * @returns {Promise<void>}
 */
export async function readEventStream(body, { onMessage, onRetry = () => {} }) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  const parser = eventStreamParser({ onMessage, onRetry });
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    parser.push(value);
  }
}

/**
 * The parser behind {@link readEventStream}: `push(text)` with the stream's text in
 * chunks of any size (a line, or a CRLF, may be split across two).
 *
 * @param {{ onMessage: (message: { event: string, id: string, data: string }) => void,
 *           onRetry: (ms: number) => void }} handlers
 */
export function eventStreamParser({ onMessage, onRetry }) {
  let buffer = "";
  let first = true;
  let event = "";
  let data = [];
  let id = "";

  function line(text) {
    if (text === "") {
      if (data.length > 0) onMessage({ event: event || "message", id, data: data.join("\n") });
      event = "";
      data = [];
      return;
    }
    if (text.startsWith(":")) return;
    const colon = text.indexOf(":");
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? "" : text.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") event = value;
    else if (field === "data") data.push(value);
    else if (field === "id" && !value.includes("\u0000")) id = value;
    else if (field === "retry" && /^\d+$/.test(value)) onRetry(Number(value));
  }

  return {
    /** @param {string} text */
    push(text) {
      buffer += text;
      if (first && buffer.length > 0) {
        // A byte-order mark may open the stream, and only there.
        if (buffer.startsWith("\uFEFF")) buffer = buffer.slice(1);
        first = false;
      }
      let start = 0;
      for (let index = 0; index < buffer.length; index += 1) {
        const char = buffer[index];
        if (char !== "\n" && char !== "\r") continue;
        // A CR at the end of a chunk may be the first half of a CRLF: wait for the next.
        if (char === "\r" && index === buffer.length - 1) break;
        line(buffer.slice(start, index));
        if (char === "\r" && buffer[index + 1] === "\n") index += 1;
        start = index + 1;
      }
      buffer = buffer.slice(start);
    },
  };
}
