import { defineRetailProject } from "../../vitest.shared.js";

/**
 * The tests that run consumer processes and kill them: the bounded fault soak (about a
 * minute) and the per-key order test (three processes, one SIGKILLed; about 10 s). Run
 * after the other tests by `pnpm test`, one file at a time, so their processes do not
 * take the CPU the other tests' waits are sized for.
 */
export default defineRetailProject("@retail/bus soak", {
  include: ["test/soak.test.ts", "test/ordering/ordering.test.ts"],
  fileParallelism: false,
});
