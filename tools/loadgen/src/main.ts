import { createLogger, runService } from "@retail/service-kit";
import { parseConfig } from "./config.js";
import { createLoadgen } from "./loadgen.js";

await runService(async () => {
  const config = parseConfig();
  const logger = createLogger({
    name: "loadgen",
    level: config.LOG_LEVEL,
    pretty: config.NODE_ENV === "development",
  });
  const loadgen = createLoadgen(config, { logger });

  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals > 1) {
      logger.warn({ signal }, "second signal: exiting now");
      process.exit(1);
    }
    logger.info({ signal }, "stopping");
    void loadgen.stop();
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);

  await loadgen.start();
  await loadgen.finished;
  process.off("SIGTERM", onSignal);
  process.off("SIGINT", onSignal);
});
