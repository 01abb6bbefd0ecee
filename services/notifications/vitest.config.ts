import { defineRetailProject } from "../../vitest.shared.js";

export default defineRetailProject("@retail/notifications");
