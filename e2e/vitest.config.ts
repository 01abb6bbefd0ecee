import { defineRetailProject } from "../vitest.shared.js";

// The in-process saga runs with `pnpm test`; the compose stack has its own config
// (vitest.compose.config.ts), run by `pnpm --filter @retail/e2e test:compose`.
export default defineRetailProject("@retail/e2e", { include: ["src/**/*.test.ts"] });
