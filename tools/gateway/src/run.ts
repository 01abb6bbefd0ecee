import { parseConfig } from "./config.js";
import { GatewayConfigError } from "./errors.js";
import { type Gateway, startGateway } from "./gateway.js";
import { createLog } from "./log.js";

export interface RunIo {
  /** Where a configuration problem is reported, one line per variable. */
  stderr: (line: string) => void;
  /** Where the JSON log lines go. */
  stdout: (line: string) => void;
}

/**
 * The process without the process: read the environment and start, or report every
 * bad variable and give the exit code. `main.ts` adds the signals and the exit.
 */
export async function run(
  env: NodeJS.ProcessEnv,
  io: RunIo,
): Promise<{ gateway: Gateway } | { exitCode: number }> {
  let config: ReturnType<typeof parseConfig>;
  try {
    config = parseConfig(env);
  } catch (error) {
    if (!(error instanceof GatewayConfigError)) throw error;
    for (const issue of error.issues) io.stderr(`gateway: ${issue}\n`);
    return { exitCode: 1 };
  }
  const log = createLog(config.logLevel, io.stdout);
  const gateway = await startGateway(config, { log });
  log(
    "info",
    { port: gateway.port, upstream: `${config.upstreamHost}:${config.upstreamPort}` },
    "gateway listening",
  );
  return { gateway };
}
