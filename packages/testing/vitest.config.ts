import { defineRetailProject } from "../../vitest.shared.js";

export default defineRetailProject("@retail/testing", {
  globalSetup: ["./src/global-setup.ts"],
});
