import { run } from "./run.js";

const started = await run(process.env, {
  stderr: (line) => process.stderr.write(line),
  stdout: (line) => process.stdout.write(line),
});
if ("exitCode" in started) process.exit(started.exitCode);

// PID 1 in its container: without handlers SIGTERM would wait out the stop timeout.
let stopping = false;
const stop = () => {
  if (stopping) process.exit(1);
  stopping = true;
  void started.gateway.close().then(() => process.exit(0));
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
