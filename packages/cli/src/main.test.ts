import { freePort, useRedisServer } from "@retail/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { retail } from "../test/helpers.js";
import { describeError } from "./main.js";

const noStackTrace = /\n\s+at /;

describe("retail: usage", () => {
  it("prints help on stdout with exit code 0, for the program and every command", async () => {
    const top = await retail(["--help"]);
    expect(top.code).toBe(0);
    for (const command of ["streams", "groups", "tail", "watch", "dlq", "orders", "token", "keys"])
      expect(top.stdout).toContain(command);
    for (const args of [
      ["streams"],
      ["groups"],
      ["tail"],
      ["watch"],
      ["dlq"],
      ["dlq", "list"],
      ["dlq", "show"],
      ["dlq", "replay"],
      ["dlq", "purge"],
      ["orders"],
      ["orders", "place"],
      ["token"],
      ["keys"],
      ["keys", "init"],
    ]) {
      const run = await retail([...args, "--help"]);
      expect(run.code, args.join(" ")).toBe(0);
      expect(run.stdout, args.join(" ")).toContain(`Usage: retail ${args.join(" ")}`);
    }
    const place = await retail(["orders", "place", "--help"]);
    expect(place.stdout).toContain("--json");
  });

  it("exits with code 2 on an unknown command or option, a missing argument, or a bad URL", async () => {
    const unknownCommand = await retail(["stream"]);
    expect(unknownCommand.code).toBe(2);
    expect(unknownCommand.stderr).toContain("unknown command 'stream'");
    const unknownOption = await retail(["streams", "--jsn"]);
    expect(unknownOption.code).toBe(2);
    expect(unknownOption.stderr).toContain("unknown option '--jsn'");
    const missing = await retail(["dlq", "show"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("missing required argument 'id'");
    const badUrl = await retail(["--redis", "localhost:6379", "streams"]);
    expect(badUrl.code).toBe(2);
    expect(badUrl.stderr).toBe(
      'error: not a Redis URL: "localhost:6379" (expected redis:// or rediss://)\n',
    );
  });

  it("explains an unexpected error with its stack trace and exit code 1", () => {
    expect(describeError(new Error("boom"), undefined)).toMatchObject({
      exitCode: 1,
      message: "unexpected error: boom",
      stack: expect.stringContaining("boom"),
    });
  });
});

describe("retail: Redis unreachable", () => {
  it("exits with code 3 and a message naming the URL, without a stack trace", async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    for (const args of [["streams"], ["groups"], ["tail"], ["watch"], ["dlq", "list"]]) {
      const run = await retail(["--redis", url, ...args]);
      expect(run.code, args.join(" ")).toBe(3);
      expect(run.stderr, args.join(" ")).toBe(
        `error: cannot reach Redis at ${url}: ECONNREFUSED. Is it running (docker compose up redis)? Point the CLI elsewhere with --redis <url> or REDIS_URL.\n`,
      );
    }
  });

  it("reads REDIS_URL when --redis is not given, and hides its password", async () => {
    const url = `redis://default:s3cret@127.0.0.1:${await freePort()}`;
    const run = await retail(["streams"], { env: { REDIS_URL: url } });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(`cannot reach Redis at ${url.replace("s3cret", "***")}`);
    expect(run.stderr).not.toContain("s3cret");
  });

  it("gives up on an unknown host", async () => {
    const run = await retail(["--redis", "redis://no-such-host.invalid:6379", "streams"]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain("cannot reach Redis at redis://no-such-host.invalid:6379: ");
    expect(run.stderr).toMatch(/: (ENOTFOUND|EAI_AGAIN)\. /);
  });
});

describe("retail: Redis credentials and permissions", () => {
  const redis = useRedisServer({ args: ["--requirepass", "s3cret"] });
  const at = (credentials: string) => redis().url.replace("redis://", `redis://${credentials}@`);

  beforeAll(async () => {
    const admin = redis().client({ password: "s3cret" });
    // A user that may connect but not read streams.
    await admin.call(
      "ACL",
      "SETUSER",
      "viewer",
      "on",
      ">viewer-pass",
      "~*",
      "-@all",
      "+hello",
      "+ping",
      "+time",
    );
    admin.disconnect();
  });

  it("exits with code 4 when Redis wants a password and none was given (NOAUTH)", async () => {
    const run = await retail(["--redis", redis().url, "streams"]);
    expect(run.code).toBe(4);
    expect(run.stderr).toBe(
      `error: Redis at ${redis().url} requires a password: give one in the URL (--redis or REDIS_URL), e.g. redis://default:<password>@localhost:6379\n`,
    );
  });

  it("exits with code 4 on a wrong password (WRONGPASS)", async () => {
    const run = await retail(["--redis", at("default:wrong"), "groups"]);
    expect(run.code).toBe(4);
    expect(run.stderr).toContain('refused the credentials of user "default" (WRONGPASS)');
    expect(run.stderr).not.toContain("wrong@");
    expect(run.stderr).not.toMatch(noStackTrace);
  });

  it("exits with code 5 when the user may not run what the command needs (NOPERM)", async () => {
    const run = await retail(["--redis", at("viewer:viewer-pass"), "streams"]);
    expect(run.code).toBe(5);
    expect(run.stderr).toMatch(
      /^error: Redis user "viewer" is not allowed to run XINFO STREAM \(NOPERM\)\. /,
    );
    expect(run.stderr).not.toMatch(noStackTrace);
  });

  it("works with the right credentials", async () => {
    const run = await retail(["--redis", at("default:s3cret"), "streams", "stock.low", "--json"]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual([
      expect.objectContaining({ topic: "stock.low", length: 0 }),
    ]);
  });
});
