import { compose, containersOf, docker, waitUntil } from "../stack.js";
import {
  atNode,
  type ClusterNode,
  clusterNodes,
  fields,
  isLiveMaster,
  nodeAddresses,
} from "./nodes.js";

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
  const before = await nodeAddresses();
  const first = before.get("redis") as string;
  const slot = await atNode(first, async (redis) => Number(await redis.cluster("KEYSLOT", key)));
  const nodes = await clusterNodes(first);
  const master = nodes.find(
    (node) => isLiveMaster(node) && node.slots.some((range) => covers(range, slot)),
  );
  const replica = nodes.find((node) => node.masterId === master?.id);
  const observer = nodes.find((node) => node !== master && node !== replica);
  const observerAddress = before.get(observer?.hostname ?? "");
  if (!master || !replica || !observer || !observerAddress)
    throw new Error(`no master with a replica and a third node for slot ${slot}`);

  const [container] = await containersOf(master.hostname);
  const killedAt = Date.now();
  await docker("kill", "--signal", "KILL", container as string);
  const byId = (seen: ClusterNode[], id: string) => seen.find((node) => node.id === id);
  await waitUntil(
    `${observer.hostname} to see ${replica.hostname} promoted in place of ${master.hostname}`,
    async () => {
      const seen = await clusterNodes(observerAddress);
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
  // Docker may have given the restarted container another address.
  const restarted = (await nodeAddresses()).get(master.hostname) as string;
  await waitUntil(
    `${master.hostname} back, as a replica of ${replica.hostname}`,
    async () => {
      const seen = await clusterNodes(observerAddress);
      const replication = fields(await atNode(restarted, (redis) => redis.info("replication")));
      return (
        byId(seen, master.id)?.masterId === replica.id &&
        replication.get("master_link_status") === "up"
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
