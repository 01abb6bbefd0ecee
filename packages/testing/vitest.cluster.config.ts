import { defineRetailProject } from "../../vitest.shared.js";

/** The tests of `useRedis()` on a cluster the run shares, run after the others by `pnpm test`. */
export default defineRetailProject("@retail/testing cluster", {
  include: ["src/**/*.cluster.test.ts"],
  globalSetup: ["./src/cluster-global-setup.ts"],
  // Every file flushes the one cluster between its tests.
  fileParallelism: false,
});
