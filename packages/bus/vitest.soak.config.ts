import { defineRetailProject } from "../../vitest.shared.js";

/** The bounded fault soak (about a minute), run after the other tests by `pnpm test`. */
export default defineRetailProject("@retail/bus soak", {
  include: ["test/soak.test.ts"],
});
