import { Redis, type RedisOptions } from "ioredis";
import {
  GenericContainer,
  getContainerRuntimeClient,
  type StartedTestContainer,
  Wait,
} from "testcontainers";
import { withOneOffClient } from "./one-off-client.js";
import { freePort } from "./ports.js";
import { pollUntil } from "./wait.js";

/** The only image tests may run: the official name, a local stand-in where no registry is reachable. */
export const REDIS_IMAGE = "redis:7-bookworm";

/** Label on every container this package starts, so a leaked one can be found with `docker ps --filter`. */
export const CONTAINER_LABEL = "dev.retail.testing";

export interface RedisServerOptions {
  /**
   * How the server persists its data.
   * - `"aof"` (default): append-only file with `appendfsync always`, so every write the
   *   server acknowledged survives `stop()` + `start()`, even a hard kill.
   * - `"none"`: no AOF and no RDB snapshots; a restart comes back empty, as a
   *   cache-only production Redis would.
   */
  persistence?: "aof" | "none";
  /** Extra `redis-server` arguments, e.g. `["--maxmemory", "64mb"]`. */
  args?: string[];
  /** Milliseconds to wait for the server to accept connections. Default 60 000. */
  startupTimeoutMs?: number;
  /**
   * Serve TLS only (`rediss://`), with a certificate for `localhost` and 127.0.0.1 from
   * a certificate authority made at start ({@link RedisServer.tlsCa}). Default false.
   */
  tls?: boolean;
}

/**
 * A real Redis in a container, with the controls fault tests need. The host port is
 * fixed for the container's life, so `url` stays valid across `stop()`/`start()` and
 * clients can reconnect to the same address.
 */
export interface RedisServer extends AsyncDisposable {
  /** `redis://127.0.0.1:<port>`, or `rediss://` for a TLS server. */
  readonly url: string;
  /** The PEM certificate of the authority that signed a TLS server's certificate. */
  readonly tlsCa: string | undefined;
  readonly host: string;
  readonly port: number;
  /** The Docker container's id, e.g. for `docker exec` of tools that ship in the image. */
  readonly containerId: string;
  /**
   * Stop the server. `"kill"` (default) sends SIGKILL, like a crash; `"graceful"`
   * sends SIGTERM and lets Redis flush and exit. The container and its data stay.
   */
  stop(mode?: "kill" | "graceful"): Promise<void>;
  /** Start a stopped server again, on the same port, with whatever data it persisted. */
  start(): Promise<void>;
  /** `stop(mode)` then `start()`. */
  restart(mode?: "kill" | "graceful"): Promise<void>;
  /** Freeze every process in the container (a hung server: connections stay open, nothing answers). */
  pause(): Promise<void>;
  unpause(): Promise<void>;
  /**
   * Cut client connections from the server side with `CLIENT KILL`. By default every
   * normal (non-replica, non-pub/sub) client; pass `"pubsub"` for subscribers or
   * `"all"` for both. Resolves to the number of connections killed.
   */
  killClients(type?: "normal" | "pubsub" | "all"): Promise<number>;
  /** `FLUSHALL`: an empty server for the next test, without a new container. */
  flushAll(): Promise<void>;
  /**
   * A new ioredis client connected to this server; the caller disconnects it.
   * Connection errors are left to the commands to report (no "Unhandled error event").
   */
  client(options?: RedisOptions): Redis;
  /** Stop and remove the container. Safe to call twice. */
  dispose(): Promise<void>;
}

/** Start a fresh Redis container. Always pair with `dispose()` (or `await using`). */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const args = [...persistenceArgs(options.persistence ?? "aof"), ...(options.args ?? [])];
  const start = (hostPort: number) =>
    new GenericContainer(REDIS_IMAGE)
      .withCommand(options.tls ? ["sh", "-c", tlsStart(args)] : ["redis-server", ...args])
      .withExposedPorts({ container: 6379, host: hostPort })
      .withLabels({ [CONTAINER_LABEL]: "redis" })
      .withWaitStrategy(Wait.forLogMessage(/Ready to accept connections/))
      .withStartupTimeout(options.startupTimeoutMs ?? 60_000)
      .start();
  // The free port is released for Docker to bind, and another process may take it
  // first ("port is already allocated", seen in CI): then another port, a few times.
  let hostPort = await freePort();
  let container: StartedTestContainer | undefined;
  for (let attempt = 1; container === undefined; attempt += 1) {
    try {
      container = await start(hostPort);
    } catch (error) {
      if (attempt >= PORT_ATTEMPTS || !isPortTaken(error)) throw error;
      hostPort = await freePort();
    }
  }
  const tlsCa = options.tls
    ? (await container.exec(["cat", `${TLS_DIRECTORY}/ca.crt`])).output
    : undefined;
  return new ContainerRedisServer(container, hostPort, tlsCa);
}

const TLS_DIRECTORY = "/tmp/tls";

/**
 * A shell script that makes a certificate authority and a server certificate for
 * localhost and 127.0.0.1 with the image's openssl, then serves TLS only on 6379. Not
 * started by the image's entrypoint, which would turn protected mode off: done here.
 */
function tlsStart(args: readonly string[]): string {
  const quoted = args.map((arg) => `'${arg.replaceAll("'", "'\\''")}'`).join(" ");
  return [
    "set -e",
    `mkdir -p ${TLS_DIRECTORY} && cd ${TLS_DIRECTORY}`,
    'openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=retail-test-ca" -keyout ca.key -out ca.crt 2>/dev/null',
    'openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout server.key -out server.csr 2>/dev/null',
    'printf "subjectAltName=DNS:localhost,IP:127.0.0.1\n" > san.cnf',
    "openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -extfile san.cnf -out server.crt 2>/dev/null",
    `exec redis-server --port 0 --tls-port 6379 --tls-cert-file ${TLS_DIRECTORY}/server.crt --tls-key-file ${TLS_DIRECTORY}/server.key --tls-ca-cert-file ${TLS_DIRECTORY}/ca.crt --tls-auth-clients no --protected-mode no ${quoted}`,
  ].join("\n");
}

/** How many host ports a server tries before it gives up. */
const PORT_ATTEMPTS = 5;

function isPortTaken(error: unknown): boolean {
  return /port is already allocated|address already in use/i.test(
    String((error as Error)?.message),
  );
}

function persistenceArgs(persistence: "aof" | "none"): string[] {
  return persistence === "aof"
    ? ["--appendonly", "yes", "--appendfsync", "always", "--save", ""]
    : ["--appendonly", "no", "--save", ""];
}

class ContainerRedisServer implements RedisServer {
  readonly host = "127.0.0.1";
  readonly url: string;
  readonly containerId: string;
  private disposed = false;

  constructor(
    private readonly container: StartedTestContainer,
    readonly port: number,
    readonly tlsCa: string | undefined,
  ) {
    this.url = `${tlsCa === undefined ? "redis" : "rediss"}://${this.host}:${port}`;
    this.containerId = container.getId();
  }

  private async docker() {
    const runtime = await getContainerRuntimeClient();
    return runtime.container.getById(this.container.getId());
  }

  async stop(mode: "kill" | "graceful" = "kill"): Promise<void> {
    const docker = await this.docker();
    if (mode === "kill") await docker.kill({ signal: "SIGKILL" });
    else await docker.stop({ t: 30 });
    await docker.wait();
  }

  async start(): Promise<void> {
    const docker = await this.docker();
    await docker.start();
    await this.waitUntilReady();
  }

  async restart(mode: "kill" | "graceful" = "kill"): Promise<void> {
    await this.stop(mode);
    await this.start();
  }

  async pause(): Promise<void> {
    await (await this.docker()).pause();
  }

  async unpause(): Promise<void> {
    await (await this.docker()).unpause();
  }

  async killClients(type: "normal" | "pubsub" | "all" = "normal"): Promise<number> {
    const types = type === "all" ? ["normal", "pubsub"] : [type];
    return this.withAdminClient(async (admin) => {
      let killed = 0;
      // SKIPME defaults to yes: the admin connection itself survives.
      for (const clientType of types)
        killed += Number(await admin.call("CLIENT", "KILL", "TYPE", clientType));
      return killed;
    });
  }

  async flushAll(): Promise<void> {
    await this.withAdminClient((admin) => admin.flushall());
  }

  client(options: RedisOptions = {}): Redis {
    const client = new Redis(this.url, { ...this.tlsOptions(), ...options });
    // Tests see failures through rejected commands; without a listener ioredis
    // prints every expected connection error of a fault test.
    client.on("error", () => {});
    return client;
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    const docker = await this.docker();
    const state = await docker.inspect();
    if (state.State.Paused) await docker.unpause();
    await this.container.stop({ timeout: 0, remove: true, removeVolumes: true });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }

  /** Poll with PING until the restarted server answers: loading the AOF takes a moment. */
  private async waitUntilReady(timeoutMs = 30_000): Promise<void> {
    await pollUntil(
      `Redis on port ${this.port} to answer PING`,
      async () => {
        await this.withAdminClient((admin) => admin.ping());
        return true;
      },
      { timeoutMs },
    );
  }

  private withAdminClient<T>(work: (admin: Redis) => Promise<T>): Promise<T> {
    return withOneOffClient(this.url, work, this.tlsOptions());
  }

  private tlsOptions(): RedisOptions {
    return this.tlsCa === undefined ? {} : { tls: { ca: this.tlsCa } };
  }
}
