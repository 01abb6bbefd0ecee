import { configDefaults } from "vitest/config";
import { defineRetailProject } from "../../vitest.shared.js";

// The fault soak runs on its own afterwards (vitest.soak.config.ts): its consumer
// processes would take the CPU the other tests' waits are sized for.
export default defineRetailProject("@retail/bus", {
  exclude: [...configDefaults.exclude, "test/soak.test.ts"],
});
