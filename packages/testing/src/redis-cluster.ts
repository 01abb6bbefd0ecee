/**
 * A real Redis Cluster for tests: one `redis:7-bookworm` container per node on a Docker
 * bridge network of the cluster's own, joined with `redis-cli --cluster create`.
 *
 * Its own network, because on the shared default bridge Docker gave a killed node's
 * address to another test's container at once, and the cluster's failure detection
 * then talked to a stranger (a replica stayed a replica; seen in CI).
 *
 * Addressing: every node announces its own bridge address (`cluster-announce-ip`) and
 * the standard ports 6379/16379. The nodes reach one another there, and so does the
 * test process on a Linux host, so the addresses in `CLUSTER NODES` and in `MOVED`
 * replies work for everybody without a NAT map. Published host ports would not: a node
 * cannot reach a peer at 127.0.0.1:<host port> (that is its own loopback), and
 * `docker-proxy` would add a relay to every round trip. Docker Desktop, whose bridge
 * the host cannot reach, is not supported.
 */
import { randomBytes } from "node:crypto";
import { Cluster, type ClusterOptions, type Redis } from "ioredis";
import {
  GenericContainer,
  getContainerRuntimeClient,
  type StartedTestContainer,
  Wait,
} from "testcontainers";
import { ClusterCreateError } from "./errors.js";
import { withOneOffClient } from "./one-off-client.js";
import { CONTAINER_LABEL, REDIS_IMAGE } from "./redis-server.js";
import { pollUntil } from "./wait.js";

const PORT = 6379;

export interface RedisClusterOptions {
  /** How many masters share the 16384 slots. Default 3, the fewest `redis-cli --cluster create` accepts. */
  masters?: number;
  /**
   * Replicas of each master (`--cluster-replicas`), for tests that stop a master and
   * expect a replica to take over. Default 0.
   */
  replicasPerMaster?: number;
  /**
   * `cluster-node-timeout`: how long a node may not answer before its peers count it as
   * failed, and so how soon a replica takes over a stopped master. Default Redis's 15 000.
   */
  nodeTimeoutMs?: number;
  /** Extra `redis-server` arguments for every node. */
  args?: string[];
  /** Milliseconds for the nodes to start and the cluster to reach `cluster_state:ok`. Default 60 000. */
  startupTimeoutMs?: number;
}

/** One node of the cluster, at the address it announces. */
export interface RedisClusterNode {
  readonly host: string;
  readonly port: number;
  readonly containerId: string;
}

export interface RedisCluster extends AsyncDisposable {
  /**
   * Every node, in creation order: the first `masters` were created masters, the rest
   * replicas (`redis-cli --cluster create` picks them so). After a failover, ask {@link masters}.
   */
  readonly nodes: readonly RedisClusterNode[];
  /** The nodes that are masters now, as `ROLE` answers; a stopped node, or one that does not answer, is left out. */
  masters(): Promise<RedisClusterNode[]>;
  /**
   * Stop a node's container: `"kill"` (default) sends SIGKILL, like a crashed host;
   * `"graceful"` SIGTERM. The node stays down; its peers see it fail after the node timeout.
   */
  stopNode(node: RedisClusterNode, mode?: "kill" | "graceful"): Promise<void>;
  /**
   * A new ioredis `Cluster` client seeded with every node; the caller disconnects it.
   * Connection errors are left to the commands to report (no "Unhandled error event").
   */
  client(options?: ClusterOptions): Cluster;
  /** `FLUSHALL` on every master: an empty cluster for the next test, without new containers. */
  flushAll(): Promise<void>;
  /** Stop and remove every container. Safe to call twice. */
  dispose(): Promise<void>;
}

/**
 * Start a fresh cluster of `masters` masters, each with `replicasPerMaster` replicas,
 * and wait until every node reports `cluster_state:ok` and every replica is in sync
 * with its master. Always pair with `dispose()` (or `await using`).
 */
export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<RedisCluster> {
  const masters = options.masters ?? 3;
  const replicas = options.replicasPerMaster ?? 0;
  const timeoutMs = options.startupTimeoutMs ?? 60_000;
  const args = [
    ...(options.nodeTimeoutMs === undefined
      ? []
      : ["--cluster-node-timeout", String(options.nodeTimeoutMs)]),
    // A replica whose link to its master looks old (a CPU-starved test machine) would
    // refuse to take over; a test that kills a master wants the takeover.
    ...(replicas > 0 ? ["--cluster-replica-validity-factor", "0"] : []),
    ...(options.args ?? []),
  ];
  const network = await createNetwork();
  const started = await Promise.allSettled(
    Array.from({ length: masters * (1 + replicas) }, () =>
      startNode(network.name, args, timeoutMs),
    ),
  );
  const containers = started.flatMap((result) =>
    result.status === "fulfilled" ? [result.value] : [],
  );
  const cluster = new ContainerRedisCluster(network, containers);
  try {
    const failed = started.find((result) => result.status === "rejected");
    if (failed) throw failed.reason;
    await cluster.create(replicas, timeoutMs);
    return cluster;
  } catch (error) {
    await cluster.dispose();
    throw error;
  }
}

/** A Docker network of the cluster's own, labelled like the containers so CI's cleanup finds it. */
interface ClusterNetwork {
  readonly name: string;
  readonly network: Awaited<ReturnType<NetworkClient["create"]>>;
}

type NetworkClient = Awaited<ReturnType<typeof getContainerRuntimeClient>>["network"];

async function createNetwork(): Promise<ClusterNetwork> {
  const runtime = await getContainerRuntimeClient();
  const name = `retail-redis-cluster-${randomBytes(6).toString("hex")}`;
  const network = await runtime.network.create({
    Name: name,
    Driver: "bridge",
    CheckDuplicate: true,
    Labels: { [CONTAINER_LABEL]: "redis-cluster" },
  });
  return { name, network };
}

function startNode(
  network: string,
  args: string[],
  timeoutMs: number,
): Promise<StartedTestContainer> {
  return new GenericContainer(REDIS_IMAGE)
    .withNetworkMode(network)
    .withCommand([
      "redis-server",
      "--cluster-enabled",
      "yes",
      // Tests need no durability; the node config file must still be writable.
      "--cluster-config-file",
      "nodes.conf",
      // Peers and the test process connect from other addresses, without a password.
      // The image's entrypoint adds this only when no argument ends in ".conf", and
      // "nodes.conf" does: left out, the node refuses them (protected mode).
      "--protected-mode",
      "no",
      "--appendonly",
      "no",
      "--save",
      "",
      ...args,
    ])
    .withLabels({ [CONTAINER_LABEL]: "redis-cluster" })
    .withWaitStrategy(Wait.forLogMessage(/Ready to accept connections/))
    .withStartupTimeout(timeoutMs)
    .start();
}

class ContainerRedisCluster implements RedisCluster {
  readonly nodes: RedisClusterNode[];
  private disposed = false;
  /**
   * Containers stopped by `stopNode`. Their addresses are left out of what asks every
   * node: Docker may already have given a stopped node's address to another container.
   */
  private readonly stopped = new Set<string>();

  constructor(
    private readonly network: ClusterNetwork,
    private readonly containers: StartedTestContainer[],
  ) {
    this.nodes = containers.map((container) => ({
      host: container.getIpAddress(network.name),
      port: PORT,
      containerId: container.getId(),
    }));
  }

  /** Announce each node's bridge address, join them, and wait for every node to agree. */
  async create(replicas: number, timeoutMs: number): Promise<void> {
    await Promise.all(
      this.nodes.map((node) =>
        withNodeClient(node, (admin) => admin.config("SET", "cluster-announce-ip", node.host)),
      ),
    );
    const [first] = this.containers;
    if (!first) throw new ClusterCreateError("no nodes to create a cluster of");
    const addresses = this.nodes.map((node) => `${node.host}:${node.port}`);
    const result = await first.exec([
      "redis-cli",
      "--cluster",
      "create",
      ...addresses,
      "--cluster-replicas",
      String(replicas),
      "--cluster-yes",
    ]);
    if (result.exitCode !== 0) throw new ClusterCreateError(result.output);
    // `--cluster create` returns once the slots are assigned; the nodes learn of each
    // other by gossip a moment later, and only then serve every slot.
    await pollUntil(
      "every cluster node to report cluster_state:ok",
      async () => {
        const infos = await Promise.all(
          this.nodes.map((node) => withNodeClient(node, (admin) => admin.cluster("INFO"))),
        );
        return infos.every((info) => /cluster_state:ok/.test(info)) ? true : undefined;
      },
      { timeoutMs, intervalMs: 100 },
    );
    if (replicas === 0) return;
    // A replica that has not synced yet could not take over its master's data.
    await pollUntil(
      "every replica to be in sync with its master",
      async () => {
        const replication = await Promise.all(
          this.nodes.map((node) => withNodeClient(node, (admin) => admin.info("replication"))),
        );
        const synced = replication.filter(
          (info) => /role:slave/.test(info) && /master_link_status:up/.test(info),
        );
        const expected = this.nodes.length - this.nodes.length / (1 + replicas);
        return synced.length === expected ? true : undefined;
      },
      { timeoutMs, intervalMs: 100 },
    );
  }

  client(options: ClusterOptions = {}): Cluster {
    const client = new Cluster(
      this.nodes.map(({ host, port }) => ({ host, port })),
      options,
    );
    // Tests see failures through rejected commands, as with RedisServer.client().
    client.on("error", () => {});
    return client;
  }

  async flushAll(): Promise<void> {
    await flushMasters(this.running());
  }

  masters(): Promise<RedisClusterNode[]> {
    return mastersOf(this.running());
  }

  private running(): RedisClusterNode[] {
    return this.nodes.filter((node) => !this.stopped.has(node.containerId));
  }

  async stopNode(node: RedisClusterNode, mode: "kill" | "graceful" = "kill"): Promise<void> {
    const runtime = await getContainerRuntimeClient();
    const docker = runtime.container.getById(node.containerId);
    this.stopped.add(node.containerId);
    if (mode === "kill") await docker.kill({ signal: "SIGKILL" });
    else await docker.stop({ t: 30 });
    await docker.wait();
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await Promise.all(
      this.containers.map((container) =>
        container.stop({ timeout: 0, remove: true, removeVolumes: true }),
      ),
    );
    const runtime = await getContainerRuntimeClient();
    await runtime.network.remove(this.network.network);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }
}

/** An address of a node: enough to ask it something. */
type NodeAddress = Pick<RedisClusterNode, "host" | "port">;

/** The nodes that are masters now, as `ROLE` answers; a node that does not answer is left out. */
export async function mastersOf<N extends NodeAddress>(nodes: readonly N[]): Promise<N[]> {
  const roles = await Promise.allSettled(
    nodes.map((node) => withNodeClient(node, (admin) => admin.role())),
  );
  return nodes.filter((_, index) => {
    const role = roles[index];
    return role?.status === "fulfilled" && role.value[0] === "master";
  });
}

/** `FLUSHALL` on every master of a cluster (replicas follow their master). */
export async function flushMasters(nodes: readonly NodeAddress[]): Promise<void> {
  const masters = await mastersOf(nodes);
  await Promise.all(masters.map((node) => withNodeClient(node, (admin) => admin.flushall())));
}

function withNodeClient<T>(node: NodeAddress, work: (admin: Redis) => Promise<T>): Promise<T> {
  return withOneOffClient({ host: node.host, port: node.port }, work);
}
