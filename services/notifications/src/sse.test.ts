import { Writable } from "node:stream";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { SseStream } from "./sse.js";

const settings = { maxStreams: 1, heartbeatMs: 60_000, retryMs: 3_000, maxBufferedBytes: 1_000 };

/** A client that never reads: every byte written stays buffered. */
function stalledClient(): Writable {
  return new Writable({ write() {} });
}

describe("SseStream", () => {
  it("disconnects a client once more than maxBufferedBytes wait for it, and runs its close listeners", () => {
    const response = stalledClient();
    const stream = new SseStream(response, settings, pino({ level: "silent" }));
    let closed = 0;
    stream.onClose(() => {
      closed += 1;
    });
    const notification = { id: "n-1", text: "x".repeat(200) };
    let sent = 0;
    while (stream.isOpen && sent < 100) {
      stream.send("notification", `n-${sent}`, notification);
      sent += 1;
    }
    expect(stream.isOpen).toBe(false);
    expect(response.destroyed).toBe(true);
    expect(response.writableLength).toBeGreaterThan(settings.maxBufferedBytes);
    // a handful of events, not all hundred: it stopped as soon as the bound was passed
    expect(sent).toBeLessThan(10);
    expect(closed).toBe(1);
  });

  it("writes one event per send, with line breaks in its event name and id made spaces", () => {
    const chunks: string[] = [];
    const response = new Writable({
      write(chunk, _encoding, done) {
        chunks.push(String(chunk));
        done();
      },
    });
    const stream = new SseStream(response, settings, pino({ level: "silent" }));
    stream.send("notification", "a\nb", { kind: "confirmed" });
    stream.comment("connected");
    expect(chunks).toEqual([
      "retry: 3000\n\n",
      'event: notification\nid: a b\ndata: {"kind":"confirmed"}\n\n',
      ": connected\n\n",
    ]);
    stream.close();
    expect(stream.isOpen).toBe(false);
  });
});
