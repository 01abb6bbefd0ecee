import { parseConfig } from "./config.js";
import { GatewayConfigError } from "./errors.js";
import { startGateway } from "./gateway.js";
import { createLog } from "./log.js";

let config: ReturnType<typeof parseConfig>;
try {
  config = parseConfig();
} catch (error) {
  if (!(error instanceof GatewayConfigError)) throw error;
  for (const issue of error.issues) process.stderr.write(`gateway: ${issue}\n`);
  process.exit(1);
}

const log = createLog(config.logLevel);
const gateway = await startGateway(config, { log });
log(
  "info",
  { port: gateway.port, upstream: `${config.upstreamHost}:${config.upstreamPort}` },
  "gateway listening",
);

// PID 1 in its container: without handlers SIGTERM would wait out the stop timeout.
let stopping = false;
const stop = (signal: NodeJS.Signals) => {
  if (stopping) process.exit(1);
  stopping = true;
  log("info", { signal }, "stopping");
  void gateway.close().then(() => process.exit(0));
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
