import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { CrossSlotError, LuaScriptError, NotReplicatedError } from "./errors.js";
import { isCluster, type RedisClient } from "./redis.js";
import { shareOneSlot } from "./slots.js";

/** `-- @include "file.lua"` on a line of its own: replaced by that file (relative path). */
const INCLUDE = /^--\s*@include\s+"([^"]+)"\s*$/gm;

/** `name-3.lua`: a script that takes exactly 3 keys (BullMQ's naming convention). */
const KEY_COUNT = /-(\d+)\.lua$/;

/**
 * A Lua script kept in a `.lua` file next to the code that runs it, run by SHA and
 * loaded again after a Redis restart or `SCRIPT FLUSH` (`NOSCRIPT`). The one runner of
 * the project: the bus's own scripts and the services' scripts (through
 * `defineScript`) both go through it.
 *
 * A file named `<what-it-does>-<n>.lua` takes exactly `n` keys, checked on every run: a
 * caller passing a key too few or too many fails before Redis sees the command. Shared
 * Lua is pulled in with `-- @include "other.lua"` lines (resolved once, at load).
 *
 * Every run checks that its keys share one Redis Cluster slot (`CrossSlotError`
 * otherwise, before anything is sent), on a single server too: a script that mixes
 * slots fails in every test instead of only on a cluster.
 */
export class LuaScript {
  /** The file name without `.lua`, e.g. `ack-owned-3`: how logs and errors name it. */
  readonly name: string;
  /** The number of keys the file name promises, when it does. */
  readonly keyCount: number | undefined;
  readonly source: string;
  private readonly sha: string;

  constructor(name: string, source: string) {
    this.name = name;
    this.source = source;
    const count = KEY_COUNT.exec(`${name}.lua`)?.[1];
    this.keyCount = count === undefined ? undefined : Number(count);
    this.sha = createHash("sha1").update(source).digest("hex");
  }

  /**
   * Load a script file, e.g. `LuaScript.load(new URL("./ack-owned-3.lua", import.meta.url))`.
   * `wrap` turns the file's text into the script Redis runs (service scripts get the
   * bus's prelude this way).
   */
  static load(file: URL, wrap: (body: string) => string = (body) => body): LuaScript {
    const path = fileURLToPath(file);
    return new LuaScript(basename(path, ".lua"), wrap(readWithIncludes(path, [])));
  }

  /**
   * Run the script. With `replicas`, the reply comes only once that many replicas
   * confirmed its writes (`WAIT`, sent right behind it on the same connection, to the
   * node of its slot); `NotReplicatedError` when fewer did in time. `WAIT` holds its
   * connection until then: give such runs a connection of their own.
   */
  async run(
    redis: RedisClient,
    keys: readonly string[],
    args: readonly (string | number)[],
    replicas?: ReplicaWait,
  ): Promise<unknown> {
    if (this.keyCount !== undefined && keys.length !== this.keyCount) {
      throw new LuaScriptError(
        `${this.name}.lua takes ${this.keyCount} keys, ${keys.length} given`,
        this.name,
      );
    }
    if (!shareOneSlot(keys)) throw new CrossSlotError(this.name, keys);
    if (replicas) return this.runReplicated(redis, keys, args, replicas);
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!isNoScript(error)) throw error;
      return redis.eval(this.source, keys.length, ...keys, ...args);
    }
  }

  private async runReplicated(
    redis: RedisClient,
    keys: readonly string[],
    args: readonly (string | number)[],
    { replicas, timeoutMs }: ReplicaWait,
  ): Promise<unknown> {
    const attempt = async (
      command: "evalsha" | "eval",
      script: string,
      redirections = MAX_REDIRECTIONS,
    ): Promise<unknown> => {
      // One pipeline: ioredis sends it to the node of the script's slot, so WAIT
      // follows the script on the connection that wrote.
      const replies = await redis
        .pipeline()
        .call(command, script, keys.length, ...keys, ...args)
        .call("WAIT", replicas, timeoutMs)
        .exec();
      const [[scriptError, result] = [], [waitError, acknowledged] = []] = replies ?? [];
      if (scriptError) {
        // ioredis follows a redirection for a pipeline only when every command in it
        // failed alike, and WAIT does not fail: after a failover, learn the new slot
        // map and go again.
        if (isCluster(redis) && redirections > 0 && CLUSTER_MOVING.test(scriptError.message)) {
          await new Promise<void>((resolve) => redis.refreshSlotsCache(() => resolve()));
          await delay(REDIRECTION_PAUSE_MS);
          return attempt(command, script, redirections - 1);
        }
        throw scriptError;
      }
      if (waitError) throw waitError;
      if (Number(acknowledged) < replicas)
        throw new NotReplicatedError(replicas, Number(acknowledged), timeoutMs);
      return result;
    };
    try {
      return await attempt("evalsha", this.sha);
    } catch (error) {
      if (!isNoScript(error)) throw error;
      return attempt("eval", this.source);
    }
  }
}

/** Replies of a node that does not serve the slot (yet): the slot moved or is moving. */
const CLUSTER_MOVING = /^(MOVED|ASK|CLUSTERDOWN|TRYAGAIN) /;
const MAX_REDIRECTIONS = 16;
const REDIRECTION_PAUSE_MS = 100;

/** Opt-in durability of a write: wait until `replicas` replicas have it, at most `timeoutMs`. */
export interface ReplicaWait {
  replicas: number;
  timeoutMs: number;
}

function isNoScript(error: unknown): boolean {
  return String((error as Error)?.message).startsWith("NOSCRIPT");
}

function readWithIncludes(path: string, including: readonly string[]): string {
  if (including.includes(path)) {
    throw new LuaScriptError(
      `${basename(path)} includes itself (${[...including, path].map((file) => basename(file)).join(" → ")})`,
      basename(path, ".lua"),
    );
  }
  const text = readFileSync(path, "utf8");
  return text.replace(INCLUDE, (_, file: string) =>
    readWithIncludes(join(dirname(path), file), [...including, path]).trimEnd(),
  );
}
