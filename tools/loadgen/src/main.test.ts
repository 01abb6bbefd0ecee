import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it, vi } from "vitest";
import { STUB_KEYS_DIR, startInventoryStub, startMonitoringStub } from "../test/stub-services.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** `pnpm dev` as a child process, with the given variables only (plus PATH). */
function runMain(env: Record<string, string>) {
  const child: ChildProcess = spawn(
    process.execPath,
    ["--conditions=@retail/source", "--import", "tsx", "src/main.ts"],
    { cwd: root, env: { PATH: process.env.PATH ?? "", ...env }, stdio: ["ignore", "pipe", "pipe"] },
  );
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = once(child, "exit").then(([code]) => code as number | null);
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await exited;
  });
  const lines = () =>
    stdout
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as { msg: string; level: number });
  return { child, exited, lines, stderr: () => stderr };
}

describe("main", () => {
  it("runs until SIGTERM, then stops cleanly with exit code 0", async () => {
    const inventory = await startInventoryStub();
    cleanups.push(() => inventory.close());
    const monitoring = await startMonitoringStub();
    cleanups.push(() => monitoring.close());
    const main = runMain({
      INVENTORY_URL: inventory.url,
      MONITORING_URL: monitoring.url,
      ORDERS_PER_SECOND: "20",
      HEARTBEAT_INTERVAL_MS: "50",
      AUTH_KEYS_DIR: STUB_KEYS_DIR,
    });

    await vi.waitFor(
      () => {
        expect(main.lines().map((line) => line.msg)).toContain("order placed");
        expect(main.lines().map((line) => line.msg)).toContain("heartbeat");
      },
      { timeout: 30_000, interval: 50 },
    );
    main.child.kill("SIGTERM");

    expect(await main.exited).toBe(0);
    const messages = main.lines().map((line) => line.msg);
    expect(messages[0]).toBe("loadgen starting");
    expect(messages).toContain("loadgen running");
    expect(messages.at(-1)).toBe("loadgen stopped");
    expect(main.stderr()).toBe("");
  });

  it("exits 1 without the signing key, saying where it looked, before sending a request", async () => {
    const inventory = await startInventoryStub();
    cleanups.push(() => inventory.close());
    const keys = join(STUB_KEYS_DIR, "missing");
    const main = runMain({ INVENTORY_URL: inventory.url, AUTH_KEYS_DIR: keys });
    expect(await main.exited).toBe(1);
    expect(main.stderr()).toContain(`no usable signing key at ${keys}/signing-key.jwk.json`);
    expect(inventory.requests).toEqual([]);
  });

  it("exits 1 with one line per invalid variable", async () => {
    const main = runMain({ ORDERS_PER_SECOND: "fast", TILLS: "-1" });
    expect(await main.exited).toBe(1);
    expect(main.stderr()).toContain("Invalid configuration:");
    expect(main.stderr()).toContain("ORDERS_PER_SECOND:");
    expect(main.stderr()).toContain("TILLS:");
  });
});
