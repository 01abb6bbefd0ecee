/** What the package's global setups provide to test files (`inject(...)`). */
declare module "vitest" {
  export interface ProvidedContext {
    /**
     * The nodes of the Redis Cluster that `@retail/testing/cluster-global-setup` started
     * for the whole run; absent from other runs.
     */
    redisClusterNodes: readonly { host: string; port: number }[];
  }
}

export {};
