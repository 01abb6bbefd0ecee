import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { assignPartitions } from "./ownership-assignment.js";

const names = fc.uniqueArray(fc.stringMatching(/^[a-z0-9-]{1,20}$/), {
  minLength: 1,
  maxLength: 8,
});

function loads(owners: readonly string[]): number[] {
  const counts = new Map<string, number>();
  for (const owner of owners) counts.set(owner, (counts.get(owner) ?? 0) + 1);
  return [...counts.values()];
}

describe("assigning partitions to live instances", () => {
  it("gives every partition an owner, and each instance ⌊partitions / instances⌋ or one more", () => {
    fc.assert(
      fc.property(names, fc.integer({ min: 1, max: 64 }), (instances, partitions) => {
        const owners = assignPartitions("t", partitions, instances);
        expect(owners).toHaveLength(partitions);
        for (const owner of owners) expect(instances).toContain(owner);
        const fair = Math.floor(partitions / instances.length);
        const counts = loads(owners);
        for (const count of counts) expect([fair, fair + 1]).toContain(count);
        // only instances short of a partition go without one
        if (partitions >= instances.length) expect(counts).toHaveLength(instances.length);
      }),
    );
  });

  it("comes out the same whatever order the instances are listed in", () => {
    fc.assert(
      fc.property(names, fc.integer({ min: 1, max: 32 }), (instances, partitions) => {
        expect(assignPartitions("t", partitions, [...instances].reverse())).toEqual(
          assignPartitions("t", partitions, instances),
        );
      }),
    );
  });

  it("moves few partitions besides the newcomer's when a fourth instance joins three on 12 partitions", () => {
    let moved = 0;
    const runs = 200;
    for (let run = 0; run < runs; run++) {
      const instances = [1, 2, 3].map((index) => `orders-host-${run}-${index}`);
      const before = assignPartitions("order.placed", 12, instances);
      const after = assignPartitions("order.placed", 12, [...instances, `orders-host-${run}-4`]);
      moved += after.filter((owner, partition) => owner !== before[partition]).length;
    }
    // 3 is the least possible (the newcomer's share); dealing them out in name order moves about 9
    expect(moved / runs).toBeLessThan(4.5);
  });
});
