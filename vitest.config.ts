import { defineConfig } from "vitest/config";

// `pnpm vitest` at the root runs every package's and service's tests in one process
// (handy in an editor); `pnpm test` runs them through turbo, one project at a time.
export default defineConfig({
  test: {
    projects: [
      "packages/*/vitest.config.ts",
      "services/*/vitest.config.ts",
      "e2e/vitest.config.ts",
    ],
  },
});
