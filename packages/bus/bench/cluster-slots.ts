/**
 * How a cluster's slot layout spreads the bus's keys: each partition stream is its own
 * hash tag (`{topic:n}`), so where it lands is CRC16 of that tag modulo 16384 against
 * the masters' slot ranges. Asked of the running cluster (`CLUSTER KEYSLOT`, `CLUSTER
 * SLOTS`), for the benchmark topic at several partition counts, for the retail catalog,
 * and for each service's own slot (its state, outbox and processed marks).
 */
import { outboxKey, streamKey } from "@retail/bus";
import { catalog, partitionsOf } from "@retail/contracts";
import type { Deployment } from "./cluster-nodes.js";
import { table } from "./lib.js";

const PARTITION_COUNTS = [4, 8, 16, 32, 64];

async function countByMaster(deployment: Deployment, keys: readonly string[]): Promise<number[]> {
  const counts = new Map(deployment.masters.map((master) => [master.name, 0]));
  for (const key of keys) {
    const master = await deployment.masterOf(key);
    counts.set(master.name, (counts.get(master.name) ?? 0) + 1);
  }
  return deployment.masters.map((master) => counts.get(master.name) ?? 0);
}

/** "3 / 3 / 10 (max 1.88× even)": streams per master, and the busiest against an even share. */
function spreadOf(counts: readonly number[]): string[] {
  const total = counts.reduce((sum, count) => sum + count, 0);
  const even = total / Math.max(1, counts.length);
  return [counts.join(" / "), `${(Math.max(...counts) / even).toFixed(2)}×`];
}

export async function slotSpreadTable(deployment: Deployment, topic: string): Promise<string> {
  const rows: string[][] = [];
  for (const partitions of PARTITION_COUNTS) {
    const keys = Array.from({ length: partitions }, (_, partition) => streamKey(topic, partition));
    rows.push([
      `${topic}, ${partitions} partitions`,
      ...spreadOf(await countByMaster(deployment, keys)),
    ]);
  }
  const topics = Object.values(catalog);
  const retail = topics.flatMap((definition) =>
    Array.from({ length: partitionsOf(definition) }, (_, partition) =>
      streamKey(definition.name, partition),
    ),
  );
  rows.push([
    `retail catalog: ${topics.length} topics, ${retail.length} partition streams`,
    ...spreadOf(await countByMaster(deployment, retail)),
  ]);
  const services = [...new Set(topics.map((definition) => definition.publisher))].sort();
  const homes = await Promise.all(
    services.map(
      async (service) => `${service} → ${(await deployment.masterOf(outboxKey(service))).name}`,
    ),
  );
  rows.push(["services' own slots ({service}: state, outbox, marks)", homes.join(", "), ""]);
  return table([
    [
      "keys",
      `per master (${deployment.masters.map((master) => master.name).join(" / ")})`,
      "busiest ÷ even",
    ],
    ...rows,
  ]);
}
