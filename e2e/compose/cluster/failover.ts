import { compose, containersOf, docker, waitUntil } from "../stack.js";
import { type ClusterNode, clusterNodes, infoField, isLiveMaster, redisCli } from "./nodes.js";

/** What a failover did, for the test to check and print. */
export interface Failover {
  slot: number;
  killed: string;
  promoted: string;
  /** Who saw the promotion: a node that is neither the killed master nor its replica. */
  seenBy: string;
  /** From the kill to the promotion as `seenBy` saw it. */
  promotedAfterMs: number;
}

/** Whether a `CLUSTER NODES` slot field (`5461-10922`, `42`) covers `slot`. */
function covers(range: string, slot: number): boolean {
  const [first, last = first] = range.split("-").map(Number);
  return first !== undefined && last !== undefined && slot >= first && slot <= last;
}

/**
 * SIGKILL the master serving `key`'s slot (its container, like a crashed machine);
 * wait until another node sees its replica promoted and the old master failed; then
 * start the killed node again and wait until it follows the new master (a replica
 * now, its link up). Resolves once the cluster has all six nodes again.
 */
export async function killMasterOf(key: string): Promise<Failover> {
  const slot = Number(await redisCli("redis", "CLUSTER", "KEYSLOT", key));
  const nodes = await clusterNodes("redis");
  const master = nodes.find(
    (node) => isLiveMaster(node) && node.slots.some((range) => covers(range, slot)),
  );
  const replica = nodes.find((node) => node.masterId === master?.id);
  const observer = nodes.find((node) => node !== master && node !== replica);
  if (!master || !replica || !observer)
    throw new Error(`no master with a replica and a third node for slot ${slot}`);

  const [container] = await containersOf(master.hostname);
  const killedAt = Date.now();
  await docker("kill", "--signal", "KILL", container as string);
  const byId = (seen: ClusterNode[], id: string) => seen.find((node) => node.id === id);
  await waitUntil(
    `${observer.hostname} to see ${replica.hostname} promoted in place of ${master.hostname}`,
    async () => {
      const seen = await clusterNodes(observer.hostname);
      const promoted = byId(seen, replica.id);
      return (
        promoted !== undefined &&
        isLiveMaster(promoted) &&
        promoted.slots.some((range) => covers(range, slot)) &&
        (byId(seen, master.id)?.flags.includes("fail") ?? false)
      );
    },
    60_000,
    100,
  );
  const promotedAfterMs = Date.now() - killedAt;

  await compose("start", master.hostname);
  await waitUntil(
    `${master.hostname} back, as a replica of ${replica.hostname}`,
    async () => {
      const seen = await clusterNodes(observer.hostname);
      return (
        byId(seen, master.id)?.masterId === replica.id &&
        (await infoField(master.hostname, "master_link_status", "INFO", "replication")) === "up"
      );
    },
    60_000,
  );
  return {
    slot,
    killed: master.hostname,
    promoted: replica.hostname,
    seenBy: observer.hostname,
    promotedAfterMs,
  };
}
