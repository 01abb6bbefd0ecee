import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { useRedisServer } from "@retail/testing";
import type { Redis } from "ioredis";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { LuaScript } from "./lua-script.js";

/** Script files written for one test file, in a folder of their own. */
const folder = mkdtempSync(join(tmpdir(), "lua-script-"));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

function scriptFile(path: string, text: string): URL {
  const file = join(folder, path);
  mkdirSync(join(file, ".."), { recursive: true });
  writeFileSync(file, text);
  return pathToFileURL(file);
}

/** How many times Redis ran each scripting command since the last reset. */
async function scriptCalls(redis: Redis): Promise<{ eval: number; evalsha: number }> {
  const info = await redis.info("commandstats");
  const calls = (command: string) =>
    Number(new RegExp(`^cmdstat_${command}:calls=(\\d+)`, "m").exec(info)?.[1] ?? 0);
  return { eval: calls("eval"), evalsha: calls("evalsha") };
}

describe("LuaScript, the runner of every .lua file", () => {
  const server = useRedisServer();
  let redis: Redis;

  beforeEach(async () => {
    redis = server().client();
    await redis.flushall();
    await redis.script("FLUSH");
    await redis.config("RESETSTAT");
  });
  afterEach(() => redis.disconnect());

  const setAndGet = LuaScript.load(
    scriptFile(
      "set-and-get-1.lua",
      "-- KEYS: [1] the key   ARGV: [1] its value\nredis.call('SET', KEYS[1], ARGV[1])\nreturn redis.call('GET', KEYS[1])\n",
    ),
  );

  it("takes its name and key count from the file name", () => {
    expect(setAndGet.name).toBe("set-and-get-1");
    expect(setAndGet.keyCount).toBe(1);
  });

  it("sends the source once, then runs the script by its SHA", async () => {
    expect(await setAndGet.run(redis, ["{t}:a"], ["one"])).toBe("one");
    expect(await setAndGet.run(redis, ["{t}:a"], ["two"])).toBe("two");
    expect(await setAndGet.run(redis, ["{t}:a"], ["three"])).toBe("three");
    // The first EVALSHA finds nothing (NOSCRIPT) and falls back to one EVAL; the
    // others run by SHA alone.
    expect(await scriptCalls(redis)).toEqual({ eval: 1, evalsha: 3 });
  });

  it("loads the script again after SCRIPT FLUSH (a Redis restart does the same)", async () => {
    await setAndGet.run(redis, ["{t}:a"], ["before"]);
    await redis.script("FLUSH");
    expect(await setAndGet.run(redis, ["{t}:a"], ["after"])).toBe("after");
    expect(await redis.get("{t}:a")).toBe("after");
  });

  it("refuses a call with more or fewer keys than its file name says, before Redis sees it", async () => {
    for (const keys of [[], ["{t}:a", "{t}:b"]]) {
      await expect(setAndGet.run(redis, keys, ["value"])).rejects.toMatchObject({
        name: "LuaScriptError",
        code: "BUS_ERR_LUA_SCRIPT",
        script: "set-and-get-1",
        message: `set-and-get-1.lua takes 1 keys, ${keys.length} given`,
      });
    }
    expect(await scriptCalls(redis)).toEqual({ eval: 0, evalsha: 0 });
    expect(await redis.exists("{t}:a", "{t}:b")).toBe(0);
  });

  it("refuses keys in two Redis Cluster slots before Redis sees them, and runs keys under one hash tag", async () => {
    const twoKeys = LuaScript.load(
      scriptFile("set-two-2.lua", "redis.call('SET', KEYS[1], 1)\nredis.call('SET', KEYS[2], 2)\n"),
    );
    await expect(
      twoKeys.run(redis, ["{inventory}:a", "stream:{order.placed:0}"], []),
    ).rejects.toMatchObject({
      name: "CrossSlotError",
      code: "BUS_ERR_CROSS_SLOT",
      script: "set-two-2",
      keys: ["{inventory}:a", "stream:{order.placed:0}"],
    });
    expect(await scriptCalls(redis)).toEqual({ eval: 0, evalsha: 0 });
    await twoKeys.run(redis, ["{inventory}:a", "outbox:{inventory}"], []);
    expect(await redis.exists("{inventory}:a", "outbox:{inventory}")).toBe(2);
  });

  it("pulls in the files its `-- @include` lines name, relative to itself and nested", async () => {
    scriptFile(
      "shared/greet.lua",
      '-- @include "punctuate.lua"\nlocal function greet(name) return punctuate("hello " .. name) end\n',
    );
    scriptFile("shared/punctuate.lua", "local function punctuate(text) return text .. '!' end\n");
    const script = LuaScript.load(
      scriptFile("say-hello-0.lua", '-- @include "shared/greet.lua"\nreturn greet(ARGV[1])\n'),
    );
    expect(script.source).not.toContain("@include");
    expect(await script.run(redis, [], ["ada"])).toBe("hello ada!");
  });

  it("refuses a file that includes itself through others, naming the cycle", () => {
    scriptFile("cycle/first.lua", '-- @include "second.lua"\n');
    scriptFile("cycle/second.lua", '-- @include "first.lua"\n');
    const file = scriptFile("cycle/main-0.lua", '-- @include "first.lua"\nreturn 1\n');
    expect(() => LuaScript.load(file)).toThrow(
      expect.objectContaining({
        code: "BUS_ERR_LUA_SCRIPT",
        message: "first.lua includes itself (main-0.lua → first.lua → second.lua → first.lua)",
      }),
    );
  });
});
