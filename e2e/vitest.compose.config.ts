import { defineRetailProject } from "../vitest.shared.js";

// The compose stack end to end: builds nothing itself (run `docker compose build`
// first), starts the stack under its own project name and always removes it.
export default defineRetailProject("@retail/e2e compose", {
  include: ["compose/**/*.test.ts"],
  hookTimeout: 300_000,
  testTimeout: 420_000,
});
