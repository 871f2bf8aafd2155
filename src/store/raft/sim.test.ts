// Randomized simulation: seeded runs of a few hundred steps in which nodes tick, process their
// Readies, propose, crash and restart, compact their logs, while the network delivers messages
// out of order, loses and duplicates them, and partitions. After every step the safety
// invariants are checked; at the end the network heals and the cluster must make progress.
// A failure prints the seed and the step, and replays exactly.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Network } from "./harness.js";
import { describeEntry } from "./message.js";
import { seededRandom } from "./raft.js";
import type { Message, NodeId } from "./types.js";

interface SimOptions {
  seed: number;
  size: number;
  steps: number;
  preVote: boolean;
  checkQuorum: boolean;
}

class Invariants {
  /** index -> "term/index data" of every entry known to be committed. */
  readonly committed = new Map<number, string>();
  private readonly leaderOfTerm = new Map<number, NodeId>();
  private readonly checkedUpTo = new Map<NodeId, number>();

  constructor(private readonly net: Network) {}

  private commitEntry(index: number, text: string, where: string): void {
    const had = this.committed.get(index);
    if (had === undefined) this.committed.set(index, text);
    else assert.equal(text, had, `${where}: committed entry ${index} changed`);
  }

  check(where: string): void {
    for (const node of this.net.nodes.values()) {
      const st = node.raw.status();
      // Election safety: at most one leader per term.
      if (st.softState.role === "leader") {
        const other = this.leaderOfTerm.get(st.hardState.term);
        if (other !== undefined) assert.equal(node.id, other, `${where}: two leaders in term ${st.hardState.term}`);
        this.leaderOfTerm.set(st.hardState.term, node.id);
      }
      // State machine safety: what a node applies at an index is what everyone applies there.
      for (const [index, e] of node.appliedEntries) this.commitEntry(index, describeEntry(e), `${where}: node ${node.id} applied`);
      node.appliedEntries.clear();
      // Log matching: the persisted log up to the persisted commit index is the committed log.
      const hs = node.storage.hardStateNow();
      const from = Math.max((this.checkedUpTo.get(node.id) ?? 0) + 1, node.storage.firstIndex());
      const to = Math.min(hs.commit, node.storage.lastIndex());
      if (from <= to) {
        for (const e of node.storage.entries(from, to + 1)) {
          this.commitEntry(e.index, describeEntry(e), `${where}: node ${node.id} log`);
        }
        this.checkedUpTo.set(node.id, to);
      }
    }
  }
}

export function simulate(o: SimOptions) {
  const voters = Array.from({ length: o.size }, (_, i) => i + 1);
  const net = new Network({
    voters,
    seed: o.seed,
    preVote: o.preVote,
    checkQuorum: o.checkQuorum,
    electionTick: 10,
    heartbeatTick: 1,
    maxInflightMsgs: 4,
    maxSizePerMsg: 64, // a few entries per append, so appends pipeline and probe
  });
  const rng = seededRandom(o.seed * 7919 + 17);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rng() * xs.length)]!;
  const inv = new Invariants(net);
  let proposals = 0;
  let snapshots = 0;
  let reads = 0;

  for (let step = 0; step < o.steps; step++) {
    const where = `seed ${o.seed} step ${step}`;
    const r = rng();
    const id = pick(voters);
    const node = net.n(id);
    if (r < 0.3) {
      if (net.queue.length > 0) net.deliver(net.queue.splice(Math.floor(rng() * net.queue.length), 1)[0]!); // reordered
    } else if (r < 0.34) {
      if (net.queue.length > 0) net.drop(Math.floor(rng() * net.queue.length));
    } else if (r < 0.36) {
      if (net.queue.length > 0) net.deliver(cloneMessage(pick(net.queue))); // duplicated
    } else if (r < 0.6) {
      net.processReady(node.id);
    } else if (r < 0.82) {
      node.raw.tick();
    } else if (r < 0.9) {
      if (net.tryPropose(id, `p${proposals}`)) proposals++;
    } else if (r < 0.92) {
      net.readIndex(id, `r${reads++}`);
    } else if (r < 0.94) {
      net.heal();
      const shuffled = [...voters].sort(() => rng() - 0.5);
      const cut = 1 + Math.floor(rng() * (o.size - 1));
      net.partition(shuffled.slice(0, cut), shuffled.slice(cut));
    } else if (r < 0.97) {
      net.heal();
    } else if (r < 0.985) {
      node.restart();
    } else {
      if (node.appliedIndex > node.storage.snapshot().meta.index) snapshots++;
      node.compact();
    }
    inv.check(where);
  }

  // Heal everything: a leader must emerge and a new proposal must reach every node.
  net.heal();
  let done = false;
  for (let round = 0; round < 300 && !done; round++) {
    net.tickAll(1);
    const leader = net.leader();
    if (leader && round % 5 === 0) net.tryPropose(Number(leader.id), "final");
    done = [...net.nodes.values()].every((n) => n.applied.includes("final"));
    inv.check(`seed ${o.seed} healing round ${round}`);
  }
  assert.ok(done, `seed ${o.seed}: the healed cluster commits a new proposal everywhere`);
  // Every node applied the same sequence.
  const first = net.n(1).applied;
  for (const n of net.nodes.values()) assert.deepEqual(n.applied, first, `seed ${o.seed}: node ${n.id} state machine`);
  const story = net.take();
  return {
    proposals,
    committed: inv.committed.size,
    elections: (story.match(/ is leader at term /g) ?? []).length,
    snapshotsSent: (story.match(/ snap term=\S+ snapshot=.*[^)]$/gm) ?? []).length,
    rejections: (story.match(/ appResp .* reject/g) ?? []).length,
    compactions: snapshots,
  };
}

export type SimStats = ReturnType<typeof simulate>;

function cloneMessage(m: Message): Message {
  return { ...m, entries: m.entries.map((e) => ({ ...e })) };
}

describe("randomized simulation", () => {
  const configs = [
    { size: 3, preVote: false, checkQuorum: false },
    { size: 3, preVote: true, checkQuorum: true },
    { size: 5, preVote: true, checkQuorum: false },
    { size: 5, preVote: false, checkQuorum: true },
  ];
  for (const c of configs) {
    test(`${c.size} nodes, preVote=${c.preVote}, checkQuorum=${c.checkQuorum}: safe under drops, reorders, partitions, restarts`, () => {
      let proposals = 0;
      for (let seed = 1; seed <= 12; seed++) {
        proposals += simulate({ seed, steps: 600, ...c }).proposals;
      }
      assert.ok(proposals > 100, `some proposals were accepted (${proposals})`);
    });
  }
});
