import { describe, expect, it, vi } from "vitest";
import { baseConfigSchema, loadConfig } from "./config.js";
import { runService } from "./run-service.js";

function fakeIo() {
  let stderr = "";
  const exit = vi.fn();
  return {
    io: {
      stderr: {
        write: (text: string) => {
          stderr += text;
        },
      },
      exit,
    },
    exit,
    stderr: () => stderr,
  };
}

describe("runService", () => {
  it("prints a configuration error one line per variable, without a stack, and exits 1", async () => {
    const { io, exit, stderr } = fakeIo();
    await runService(() => loadConfig(baseConfigSchema, { LOG_LEVEL: "loud" }), io);
    expect(exit).toHaveBeenCalledExactlyOnceWith(1);
    expect(stderr().split("\n")).toEqual([
      "Invalid configuration:",
      "  PORT: is required but not set",
      expect.stringMatching(/^ {2}LOG_LEVEL: Invalid option: expected one of /),
      "",
    ]);
    expect(stderr()).not.toMatch(/\n\s+at /);
  });

  it("prints any other start-up failure with its stack and exits 1", async () => {
    const { io, exit, stderr } = fakeIo();
    await runService(async () => {
      throw new Error("Redis refused the connection");
    }, io);
    expect(exit).toHaveBeenCalledExactlyOnceWith(1);
    expect(stderr()).toMatch(/^Failed to start: Error: Redis refused the connection\n\s+at /);
  });

  it("neither prints nor exits when main starts the service", async () => {
    const { io, exit, stderr } = fakeIo();
    const main = vi.fn(async () => {});
    await runService(main, io);
    expect(main).toHaveBeenCalledOnce();
    expect(exit).not.toHaveBeenCalled();
    expect(stderr()).toBe("");
  });
});
