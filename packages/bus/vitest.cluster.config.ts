import { defineRetailProject } from "../../vitest.shared.js";

/**
 * The bus's semantics on a real Redis Cluster (3 masters), one cluster for the whole
 * run (`useRedis()` in each file hands it out), run after the standalone tests by
 * `pnpm test`. Files run one at a time: each flushes the shared cluster between its tests.
 *
 * Left out:
 * - resilience.test.ts: restarts, kills and pauses its one server (the cluster's failover
 *   is testing's redis-cluster.test.ts, and issue #15's failover test).
 * - acl.test.ts: writes ACL users to its one server; a cluster needs them on every node.
 * - pubsub-reconnect.test.ts: cuts Pub/Sub connections with CLIENT KILL on its one server.
 * - lua-script.test.ts: counts EVAL/EVALSHA calls in its one server's INFO commandstats.
 * - caused-ids, envelope*, handler-slots, lanes, partitioning, publish-deadlines,
 *   rate-limited-log, recent-ids, traceparent: they never reach Redis.
 */
export default defineRetailProject("@retail/bus cluster", {
  include: [
    "src/acknowledger.test.ts",
    "src/admin.test.ts",
    "src/bus.test.ts",
    "src/check-entry.test.ts",
    "src/cluster.test.ts",
    "src/dead-letter.test.ts",
    "src/entry-runner.test.ts",
    "src/failover.cluster.test.ts",
    "src/group-membership.test.ts",
    "src/handler-context.test.ts",
    "src/idempotency.test.ts",
    "src/lease.test.ts",
    "src/metrics.test.ts",
    "src/outbox-relay.test.ts",
    "src/ownership.test.ts",
    "src/parking.test.ts",
    "src/partition-consumer.test.ts",
    "src/publisher.test.ts",
    "src/pubsub.test.ts",
    "src/read-loop.test.ts",
    "src/reclaimer.test.ts",
    "src/shutdown.test.ts",
    "src/step.test.ts",
    "src/tracing.test.ts",
    "src/trim-watch.test.ts",
  ],
  // A path, not "@retail/testing/…": vitest loads global setups outside the module
  // runner that resolves workspace packages to their sources.
  globalSetup: ["../testing/src/cluster-global-setup.ts"],
  fileParallelism: false,
  // Bounded: the run takes about 80 s on a 2-core machine (its longest test about 11 s);
  // a test that hangs on the cluster fails in 30 s instead of holding the run.
  testTimeout: 30_000,
  hookTimeout: 30_000,
});
