import { defineRetailProject } from "../vitest.shared.js";

// The dashboard in a real headless Chromium (Debian's `chromium` package), run by
// `pnpm --filter @retail/e2e test:ui`. Not part of `pnpm test`: it needs Chromium.
export default defineRetailProject("@retail/e2e-ui", { include: ["ui/**/*.test.ts"] });
