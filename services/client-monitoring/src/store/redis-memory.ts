import { type Bus, defineScript, type RedisClient } from "@retail/bus";
import type { RetailCatalog } from "@retail/contracts";
import { Cluster } from "ioredis";
import { keys } from "../keys.js";
import type { AlertBook } from "./alerts.js";

const MEMORY_ALERT = defineScript<{ outcome: "raised" | "already_raised" | "cleared" }>(
  new URL("./memory-alert.lua", import.meta.url),
);

/** One Redis node's memory, as `INFO memory` reports it. */
export interface NodeMemory {
  /** `host:port` as the client reaches it. */
  node: string;
  usedBytes: number;
  /** `maxmemory`; 0 when unbounded (then no alert can fire). */
  maxBytes: number;
}

export interface RedisMemoryWatchOptions {
  redis: RedisClient;
  bus: Bus<RetailCatalog>;
  alerts: AlertBook;
  now: () => number;
  /** Raise `redis_memory_high` at this share of `maxmemory`. Default 0.8. */
  alertRatio?: number;
  /** Arm the alert again once the node is back under this share. Default 0.7. */
  rearmRatio?: number;
}

/** `INFO memory` of every master (every node of a cluster that serves slots). */
export async function nodeMemory(redis: RedisClient): Promise<NodeMemory[]> {
  const nodes =
    redis instanceof Cluster
      ? redis
          .nodes("master")
          .map((node) => ({ node, name: `${node.options.host}:${node.options.port}` }))
      : [{ node: redis, name: `${redis.options.host}:${redis.options.port}` }];
  return Promise.all(
    nodes.map(async ({ node, name }) => {
      const info = await node.info("memory");
      const field = (key: string) => Number(new RegExp(`^${key}:(\\d+)`, "m").exec(info)?.[1] ?? 0);
      return { node: name, usedBytes: field("used_memory"), maxBytes: field("maxmemory") };
    }),
  );
}

/**
 * The periodic check behind the `redis_memory_high` alert: Redis refuses writes once it
 * reaches `maxmemory` (policy `noeviction`: evicting would drop events), so operators
 * hear of it well before, once per crossing of the alert ratio per node.
 */
export class RedisMemoryWatch {
  private readonly alertRatio: number;
  private readonly rearmRatio: number;

  constructor(private readonly options: RedisMemoryWatchOptions) {
    this.alertRatio = options.alertRatio ?? 0.8;
    this.rearmRatio = options.rearmRatio ?? 0.7;
  }

  /** Resolves to how many alerts this call raised. */
  async check(now = new Date(this.options.now())): Promise<number> {
    const { bus, alerts, redis } = this.options;
    let raised = 0;
    for (const { node, usedBytes, maxBytes } of await nodeMemory(redis)) {
      if (maxBytes === 0) continue;
      const ratio = usedBytes / maxBytes;
      const high = ratio >= this.alertRatio;
      if (!high && ratio >= this.rearmRatio) continue;
      const percent = Math.round(ratio * 100);
      const { outcome } = await bus.commit(MEMORY_ALERT, (step) => ({
        alerted: step.key(keys.memoryAlerted),
        field: node,
        ratio: ratio.toFixed(3),
        clear: !high,
        ...(high && {
          alert: alerts.raiseIn(
            step,
            {
              kind: "redis_memory_high",
              severity: "critical",
              subject: node,
              message: `Redis ${node} uses ${percent} % of its maxmemory (${usedBytes} of ${maxBytes} bytes); at 100 % it refuses writes`,
            },
            now,
          ),
        }),
      }));
      if (outcome === "raised") raised += 1;
    }
    return raised;
  }
}
