import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Compactor, parseRetention } from "./compactor.js";
import { StoreError } from "../errors.js";

describe("parseRetention", () => {
  const cases: Array<[mode: "periodic" | "revision", input: string, ms: number]> = [
    ["periodic", "1", 3600_000], // a bare number is hours, as etcd reads it
    ["periodic", "0.5", 1800_000],
    ["periodic", "30m", 1800_000],
    ["periodic", "1h30m", 5400_000],
    ["periodic", "10s", 10_000],
    ["periodic", "0", 0],
    ["revision", "1000", 1000],
  ];
  for (const [mode, input, want] of cases) {
    test(`${mode} ${input}`, () => assert.equal(parseRetention(mode, input), want));
  }
  test("garbage is refused", () => assert.throws(() => parseRetention("periodic", "ten minutes")));
});

/** A member stand-in: a revision counter and a log of compactions. */
function fakeMember() {
  const m = {
    kv: { currentRev: 1, compactMainRev: -1 },
    leader: true,
    compactions: [] as number[],
    isLeader: () => m.leader,
    async propose(_kind: "compaction", req: { revision: bigint }) {
      const rev = Number(req.revision);
      if (rev <= m.kv.compactMainRev) throw new StoreError("compacted");
      m.kv.compactMainRev = rev;
      m.compactions.push(rev);
      return {};
    },
  };
  return m;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Waits for a condition (timers run late on a loaded machine, so no fixed sleeps for "it happened"). */
async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await sleep(5);
  }
}

describe("Compactor", () => {
  test("revision mode compacts to current - retention on each interval, only as leader", async () => {
    const m = fakeMember();
    const c = new Compactor(m, "revision", "10", 30);
    c.start();
    m.kv.currentRev = 25;
    await until(() => m.compactions.length === 1);
    assert.deepEqual(m.compactions, [15]);
    m.leader = false;
    m.kv.currentRev = 40;
    await sleep(100);
    assert.deepEqual(m.compactions, [15], "a follower does not compact");
    m.leader = true;
    await until(() => m.compactions.length === 2);
    c.stop();
    assert.deepEqual(m.compactions, [15, 30]);
  });

  test("periodic mode keeps the retention window: compacts to the revision seen that long ago", async () => {
    const m = fakeMember();
    // Retention 200 ms: samples every 20 ms, first compaction after 200 ms.
    const c = new Compactor(m, "periodic", "0.2s");
    const t0 = Date.now();
    const timer = setInterval(() => (m.kv.currentRev = 1 + Math.floor((Date.now() - t0) / 10)), 5);
    c.start();
    await sleep(120);
    assert.deepEqual(m.compactions, [], "nothing before the retention has passed");
    await until(() => m.compactions.length >= 2);
    c.stop();
    clearInterval(timer);
    assert.ok(m.compactions.length >= 1);
    const first = m.compactions[0]!;
    // The first compaction target is a sample from about the start (revisions grow by 1 per 10 ms).
    assert.ok(first <= 5, `first compaction at ${first}`);
    for (let i = 1; i < m.compactions.length; i++) assert.ok(m.compactions[i]! > m.compactions[i - 1]!);
  });

  test("retention 0 turns it off", async () => {
    const m = fakeMember();
    const c = new Compactor(m, "revision", "0", 10);
    c.start();
    m.kv.currentRev = 100;
    await sleep(40);
    c.stop();
    assert.deepEqual(m.compactions, []);
  });
});
