import { type Bus, createBus } from "@retail/bus";
import { catalog, type RetailCatalog } from "@retail/contracts";
import { pino } from "pino";
import { afterEach } from "vitest";
import type { CliIo } from "../src/io.js";
import { runCli } from "../src/main.js";

export interface Captured {
  io: CliIo;
  stdout(): string;
  stderr(): string;
  /** Aborts `io.signal`, as Ctrl-C does. */
  interrupt(): void;
}

/** An io that records what the CLI writes; not a terminal unless told. */
export function captureIo(overrides: Partial<CliIo> = {}): Captured {
  const out: string[] = [];
  const err: string[] = [];
  const controller = new AbortController();
  const io: CliIo = {
    out: (text) => {
      out.push(text);
    },
    err: (text) => {
      err.push(text);
    },
    color: false,
    interactive: false,
    confirm: async () => {
      throw new Error("confirm() called without a terminal");
    },
    progressStream: undefined,
    env: {},
    signal: controller.signal,
    ...overrides,
  };
  return {
    io,
    stdout: () => out.join(""),
    stderr: () => err.join(""),
    interrupt: () => controller.abort(),
  };
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run `retail <args>` to the end with a capturing io. */
export async function retail(
  args: readonly string[],
  overrides: Partial<CliIo> = {},
): Promise<CliRun> {
  const captured = captureIo(overrides);
  const code = await runCli(args, captured.io);
  return { code, stdout: captured.stdout(), stderr: captured.stderr() };
}

/** Start `retail <args>` without waiting for it: for tail and watch. */
export function startRetail(
  args: readonly string[],
  overrides: Partial<CliIo> = {},
): Captured & { exit: Promise<number> } {
  const captured = captureIo(overrides);
  return { ...captured, exit: runCli(args, captured.io) };
}

/**
 * Buses of real services (their catalog publisher rights), closed after each test.
 * Call once at the top of a describe block.
 */
export function useBuses(url: () => string): (service: string) => Bus<RetailCatalog> {
  const open: Bus<RetailCatalog>[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((bus) => bus.close()));
  });
  return (service) => {
    const bus = createBus({
      service,
      catalog,
      redis: url(),
      logger: pino({ level: "silent" }),
      shutdownTimeoutMs: 2_000,
      subscribeDefaults: {
        blockMs: 200,
        retry: { initialDelayMs: 10, maxDelayMs: 20, multiplier: 2 },
      },
    });
    open.push(bus);
    return bus;
  };
}

/** Lines of output without blank ones. */
export function linesOf(text: string): string[] {
  return text.split("\n").filter((line) => line.trim() !== "");
}
