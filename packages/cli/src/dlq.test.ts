import { type DeadLetter, type GroupStats, NonRetryableError, streamKey } from "@retail/bus";
import { examplePayloads } from "@retail/contracts";
import { useRedisServer } from "@retail/testing";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { linesOf, retail, useBuses } from "../test/helpers.js";

describe("retail dlq", () => {
  const redis = useRedisServer();
  const bus = useBuses(() => redis().url);
  beforeEach(async () => {
    await redis().flushAll();
  });

  const cli = (...args: string[]) => retail(["--redis", redis().url, ...args]);

  async function list(...args: string[]): Promise<DeadLetter[]> {
    const run = await cli("dlq", "list", ...args, "--json");
    expect(run.code).toBe(0);
    return JSON.parse(run.stdout) as DeadLetter[];
  }

  /**
   * Shipping's handler refuses orders while `failing` (dead letter at once), and a raw
   * XADD of garbage is dead-lettered as an invalid envelope: three dead letters.
   */
  async function makeDeadLetters() {
    const state = { failing: true, handled: [] as string[] };
    const shipping = bus("shipping");
    shipping.subscribe("order.placed", (event) => {
      if (state.failing) throw new NonRetryableError("carrier refused the address");
      state.handled.push(event.payload.orderId);
    });
    await shipping.start();
    const inventory = bus("inventory");
    // One at a time: dead letters written in the same millisecond to different streams
    // would share an entry id, and the tests address dead letters by id.
    for (const [index, orderId] of ["ord-1", "ord-2"].entries()) {
      await inventory.publish("order.placed", { ...examplePayloads["order.placed"], orderId });
      await vi.waitFor(async () => expect(await list()).toHaveLength(index + 1));
    }
    const client = redis().client();
    await client.xadd(streamKey("order.placed", 1), "*", "garbage", "yes");
    client.disconnect();
    await vi.waitFor(async () => expect(await list()).toHaveLength(3));
    const letters = await list();
    const byOrder = (orderId: string) =>
      letters.find((letter) => letter.fields.payload?.includes(`"${orderId}"`)) as DeadLetter;
    return { state, shipping, letters, ord1: byOrder("ord-1"), ord2: byOrder("ord-2") };
  }

  it("lists dead letters as JSON, narrowed by topic and group", async () => {
    const { letters } = await makeDeadLetters();
    expect(letters.map((letter) => letter.reason).sort()).toEqual([
      "invalid_envelope",
      "non_retryable",
      "non_retryable",
    ]);
    expect(
      letters.every((letter) => letter.topic === "order.placed" && letter.group === "shipping"),
    ).toBe(true);
    expect(await list("order.placed", "--group", "shipping")).toHaveLength(3);
    expect(await list("order.placed", "--group", "inventory")).toEqual([]);
    expect(await list("stock.low")).toEqual([]);

    const groups = JSON.parse(
      (await cli("groups", "order.placed", "--json")).stdout,
    ) as GroupStats[];
    expect(groups).toEqual([expect.objectContaining({ group: "shipping", deadLetters: 3 })]);
  });

  it("lists dead letters as a table", async () => {
    const { ord1 } = await makeDeadLetters();
    const run = await cli("dlq", "list");
    expect(run.code).toBe(0);
    const lines = linesOf(run.stdout);
    expect(lines[0]).toMatch(
      /^ID\s+TOPIC\s+GROUP\s+REASON\s+ATTEMPTS\s+LAST FAILED\s+EVENT\s+ERROR$/,
    );
    expect(lines).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^${ord1.id}\\s+order\\.placed\\s+shipping\\s+non_retryable\\s+1\\s+\\S+\\s+${ord1.fields.id}\\s+carrier refused the address$`,
        ),
      ),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(/invalid_envelope\s+1\s+\S+\s+\(no event id\)\s+malformed envelope/),
    );
    expect(lines.at(-1)).toBe(
      "3 dead letters. Details: retail dlq show <id>. Retry: retail dlq replay <id>.",
    );
    expect((await cli("dlq", "list", "stock.low")).stdout).toBe("no dead letters\n");
  });

  it("shows one dead letter in full, found by id across every topic", async () => {
    const { ord1 } = await makeDeadLetters();
    const text = await cli("dlq", "show", ord1.id);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`dead letter ${ord1.id}  order.placed, group shipping`);
    expect(text.stdout).toMatch(/reason\s+non_retryable/);
    expect(text.stdout).toMatch(/error\s+carrier refused the address/);
    expect(text.stdout).toMatch(/handler\s+shipping:order\.placed/);
    expect(text.stdout).toMatch(/source\s+stream:\{order\.placed:\d\} \d+-\d+/);
    expect(text.stdout).toMatch(/payload\s+\{\n\s+"orderId": "ord-1",/);

    const json = await cli("dlq", "show", ord1.id, "--json");
    // Entry ids are unique per stream only: another dead-letter stream may hold the same
    // id (written in the same millisecond), and then `show` prints every match.
    const shown = JSON.parse(json.stdout) as DeadLetter | DeadLetter[];
    expect(Array.isArray(shown) ? shown : [shown]).toContainEqual(ord1);

    const missing = await cli("dlq", "show", "1-0");
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("no dead letter with id 1-0");
    const malformed = await cli("dlq", "show", "nope");
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain('"nope" is not a dead-letter id');
  });

  it("lists, shows and purges the dead letters of a consumer group deleted since", async () => {
    const { shipping, ord1 } = await makeDeadLetters();
    await shipping.close();
    const client = redis().client();
    for (const partition of [0, 1, 2, 3])
      await client.xgroup("DESTROY", streamKey("order.placed", partition), "shipping");
    client.disconnect();
    expect(JSON.parse((await cli("groups", "order.placed", "--json")).stdout)).toEqual([]);

    expect(await list()).toHaveLength(3);
    const shown = await cli("dlq", "show", ord1.id, "--json");
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.stdout)).toEqual(ord1);
    const purged = await cli("dlq", "purge", "--topic", "order.placed", "--yes");
    expect(purged.stdout).toBe("purged 3 dead letters: order.placed: 3\n");
    expect(await list()).toEqual([]);
  });

  it("replays dead letters by id for their group, and reports ids it did not find", async () => {
    const { state, ord1, ord2 } = await makeDeadLetters();
    state.failing = false;
    const run = await cli("dlq", "replay", ord1.id);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      "replayed 1 dead letter: order.placed (shipping): 1. Each goes back on its stream for its group only.\n",
    );
    await vi.waitFor(() => expect(state.handled).toEqual(["ord-1"]));
    expect((await list()).map((letter) => letter.id)).not.toContain(ord1.id);

    const partly = await cli("dlq", "replay", ord2.id, "2-0", "--json");
    expect(partly.code).toBe(1);
    expect(JSON.parse(partly.stdout)).toEqual({
      replayed: 1,
      topics: [{ topic: "order.placed", group: "shipping", count: 1 }],
      notFound: ["2-0"],
    });
    expect(partly.stderr).toContain("no dead letter with id 2-0");
    await vi.waitFor(() => expect(state.handled.sort()).toEqual(["ord-1", "ord-2"]));
  });

  it("replays everything with --all", async () => {
    const { state } = await makeDeadLetters();
    state.failing = false;
    const run = await cli("dlq", "replay", "--all", "--topic", "order.placed", "--json");
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ replayed: 3, notFound: [] });
    await vi.waitFor(() => expect(state.handled.sort()).toEqual(["ord-1", "ord-2"]));
    // The garbage cannot be handled: it is dead-lettered again.
    await vi.waitFor(async () =>
      expect((await list()).map((letter) => letter.reason)).toEqual(["invalid_envelope"]),
    );
  });

  it("refuses a replay without ids or --all, or with both", async () => {
    const none = await cli("dlq", "replay");
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("give the ids of the dead letters to replay, or --all");
    const both = await cli("dlq", "replay", "--all", "1-0");
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("not both");
  });

  it("refuses to purge without --yes when there is no terminal to ask on (exit 2)", async () => {
    await makeDeadLetters();
    const run = await cli("dlq", "purge");
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain("pass --yes to purge anyway");
    expect(await list()).toHaveLength(3);
  });

  it("asks on a terminal and purges only when confirmed", async () => {
    await makeDeadLetters();
    const questions: string[] = [];
    const declined = await retail(["--redis", redis().url, "dlq", "purge"], {
      interactive: true,
      confirm: async (question) => {
        questions.push(question);
        return false;
      },
    });
    expect(declined.code).toBe(1);
    expect(declined.stderr).toContain("purge cancelled; nothing was deleted");
    expect(questions).toEqual(["Delete 3 dead letters for good (order.placed: 3)?"]);
    expect(await list()).toHaveLength(3);

    const confirmed = await retail(["--redis", redis().url, "dlq", "purge"], {
      interactive: true,
      confirm: async () => true,
    });
    expect(confirmed.code).toBe(0);
    expect(confirmed.stdout).toBe("purged 3 dead letters: order.placed: 3\n");
    expect(await list()).toEqual([]);
  });

  it("purges with --yes: one id, or a topic and group", async () => {
    const { ord1 } = await makeDeadLetters();
    const one = await cli("dlq", "purge", ord1.id, "--yes", "--json");
    expect(one.code).toBe(0);
    expect(JSON.parse(one.stdout)).toEqual({
      purged: 1,
      topics: [{ topic: "order.placed", group: "shipping", count: 1 }],
      notFound: [],
    });
    expect(await list()).toHaveLength(2);

    const rest = await cli(
      "dlq",
      "purge",
      "--topic",
      "order.placed",
      "--group",
      "shipping",
      "--yes",
    );
    expect(rest.code).toBe(0);
    expect(rest.stdout).toBe("purged 2 dead letters: order.placed (shipping): 2\n");
    expect(await list()).toEqual([]);
    expect((await cli("dlq", "purge", "--yes")).stdout).toBe("no dead letters to purge\n");
  });
});
