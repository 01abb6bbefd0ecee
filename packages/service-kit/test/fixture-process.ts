import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterEach } from "vitest";

/**
 * A fixture service (`test/fixtures/<file>`) run as a real process from the TypeScript
 * sources: the kit imports the bus, whose sources use parameter properties, so Node
 * must transform types, not just strip them; `@retail/source` resolves the workspace
 * packages to their sources, so no build is needed (a fresh clone has none).
 */
export function useFixtureProcesses(file: string) {
  const args = [
    "--conditions=@retail/source",
    "--experimental-transform-types",
    "--no-warnings=ExperimentalWarning",
    "--import",
    fileURLToPath(new URL("./fixtures/register-ts.mjs", import.meta.url)),
    fileURLToPath(new URL(`./fixtures/${file}`, import.meta.url)),
  ];
  const children: ChildProcess[] = [];
  afterEach(() => {
    // A failed assertion must not leave a service process behind.
    for (const child of children.splice(0))
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });

  /** Start one; `exited` resolves with its exit code. */
  return function run(env: Record<string, string>) {
    const child = spawn(process.execPath, args, {
      env: { PATH: process.env.PATH ?? "", HOST: "127.0.0.1", LOG_LEVEL: "silent", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.push(child);
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    const exited = new Promise<number | null>((resolve) =>
      child.on("exit", (code) => resolve(code)),
    );
    return { child, exited, stdout: () => stdout, stderr: () => stderr };
  };
}
