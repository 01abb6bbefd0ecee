import { createHash } from "node:crypto";
import type { PreparedEvent } from "@retail/bus";
import type { Redis } from "ioredis";

/**
 * Lua shared by every script of the service. A script gets its keys in KEYS and one
 * JSON document, the spec, in ARGV[1]; it answers with a JSON string.
 *
 * - `append(event, patch)` appends an event prepared by `bus.prepare` (`{k, a, i}`: the
 *   KEYS index of its stream, its XADD arguments and its index in the input). `patch`
 *   overwrites payload fields whose values only the script knows (stock levels); the
 *   payload is the last XADD argument (checked in TypeScript by {@link ScriptInput.event}).
 *   It records `i` in `appended`, so that only the events the script chose are marked
 *   published.
 * - `check_low(key, sku)` publishes stock.low when a product's `available` is at or
 *   below its threshold and was not already flagged low; the flag clears when stock
 *   rises above the threshold again. Needs `spec.low[sku]`, a prepared stock.low.
 * - `require_low(sku)` fails the script before any write when that event or the default
 *   threshold (`spec.threshold`) is missing: Redis does not roll back a script's writes
 *   when it fails halfway, so scripts check everything before they write.
 */
const PRELUDE = `
local spec = cjson.decode(ARGV[1])
local appended = {}

local function append(event, patch)
  local args = event.a
  if patch then
    local payload = cjson.decode(args[#args])
    for field, value in pairs(patch) do payload[field] = value end
    args[#args] = cjson.encode(payload)
  end
  redis.call('XADD', KEYS[event.k], unpack(args))
  appended[#appended + 1] = event.i
end

local function require_low(sku)
  if type(spec.threshold) ~= 'number' then error('spec.threshold must be a number') end
  if not (spec.low and spec.low[sku]) then
    error('no stock.low event prepared for ' .. sku)
  end
end

local function check_low(key, sku)
  local product = redis.call('HMGET', key, 'available', 'lowStockThreshold', 'low')
  local available = tonumber(product[1]) or 0
  local threshold = tonumber(product[2]) or spec.threshold
  if available <= threshold then
    if product[3] ~= '1' then
      redis.call('HSET', key, 'low', '1')
      append(spec.low[sku], { available = math.max(available, 0), threshold = threshold })
    end
  elseif product[3] == '1' then
    redis.call('HSET', key, 'low', '0')
  end
end
`;

/** A Lua script run by SHA, loaded again after a Redis restart (NOSCRIPT). */
export class LuaScript<Result> {
  private readonly source: string;
  private readonly sha: string;

  constructor(body: string) {
    // The body runs as a function, so that whatever it returns travels with `appended`.
    this.source = `${PRELUDE}\nlocal function body()\n${body}\nend\nreturn { body(), appended }`;
    this.sha = createHash("sha1").update(this.source).digest("hex");
  }

  /**
   * Run with the keys and spec of `input`; marks the events the script appended
   * published, and resolves to the script's JSON answer.
   */
  async run(redis: Redis, input: ScriptInput): Promise<Result> {
    const args = [input.keys.length, ...input.keys, JSON.stringify(input.spec)] as const;
    let reply: unknown;
    try {
      reply = await redis.evalsha(this.sha, ...args);
    } catch (error) {
      if (!String((error as Error).message).startsWith("NOSCRIPT")) throw error;
      reply = await redis.eval(this.source, ...args);
    }
    const [answer, appended] = reply as [string, number[]];
    for (const index of appended) input.prepared[index]?.markPublished();
    return JSON.parse(answer) as Result;
  }
}

/** An event as a script sees it: the KEYS index of its stream and its XADD arguments. */
export interface LuaEvent {
  k: number;
  a: string[];
  /** Its index in {@link ScriptInput.prepared}: `append` reports it back once appended. */
  i: number;
}

/**
 * The KEYS and the spec of one script run. Every key a script touches is declared
 * through `key()` (so it is in KEYS, as Redis Cluster requires); the spec refers to
 * keys by their 1-based index.
 */
export class ScriptInput {
  readonly keys: string[] = [];
  readonly spec: Record<string, unknown> = {};
  /** Every event handed to the script: it appends some of them, never marks any itself. */
  readonly prepared: PreparedEvent[] = [];
  private readonly indexes = new Map<string, number>();

  /** Declare a key; returns its index in KEYS. */
  key(name: string): number {
    let index = this.indexes.get(name);
    if (index === undefined) {
      this.keys.push(name);
      index = this.keys.length;
      this.indexes.set(name, index);
    }
    return index;
  }

  /** An event prepared by `bus.prepare`, for `append` in the script. */
  event(prepared: PreparedEvent): LuaEvent {
    const args = [...prepared.args];
    if (args.at(-2) !== "payload") {
      throw new Error(
        `the bus no longer encodes the payload last in a stream entry (${prepared.envelope.type}); the scripts' append() needs updating`,
      );
    }
    this.prepared.push(prepared);
    return { k: this.key(prepared.stream), a: args, i: this.prepared.length - 1 };
  }
}
