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

const SEEDS = 20;
const STEPS = 1500;

// How often each action happens (weights). Partitions outlast several election timeouts.
const ACTIONS = {
  deliver: 25,
  drop: 3,
  duplicate: 2,
  ready: 22,
  tick: 30,
  propose: 7,
  read: 2,
  partition: 0.5,
  heal: 0.5,
  restart: 1,
  compact: 1.5,
  membership: 1,
  transfer: 0.3,
} as const;
type Action = keyof typeof ACTIONS;
const ACTION_TOTAL = Object.values(ACTIONS).reduce((a, b) => a + b, 0);

function pickAction(r: number): Action {
  let x = r * ACTION_TOTAL;
  for (const [a, w] of Object.entries(ACTIONS) as [Action, number][]) {
    if (x < w) return a;
    x -= w;
  }
  return "tick";
}

interface SimOptions {
  seed: number;
  size: number;
  steps: number;
  preVote: boolean;
  checkQuorum: boolean;
  membership?: boolean;
}

class Invariants {
  /** index -> "term/index data" of every entry known to be committed. */
  readonly committed = new Map<number, string>();
  private readonly leaderOfTerm = new Map<number, NodeId>();
  private readonly checkedUpTo = new WeakMap<object, number>(); // per SimNode

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
      const from = Math.max((this.checkedUpTo.get(node) ?? 0) + 1, node.storage.firstIndex());
      const to = Math.min(hs.commit, node.storage.lastIndex());
      if (from <= to) {
        for (const e of node.storage.entries(from, to + 1)) {
          this.commitEntry(e.index, describeEntry(e), `${where}: node ${node.id} log`);
        }
        this.checkedUpTo.set(node, to);
      }
    }
  }
}

export function simulate(o: SimOptions) {
  const net = new Network({
    voters: Array.from({ length: o.size }, (_, i) => i + 1),
    seed: o.seed,
    preVote: o.preVote,
    checkQuorum: o.checkQuorum,
    electionTick: 8, // short, so that partitions and lost heartbeats lead to elections often
    heartbeatTick: 1,
    maxInflightMsgs: 4,
    maxSizePerMsg: 64, // a few entries per append, so appends pipeline and probe
  });
  const rng = seededRandom(o.seed * 7919 + 17);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rng() * xs.length)]!;
  const inv = new Invariants(net);
  let proposals = 0;
  let compactions = 0;
  let confChanges = 0;
  let reads = 0;
  let nextId = o.size + 1;
  const readFloor = new Map<string, number>();
  let readsAnswered = 0;
  const checkReads = (where: string): void => {
    for (const n of net.nodes.values()) {
      for (const rs of n.readStates) {
        const ctx = new TextDecoder().decode(rs.context);
        const floor = readFloor.get(ctx);
        assert.ok(floor !== undefined, `${where}: read state for unknown request ${ctx}`);
        assert.ok(rs.index >= floor, `${where}: read ${ctx} at ${rs.index} misses entries committed up to ${floor}`);
        readsAnswered++;
      }
      n.readStates = [];
    }
  };

  // Members are those in the configuration applied furthest. A removed node is shut off, as
  // etcd's transport refuses removed members; ids are never reused (a fresh node with an old id
  // could vote twice in a term).
  let members: number[] = [];
  const refreshMembers = (): void => {
    let best = net.n(1);
    for (const n of net.nodes.values()) if (n.appliedIndex > best.appliedIndex) best = n;
    const cs = best.confState;
    members = [...cs.voters, ...cs.learners].map(Number);
    if (members.length === 0) members = Array.from({ length: o.size }, (_, i) => i + 1);
  };
  refreshMembers();
  net.filter = (m) => members.includes(Number(m.from)) && members.includes(Number(m.to));

  for (let step = 0; step < o.steps; step++) {
    const where = `seed ${o.seed} step ${step}`;
    const id = pick(members);
    const node = net.n(id);
    switch (pickAction(rng())) {
      case "deliver": // in random order: messages overtake each other
        if (net.queue.length > 0) net.deliver(net.queue.splice(Math.floor(rng() * net.queue.length), 1)[0]!);
        break;
      case "drop":
        if (net.queue.length > 0) net.drop(Math.floor(rng() * net.queue.length));
        break;
      case "duplicate":
        if (net.queue.length > 0) net.deliver(cloneMessage(pick(net.queue)));
        break;
      case "ready":
        net.processReady(node.id);
        break;
      case "tick":
        node.raw.tick();
        break;
      case "propose":
        if (net.tryPropose(id, `p${proposals}`)) proposals++;
        break;
      case "read": {
        // Linearizable: the answer must cover everything committed anywhere before we asked.
        const ctx = `r${reads++}`;
        readFloor.set(ctx, Math.max(...[...net.nodes.values()].map((n) => n.commit)));
        net.readIndex(id, ctx);
        break;
      }
      case "transfer": {
        const leader = net.leader();
        if (leader) leader.raw.transferLeader(BigInt(pick(members)));
        break;
      }
      case "partition": {
        net.heal();
        const shuffled = [...members].sort(() => rng() - 0.5);
        const cut = 1 + Math.floor(rng() * (shuffled.length - 1));
        net.partition(shuffled.slice(0, cut), shuffled.slice(cut));
        break;
      }
      case "heal":
        net.heal();
        break;
      case "restart":
        node.restart();
        break;
      case "compact":
        if (node.appliedIndex > node.storage.snapshot().meta.index) compactions++;
        node.compact();
        break;
      case "membership": {
        const leader = net.leader();
        if (!o.membership || !leader || !members.includes(Number(leader.id))) break;
        const cs = leader.confState;
        const lid = Number(leader.id);
        try {
          if (cs.learners.length > 0) {
            net.proposeConfChange(lid, { type: "addNode", nodeId: Number(cs.learners[0]) });
          } else if (cs.voters.length > 3) {
            net.proposeConfChange(lid, { type: "removeNode", nodeId: Number(pick(cs.voters)) }); // maybe itself
          } else {
            const nid = nextId++;
            net.addNode(nid);
            net.proposeConfChange(lid, { type: rng() < 0.5 ? "addNode" : "addLearnerNode", nodeId: nid });
          }
          confChanges++;
        } catch {
          // a change is already pending, or a transfer is under way
        }
        break;
      }
    }
    refreshMembers();
    inv.check(where);
    checkReads(where);
  }

  // Heal everything: a leader must emerge and a new proposal must reach every member.
  net.heal();
  let done = false;
  for (let round = 0; round < 400 && !done; round++) {
    net.tickAll(1);
    refreshMembers();
    const leader = net.leader();
    if (leader && round % 5 === 0) net.tryPropose(Number(leader.id), "final");
    done = members.every((id) => net.n(id).applied.includes("final"));
    inv.check(`seed ${o.seed} healing round ${round}`);
  }
  assert.ok(done, `seed ${o.seed}: the healed cluster commits a new proposal on every member`);
  checkReads(`seed ${o.seed} healed`);
  // In the healed cluster every member's read is answered, and covers "final".
  for (const id of members) {
    const ctx = `final-read-${id}`;
    readFloor.set(ctx, Math.max(...[...net.nodes.values()].map((n) => n.commit)));
    net.readIndex(id, ctx);
  }
  const before = readsAnswered;
  net.tickAll(3);
  checkReads(`seed ${o.seed} final reads`);
  assert.equal(readsAnswered - before, members.length, `seed ${o.seed}: every member's read is answered`);
  const first = net.n(members[0]!).applied;
  for (const id of members) assert.deepEqual(net.n(id).applied, first, `seed ${o.seed}: node ${id} state machine`);
  const story = net.take();
  return {
    proposals,
    committed: inv.committed.size,
    elections: (story.match(/ is leader at term /g) ?? []).length,
    snapshotsSent: (story.match(/ snap term=\S+ snapshot=.*[^)]$/gm) ?? []).length,
    rejections: (story.match(/ appResp .* reject/g) ?? []).length,
    compactions,
    confChanges,
    readsAnswered,
  };
}

export type SimStats = ReturnType<typeof simulate>;

function cloneMessage(m: Message): Message {
  return { ...m, entries: m.entries.map((e) => ({ ...e })) };
}

describe("randomized simulation", () => {
  const configs = [
    { size: 3, preVote: false, checkQuorum: false, membership: false },
    { size: 3, preVote: true, checkQuorum: true, membership: true },
    { size: 5, preVote: true, checkQuorum: false, membership: true },
    { size: 5, preVote: false, checkQuorum: true, membership: false },
  ];
  for (const c of configs) {
    const name = `${c.size} nodes, preVote=${c.preVote}, checkQuorum=${c.checkQuorum}, membership changes=${c.membership}`;
    test(`${name}: safe under drops, reorders, duplicates, partitions, restarts, compaction`, () => {
      let proposals = 0;
      let elections = 0;
      for (let seed = 1; seed <= SEEDS; seed++) {
        const st = simulate({ seed, steps: STEPS, ...c });
        proposals += st.proposals;
        elections += st.elections;
      }
      assert.ok(proposals > SEEDS * 10, `proposals were accepted (${proposals})`);
      assert.ok(elections > SEEDS * 2, `leadership changed hands (${elections} elections)`);
    });
  }
});
