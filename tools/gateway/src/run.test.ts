import { describe, expect, it } from "vitest";
import { startReplica } from "../test/replicas.js";
import { run } from "./run.js";

describe("run", () => {
  it("reports each bad variable on a line of its own and exits 1, starting nothing", async () => {
    const stderr: string[] = [];
    const started = await run(
      { UPSTREAM: "shipping", PORT: "http" },
      { stderr: (line) => stderr.push(line), stdout: () => {} },
    );
    expect(started).toEqual({ exitCode: 1 });
    expect(stderr.sort()).toEqual([
      expect.stringMatching(/^gateway: PORT: .*\n$/),
      expect.stringMatching(/^gateway: UPSTREAM: .*\n$/),
    ]);
  });

  it("listens, logs where it sends requests, and answers from the upstream", async () => {
    const replica = await startReplica("a");
    const stdout: string[] = [];
    const started = await run(
      { HOST: "127.0.0.1", PORT: "0", UPSTREAM: `localhost:${replica.upstream.port}` },
      { stderr: () => {}, stdout: (line) => stdout.push(line) },
    );
    if (!("gateway" in started)) throw new Error("the gateway did not start");
    try {
      const response = await fetch(`http://127.0.0.1:${started.gateway.port}/shipments`);
      expect(await response.json()).toMatchObject({ replica: "a" });
      expect(JSON.parse(stdout[0] ?? "{}")).toMatchObject({
        level: 30,
        msg: "gateway listening",
        upstream: `localhost:${replica.upstream.port}`,
      });
    } finally {
      await started.gateway.close();
      await replica.close();
    }
  });
});
