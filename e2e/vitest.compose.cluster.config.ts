import { defineConfig, mergeConfig } from "vitest/config";
import { defineRetailProject } from "../vitest.shared.js";

// The compose demo on a Redis Cluster (docker-compose.cluster.yml over
// docker-compose.yml), end to end, with a master killed under load. Like
// vitest.compose.config.ts it builds nothing (run `docker compose build` first), and
// compose/global-setup.ts starts the stack once and always removes it. Set here, before
// the global setup and the test files read them: they are inherited by both.
process.env.E2E_COMPOSE_FILES = "docker-compose.yml,docker-compose.cluster.yml";
process.env.E2E_COMPOSE_PROJECT ??= "retail-e2e-cluster";

export default mergeConfig(
  defineRetailProject("@retail/e2e compose cluster", {
    include: ["compose/cluster/**/*.test.ts"],
    globalSetup: ["compose/global-setup.ts"],
    hookTimeout: 300_000,
    testTimeout: 420_000,
  }),
  // one stack, fixed host ports: the files run one at a time
  defineConfig({ test: { fileParallelism: false } }),
);
