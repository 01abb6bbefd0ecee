import { defineRetailProject } from "../vitest.shared.js";

// The in-process saga runs with `pnpm test`, on a single Redis (saga.test.ts) and on a
// three-master Redis Cluster of its own (saga.cluster.test.ts); the compose stack has its own config
// (vitest.compose.config.ts), run by `pnpm --filter @retail/e2e test:compose`, and so
// has the dashboard in Chromium (vitest.ui.config.ts), run by `... test:ui`.
export default defineRetailProject("@retail/e2e", { include: ["src/**/*.test.ts"] });
