import { configDefaults, defineConfig, mergeConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";
import { defineRetailProject } from "../vitest.shared.js";

/** The saga test first, then the chaos test; anything else after them. */
const FILE_ORDER = ["compose.test.ts", "chaos.test.ts"];

class ComposeFileOrder extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (file: TestSpecification) => {
      const index = FILE_ORDER.findIndex((name) => file.moduleId.endsWith(`/${name}`));
      return index === -1 ? FILE_ORDER.length : index;
    };
    return [...files].sort((a, b) => rank(a) - rank(b));
  }
}

// The compose stack end to end: builds nothing itself (run `docker compose build`
// first); global-setup.ts starts the stack under its own project name and always
// removes it. The files share it (and its fixed host ports), so they run one at a
// time, in order.
export default mergeConfig(
  defineRetailProject("@retail/e2e compose", {
    include: ["compose/**/*.test.ts"],
    // the cluster variant's files: vitest.compose.cluster.config.ts runs them on its own stack
    exclude: [...configDefaults.exclude, "compose/cluster/**"],
    globalSetup: ["compose/global-setup.ts"],
    hookTimeout: 300_000,
    testTimeout: 420_000,
  }),
  defineConfig({ test: { fileParallelism: false, sequence: { sequencer: ComposeFileOrder } } }),
);
