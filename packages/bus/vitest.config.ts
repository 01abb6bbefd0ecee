import { configDefaults } from "vitest/config";
import { defineRetailProject } from "../../vitest.shared.js";

// The fault soak and the per-key order test run on their own afterwards
// (vitest.soak.config.ts): their consumer processes would take the CPU the other tests'
// waits are sized for. cluster.test.ts
// needs the cluster that vitest.cluster.config.ts shares, and runs there.
export default defineRetailProject("@retail/bus", {
  exclude: [
    ...configDefaults.exclude,
    "test/soak.test.ts",
    "test/ordering/ordering.test.ts",
    "src/cluster.test.ts",
    "src/failover.cluster.test.ts",
  ],
});
