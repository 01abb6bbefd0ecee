import { defaultClientConditions, defaultServerConditions } from "vite";
import { defineProject, type UserWorkspaceConfig } from "vitest/config";

/**
 * The one vitest setup every package and service shares. Workspace packages are
 * resolved to their TypeScript sources (the `@retail/source` export condition), so
 * tests never need a build first; at runtime Node resolves the built `dist/`.
 */
export function defineRetailProject(name: string, overrides: UserWorkspaceConfig["test"] = {}) {
  return defineProject({
    resolve: { conditions: ["@retail/source", ...defaultClientConditions] },
    ssr: { resolve: { conditions: ["@retail/source", ...defaultServerConditions] } },
    test: {
      name,
      environment: "node",
      include: ["src/**/*.test.ts", "test/**/*.test.ts", "scripts/**/*.test.ts"],
      // Containers take seconds to start on a loaded 2-core machine.
      hookTimeout: 120_000,
      testTimeout: 60_000,
      ...overrides,
    },
  });
}
