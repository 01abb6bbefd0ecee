import { describe, expect, it } from "vitest";
import { eventStreamParser, readEventStream } from "../public/sse.js";

interface Message {
  event: string;
  id: string;
  data: string;
}

/** Everything the parser reports for `text` pushed in `chunks` pieces. */
function parse(chunks: string[]) {
  const messages: Message[] = [];
  const retries: number[] = [];
  const parser = eventStreamParser({
    onMessage: (message: Message) => messages.push(message),
    onRetry: (ms: number) => retries.push(ms),
  });
  for (const chunk of chunks) parser.push(chunk);
  return { messages, retries };
}

/** What client-monitoring's live feed sends: the retry line, comments, two events. */
const FEED = [
  "retry: 3000\n\n",
  ": connected\n\n",
  'event: order.placed\nid: e-1\ndata: {"id":"e-1","payload":{"city":"Zürich"}}\n\n',
  ": heartbeat\n\n",
  'event: stock.low\nid: e-2\ndata: {"id":"e-2"}\n\n',
].join("");

const EXPECTED = [
  { event: "order.placed", id: "e-1", data: '{"id":"e-1","payload":{"city":"Zürich"}}' },
  { event: "stock.low", id: "e-2", data: '{"id":"e-2"}' },
];

describe("the dashboard's server-sent-event reader", () => {
  it("reads the live feed's events and retry line, skipping comments", () => {
    expect(parse([FEED])).toEqual({ messages: EXPECTED, retries: [3000] });
  });

  it("gives the same events however the text is cut into chunks", () => {
    for (let cut = 1; cut < FEED.length; cut += 1)
      expect(parse([FEED.slice(0, cut), FEED.slice(cut)]).messages, `cut at ${cut}`).toEqual(
        EXPECTED,
      );
    expect(parse([...FEED]).messages).toEqual(EXPECTED);
  });

  it("takes CRLF and CR line ends, a CRLF split across chunks as one, and joins data lines", () => {
    const { messages } = parse(["data: a\r", "\ndata: b\r\rdata: c\n", "\n"]);
    expect(messages).toEqual([
      { event: "message", id: "", data: "a\nb" },
      { event: "message", id: "", data: "c" },
    ]);
  });

  it("keeps the last id for later events, and dispatches nothing without data", () => {
    const { messages } = parse(["id: 7\nevent: ping\n\nevent: x\ndata:1\n\n"]);
    expect(messages).toEqual([{ event: "x", id: "7", data: "1" }]);
  });

  it("reads a fetch body of bytes, a character split across chunks included, to its end", async () => {
    const bytes = new TextEncoder().encode(FEED);
    const split = bytes.indexOf(0xc3) + 1; // inside "ü"
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.slice(0, split));
        controller.enqueue(bytes.slice(split));
        controller.close();
      },
    });
    const messages: Message[] = [];
    await readEventStream(body, { onMessage: (message: Message) => messages.push(message) });
    expect(messages).toEqual(EXPECTED);
  });
});
