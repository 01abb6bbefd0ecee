import type { TestProject } from "vitest/node";
import { startRedisServer } from "./redis-server.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** URL of the Redis that a vitest global setup started for the whole run. */
    redisUrl: string;
  }
}

/**
 * A vitest `globalSetup` module: one Redis container for every test file of a run,
 * read in tests with `inject("redisUrl")`. Files that stop, pause or restart Redis
 * must use `useRedisServer()` instead, so they do not disturb the others.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startRedisServer();
  project.provide("redisUrl", server.url);
  return () => server.dispose();
}
