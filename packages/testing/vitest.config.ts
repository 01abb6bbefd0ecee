import { configDefaults } from "vitest/config";
import { defineRetailProject } from "../../vitest.shared.js";

export default defineRetailProject("@retail/testing", {
  globalSetup: ["./src/global-setup.ts"],
  // They need the run's shared cluster: vitest.cluster.config.ts runs them.
  exclude: [...configDefaults.exclude, "src/**/*.cluster.test.ts"],
});
