import { describe, expect, it } from "vitest";
import { dnsUpstreams, type Lookup } from "./upstreams.js";

/** A lookup that answers from `answers` in turn and counts its calls. */
function scriptedLookup(...answers: (readonly string[] | Error)[]) {
  const calls: string[] = [];
  const lookup: Lookup = async (hostname) => {
    calls.push(hostname);
    const answer = answers[Math.min(calls.length, answers.length) - 1];
    if (answer instanceof Error) throw answer;
    return answer ?? [];
  };
  return { lookup, calls };
}

const dnsError = (code: string) =>
  Object.assign(new Error(`getaddrinfo ${code} shipping`), { code });

describe("dnsUpstreams", () => {
  it("lists every address of the name once, in a stable order, on the upstream port", async () => {
    const { lookup } = scriptedLookup(["172.18.0.9", "172.18.0.5", "172.18.0.9"]);
    const source = dnsUpstreams({ hostname: "shipping", port: 3002, refreshMs: 1_000, lookup });
    expect(await source.current()).toEqual([
      { host: "172.18.0.5", port: 3002 },
      { host: "172.18.0.9", port: 3002 },
    ]);
  });

  it("reuses a lookup until it is refreshMs old, then looks again", async () => {
    let clock = 0;
    const { lookup, calls } = scriptedLookup(["172.18.0.5"], ["172.18.0.5", "172.18.0.6"]);
    const source = dnsUpstreams({
      hostname: "shipping",
      port: 3002,
      refreshMs: 1_000,
      lookup,
      now: () => clock,
    });
    await source.current();
    clock = 999;
    expect(await source.current()).toHaveLength(1);
    clock = 1_000;
    expect(await source.current()).toHaveLength(2);
    expect(calls).toEqual(["shipping", "shipping"]);
  });

  it("looks again at once when asked for a fresh list", async () => {
    const { lookup, calls } = scriptedLookup(["172.18.0.5"], ["172.18.0.7"]);
    const source = dnsUpstreams({ hostname: "shipping", port: 3002, refreshMs: 60_000, lookup });
    await source.current();
    expect(await source.current({ fresh: true })).toEqual([{ host: "172.18.0.7", port: 3002 }]);
    expect(calls).toHaveLength(2);
  });

  it("shares one lookup among the requests that wait for it", async () => {
    const { lookup, calls } = scriptedLookup(["172.18.0.5"]);
    const source = dnsUpstreams({ hostname: "shipping", port: 3002, refreshMs: 1_000, lookup });
    await Promise.all([source.current(), source.current(), source.current({ fresh: true })]);
    expect(calls).toHaveLength(1);
  });

  it("lists no replica when the name does not resolve (no replica running)", async () => {
    const { lookup } = scriptedLookup(["172.18.0.5"], dnsError("ENOTFOUND"));
    const source = dnsUpstreams({ hostname: "shipping", port: 3002, refreshMs: 0, lookup });
    await source.current();
    expect(await source.current()).toEqual([]);
  });

  it("keeps the last list, and reports the error, when the lookup fails otherwise", async () => {
    const reported: unknown[] = [];
    const { lookup } = scriptedLookup(["172.18.0.5"], dnsError("EAI_AGAIN"));
    const source = dnsUpstreams({
      hostname: "shipping",
      port: 3002,
      refreshMs: 0,
      lookup,
      onLookupError: (error) => reported.push(error),
    });
    await source.current();
    expect(await source.current()).toEqual([{ host: "172.18.0.5", port: 3002 }]);
    expect(reported).toMatchObject([{ code: "EAI_AGAIN" }]);
  });

  it("resolves a real name through the system resolver", async () => {
    const source = dnsUpstreams({ hostname: "localhost", port: 3002, refreshMs: 1_000 });
    expect((await source.current()).map(({ host }) => host)).toContain("127.0.0.1");
  });
});
