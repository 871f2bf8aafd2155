// Scenario tests of the raft core. Each test tells a story: who campaigns, what is proposed,
// which links are cut; where the exact conversation matters, the test prints it (one line per
// message delivered or dropped, plus role changes) and compares it with the expected text.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { decodeConfChange, encodeConfChange } from "./confchange.js";
import { ErrProposalDropped } from "./errors.js";
import { Network, describeReady } from "./harness.js";
import { RawNode } from "./rawnode.js";
import { MemoryStorage } from "./storage.js";
import type { Ready } from "./types.js";

const enc = new TextEncoder();

function story(text: string): string {
  return text
    .trim()
    .split("\n")
    .map((l) => l.trim())
    .join("\n");
}

/** A cluster with node 1 elected and everything replicated. */
function elected(opts: Partial<ConstructorParameters<typeof Network>[0]> & { voters: number[] }): Network {
  const net = new Network(opts);
  net.campaign(1);
  net.stabilize();
  assert.equal(net.leader()?.id, 1n);
  net.take();
  return net;
}

describe("single voter", () => {
  test("becomes leader on campaign() and commits each write after its own persist", () => {
    const storage = new MemoryStorage();
    const node = new RawNode({ id: 1n, electionTick: 10, heartbeatTick: 1, storage });
    node.bootstrap([1n]);
    node.campaign();
    assert.equal(node.status().softState.role, "leader", "no message is needed to win alone");

    const steps: string[] = [];
    const cycle = (): Ready => {
      const rd = node.ready();
      steps.push(describeReady(rd));
      storage.append(rd.entries);
      if (rd.hardState) storage.setHardState(rd.hardState);
      for (const e of rd.committedEntries) if (e.type === "confChange") node.applyConfChange(decodeConfChange(e.data));
      node.advance(rd);
      return rd;
    };
    cycle(); // persist the bootstrap entry, the vote and the leader's empty entry
    cycle(); // the empty entry committed at advance(): apply it
    assert.equal(node.hasReady(), false);

    node.propose(enc.encode("a"));
    node.propose(enc.encode("b"));
    cycle(); // both proposals persisted in one batch (group commit)
    node.propose(enc.encode("c"));
    cycle(); // a, b apply while c is persisted
    cycle();
    assert.equal(node.hasReady(), false);
    assert.deepEqual(steps, [
      'soft=leader/1 hard=term:2,vote:1,commit:1 entries=[1/1 addNode 1, 2/2] apply=[1/1 addNode 1] sync',
      "hard=term:2,vote:1,commit:2 apply=[2/2]",
      'entries=[2/3 "a", 2/4 "b"] sync',
      'hard=term:2,vote:1,commit:4 entries=[2/5 "c"] apply=[2/3 "a", 2/4 "b"] sync',
      'hard=term:2,vote:1,commit:5 apply=[2/5 "c"]',
    ]);
    assert.equal(storage.lastIndex(), 5);
    assert.deepEqual(storage.initialState().hardState, { term: 2, vote: 1n, commit: 5 });
  });

  test("a restarted single voter re-elects itself and keeps its log", () => {
    const storage = new MemoryStorage();
    const cfg = { id: 1n, electionTick: 10, heartbeatTick: 1, storage };
    const first = new RawNode(cfg);
    first.bootstrap([1n]);
    first.campaign();
    for (let i = 0; i < 3; i++) {
      if (i === 1) first.propose(enc.encode("x"));
      const rd = first.ready();
      storage.append(rd.entries);
      if (rd.hardState) storage.setHardState(rd.hardState);
      first.advance(rd);
    }
    // Crash. The committed entries are replayed (applied was not persisted here), then it campaigns.
    const node = new RawNode(cfg);
    const rd = node.ready();
    assert.equal(describeReady(rd), 'apply=[1/1 addNode 1, 2/2, 2/3 "x"]');
    for (const e of rd.committedEntries) if (e.type === "confChange") node.applyConfChange(decodeConfChange(e.data));
    node.advance(rd);
    node.campaign();
    assert.equal(node.status().softState.role, "leader");
    assert.equal(node.status().hardState.term, 3);
  });

  test("proposals are dropped without a leader", () => {
    const node = new RawNode({ id: 1n, electionTick: 10, heartbeatTick: 1, storage: new MemoryStorage() });
    node.bootstrap([1n]);
    assert.throws(() => node.propose(enc.encode("x")), ErrProposalDropped);
  });

  test("ReadIndex: answered at once, except before the new leader commits an entry of its term", () => {
    const storage = new MemoryStorage();
    const node = new RawNode({ id: 1n, electionTick: 10, heartbeatTick: 1, storage });
    node.bootstrap([1n]);
    node.campaign();
    node.readIndex(enc.encode("early"));
    const cycle = (): string => {
      const rd = node.ready();
      storage.append(rd.entries);
      if (rd.hardState) storage.setHardState(rd.hardState);
      node.advance(rd);
      return describeReady(rd);
    };
    assert.doesNotMatch(cycle(), /read=/, "the empty entry of term 2 is not committed yet");
    assert.match(cycle(), /read=2:early/);
    node.readIndex(enc.encode("late"));
    assert.match(cycle(), /^read=2:late$/);
  });

  test("ready() twice without advance() is refused, and hasReady() says no", () => {
    const node = new RawNode({ id: 1n, electionTick: 10, heartbeatTick: 1, storage: new MemoryStorage() });
    node.bootstrap([1n]);
    node.ready();
    assert.equal(node.hasReady(), false);
    assert.throws(() => node.ready(), /advance/);
  });
});

describe("elections", () => {
  test("three nodes: 1 campaigns, wins with both votes, and commits its empty entry", () => {
    const net = new Network({ voters: [1, 2, 3] });
    net.stabilize(); // the bootstrap Readies
    net.take();
    net.campaign(1);
    net.stabilize();
    assert.equal(
      net.take(),
      story(`
        1 is candidate at term 2
        1->2 vote term=2 log=1/3
        1->3 vote term=2 log=1/3
        2->1 voteResp term=2
        3->1 voteResp term=2
        1 is leader at term 2
        1->2 app term=2 log=1/3 commit=3 entries=[2/4]
        1->3 app term=2 log=1/3 commit=3 entries=[2/4]
        2 is follower at term 2 (leader 1)
        3 is follower at term 2 (leader 1)
        2->1 appResp term=2 index=4
        3->1 appResp term=2 index=4
        1->2 app term=2 log=2/4 commit=4
        1->3 app term=2 log=2/4 commit=4
        2->1 appResp term=2 index=4
        3->1 appResp term=2 index=4
      `),
    );
    for (const n of net.nodes.values()) assert.equal(n.commit, 4);
  });

  for (const size of [3, 5]) {
    test(`${size} nodes elect exactly one leader by timeouts alone (seeded)`, () => {
      for (const seed of [1, 2, 3, 4, 5]) {
        const net = new Network({ voters: Array.from({ length: size }, (_, i) => i + 1), seed });
        let ticks = 0;
        while (!net.leader() && ticks < 100) {
          net.tickAll();
          ticks++;
        }
        const leader = net.leader();
        assert.ok(leader, `seed ${seed}: a leader within 100 ticks`);
        net.tickAll(2);
        const leaders = [...net.nodes.values()].filter((n) => n.role === "leader");
        assert.equal(leaders.length, 1, `seed ${seed}`);
        for (const n of net.nodes.values()) {
          assert.equal(n.status().softState.leader, leader.id, `seed ${seed}: node ${n.id} follows the leader`);
          assert.equal(n.term, leader.term);
        }
      }
    });
  }

  test("a candidate that loses its majority gives up; its term stays", () => {
    const net = new Network({ voters: [1, 2, 3] });
    net.stabilize();
    net.isolate(1);
    net.campaign(1);
    net.stabilize();
    assert.equal(net.n(1).role, "candidate");
    net.heal();
    net.campaign(2); // also at term 2: 3 votes for whoever asks first, and 1 already voted for itself
    net.stabilize();
    assert.equal(net.leader()?.id, 2n);
    assert.equal(net.n(1).role, "follower");
    assert.equal(net.n(1).term, 2);
  });

  test("a learner never campaigns", () => {
    const net = elected({ voters: [1, 2, 3] });
    net.addNode(4);
    net.proposeConfChange(1, { type: "addLearnerNode", nodeId: 4 });
    net.stabilize();
    net.n(4).raw.campaign();
    net.tick(4, 100);
    net.stabilize();
    assert.equal(net.n(4).role, "follower");
    assert.equal(net.leader()?.id, 1n);
  });
});

describe("pre-vote", () => {
  // Node 3 is cut off while the others commit "a", then campaigns twice: once alone, once after
  // the partition heals. Without pre-vote each campaign bumps its term and the higher term
  // deposes the leader even though 3 cannot win (its log is behind). With pre-vote nobody's
  // term moves.
  function rejoin(preVote: boolean): { story: string; leader: bigint | undefined; terms: number[] } {
    const net = elected({ voters: [1, 2, 3], preVote });
    net.isolate(3);
    net.propose(1, "a");
    net.stabilize();
    net.campaign(3);
    net.stabilize();
    net.heal();
    net.campaign(3);
    net.stabilize();
    return { story: net.take(), leader: net.leader()?.id, terms: [...net.nodes.values()].map((n) => n.term) };
  }

  test("with pre-vote, a partitioned node cannot disrupt the cluster", () => {
    const r = rejoin(true);
    assert.equal(
      r.story,
      story(`
        1->2 app term=2 log=2/4 commit=4 entries=[2/5 "a"]
        1->3 app term=2 log=2/4 commit=4 entries=[2/5 "a"] (dropped)
        2->1 appResp term=2 index=5
        1->2 app term=2 log=2/5 commit=5
        1->3 app term=2 log=2/5 commit=5 (dropped)
        2->1 appResp term=2 index=5
        3 is preCandidate at term 2
        3->1 preVote term=3 log=2/4 (dropped)
        3->2 preVote term=3 log=2/4 (dropped)
        3->1 preVote term=3 log=2/4
        3->2 preVote term=3 log=2/4
        1->3 preVoteResp term=2 reject
        2->3 preVoteResp term=2 reject
        3 is follower at term 2
      `),
    );
    assert.equal(r.leader, 1n);
    assert.deepEqual(r.terms, [2, 2, 2]);
  });

  test("without pre-vote, the same node deposes the leader", () => {
    const r = rejoin(false);
    assert.equal(r.leader, undefined);
    assert.deepEqual(r.terms, [4, 4, 4]);
  });

  test("a pre-candidate that wins its poll campaigns for real", () => {
    const net = new Network({ voters: [1, 2, 3], preVote: true });
    net.stabilize();
    net.take();
    net.campaign(1);
    net.stabilize();
    assert.match(
      net.take(),
      new RegExp(
        story(`
          1 is preCandidate at term 1
          1->2 preVote term=2 log=1/3
          1->3 preVote term=2 log=1/3
          2->1 preVoteResp term=2
          3->1 preVoteResp term=2
          1 is candidate at term 2
          1->2 vote term=2 log=1/3
          1->3 vote term=2 log=1/3
        `),
      ),
    );
    assert.equal(net.leader()?.id, 1n);
  });
});

describe("check-quorum", () => {
  test("a leader cut off from the quorum steps down after an election timeout", () => {
    const net = elected({ voters: [1, 2, 3], checkQuorum: true });
    net.isolate(1);
    for (let i = 0; i < 9; i++) net.tickAll();
    assert.equal(net.n(1).role, "leader", "not before the timeout");
    // The first check only forgets who was active; the second finds nobody answered.
    for (let i = 0; i < 11; i++) net.tickAll();
    assert.equal(net.n(1).role, "follower");
  });

  test("followers in contact with a leader ignore a vote request (the leader lease)", () => {
    const net = elected({ voters: [1, 2, 3], checkQuorum: true });
    net.tickAll(1);
    net.take();
    net.n(3).raw.campaign();
    net.stabilize();
    const s = net.take();
    assert.match(s, /3->1 vote term=3/);
    assert.doesNotMatch(s, /voteResp/, "1 and 2 heard from 1 within the timeout: no answer at all");
    assert.equal(net.n(1).role, "leader");
    assert.equal(net.n(1).term, 2);
    // But 3 answers the next heartbeat with its term 3, which deposes the leader: check-quorum
    // alone does not stop a node that bumped its term; pre-vote does (see above).
    net.tickAll(1);
    assert.equal(net.n(1).role, "follower");
    assert.equal(net.n(1).term, 3);
  });
});

describe("log replication", () => {
  test("a new leader repairs conflicting entries of a deposed leader", () => {
    const net = elected({ voters: [1, 2, 3] });
    // 1 is cut off and appends entries nobody else gets.
    net.isolate(1);
    net.propose(1, "lost-1");
    net.propose(1, "lost-2");
    net.stabilize();
    // 2 and 3 elect 2 and commit their own entries at the same indexes.
    net.campaign(2);
    net.stabilize();
    net.propose(2, "kept");
    net.stabilize();
    assert.equal(net.leader()?.id, 2n);
    net.heal();
    net.tickAll(2); // 2's heartbeat deposes 1; the probe finds where the logs diverge
    for (const n of net.nodes.values()) {
      assert.deepEqual(n.applied, ["kept"], `node ${n.id}`);
      assert.equal(n.storage.lastIndex(), net.n(2).storage.lastIndex());
    }
    const log1 = net.n(1).storage.entries(1, net.n(1).storage.lastIndex() + 1);
    const log2 = net.n(2).storage.entries(1, net.n(2).storage.lastIndex() + 1);
    assert.deepEqual(log1, log2);
  });

  test("a follower far behind is probed back term by term, not entry by entry", () => {
    const net = elected({ voters: [1, 2, 3] });
    net.isolate(3);
    for (let i = 0; i < 20; i++) net.propose(1, `e${i}`);
    net.stabilize();
    net.heal();
    net.take();
    net.tickAll(1);
    const s = net.take();
    // One rejection tells the leader where 3's log ends; the next append carries all 20 entries.
    assert.equal((s.match(/reject/g) ?? []).length, 1, s);
    assert.match(s, /1->3 app term=2 log=2\/4 commit=24 entries=\[2\/5 "e0", .*, 2\/24 "e19"\]/);
    assert.equal(net.n(3).applied.length, 20);
  });

  test("commit safety: an entry of an older term is never committed by counting replicas", () => {
    // Raft §5.4.2 (figure 8). One entry per append, so the old entry and the new leader's own
    // entry travel separately.
    const net = elected({ voters: [1, 2, 3], maxSizePerMsg: 1 });
    net.isolate(1);
    net.propose(1, "old"); // 2/5, on 1 only
    net.stabilize();
    net.heal();
    net.cutLink(3, 2);
    net.campaign(3); // term 3: 1 refuses (its log is longer) and steps down; 2 never hears of it
    net.stabilize();
    net.heal();
    net.campaign(1); // term 4: 1 wins and appends 4/6
    // Appends of 4/6 are lost once the followers hold "old".
    net.filter = (m) => !(m.type === "app" && m.entries.some((e) => e.term === 4) && net.n(Number(m.to)).storage.lastIndex() >= 5);
    net.stabilize();
    assert.equal(
      net.take(),
      story(`
        1->2 app term=2 log=2/4 commit=4 entries=[2/5 "old"] (dropped)
        1->3 app term=2 log=2/4 commit=4 entries=[2/5 "old"] (dropped)
        3 is candidate at term 3
        3->1 vote term=3 log=2/4
        3->2 vote term=3 log=2/4 (dropped)
        1 is follower at term 3
        1->3 voteResp term=3 reject
        1 is candidate at term 4
        1->2 vote term=4 log=2/5
        1->3 vote term=4 log=2/5
        2 is follower at term 4
        3 is follower at term 4
        2->1 voteResp term=4
        3->1 voteResp term=4
        1 is leader at term 4
        1->2 app term=4 log=2/5 commit=4 entries=[4/6]
        1->3 app term=4 log=2/5 commit=4 entries=[4/6]
        2 is follower at term 4 (leader 1)
        3 is follower at term 4 (leader 1)
        2->1 appResp term=4 index=5 reject hint=2/4
        3->1 appResp term=4 index=5 reject hint=2/4
        1->2 app term=4 log=2/4 commit=4 entries=[2/5 "old"]
        1->3 app term=4 log=2/4 commit=4 entries=[2/5 "old"]
        2->1 appResp term=4 index=5
        3->1 appResp term=4 index=5
        1->2 app term=4 log=2/5 commit=4 entries=[4/6] (dropped)
        1->3 app term=4 log=2/5 commit=4 entries=[4/6] (dropped)
      `),
    );
    // "old" is on all three, but it is from term 2: not committed.
    assert.equal(net.n(1).commit, 4);
    assert.deepEqual(net.n(1).applied, []);
    // Once a majority holds 4/6, both commit together.
    net.filter = undefined;
    net.tickAll(1);
    assert.equal(net.n(1).commit, 6);
    for (const n of net.nodes.values()) assert.deepEqual(n.applied, ["old"]);
  });

  test("the inflight window bounds appends to a silent follower; a heartbeat reopens it", () => {
    const net = elected({ voters: [1, 2, 3], maxInflightMsgs: 2 });
    net.cutLink(3, 1); // 3 receives but its answers are lost
    for (let i = 0; i < 5; i++) {
      net.propose(1, `p${i}`);
      net.stabilize();
    }
    const pr = net.n(1).status().progress!.get(3n)!;
    assert.equal(pr.state, "replicate");
    assert.equal(pr.inflight, 2);
    assert.equal(pr.paused, true);
    assert.equal(net.n(3).storage.lastIndex(), 6, "only two appends went out");
    net.heal();
    net.tickAll(1);
    assert.equal(net.n(3).applied.length, 5);
  });

  test("proposals on a follower are forwarded to the leader", () => {
    const net = elected({ voters: [1, 2, 3] });
    net.propose(3, "via-3");
    net.stabilize();
    assert.match(net.take(), /^3->1 prop entries=\[0\/0 "via-3"\]/);
    for (const n of net.nodes.values()) assert.deepEqual(n.applied, ["via-3"]);
  });
});

describe("ReadIndex", () => {
  test("on the leader: confirmed by a heartbeat round to a quorum", () => {
    const net = elected({ voters: [1, 2, 3] });
    net.readIndex(1, "r1");
    net.stabilize();
    assert.equal(
      net.take(),
      story(`
        1->2 heartbeat term=2 commit=4 ctx="r1"
        1->3 heartbeat term=2 commit=4 ctx="r1"
        2->1 heartbeatResp term=2 ctx="r1"
        3->1 heartbeatResp term=2 ctx="r1"
        1 read state index=4 ctx=r1
      `),
    );
  });

  test("on a follower: forwarded to the leader, answered with the leader's commit index", () => {
    const net = elected({ voters: [1, 2, 3] });
    net.propose(1, "x");
    net.stabilize();
    net.take();
    net.readIndex(2, "r2");
    net.stabilize();
    assert.equal(
      net.take(),
      story(`
        2->1 readIndex ctx="r2"
        1->2 heartbeat term=2 commit=5 ctx="r2"
        1->3 heartbeat term=2 commit=5 ctx="r2"
        2->1 heartbeatResp term=2 ctx="r2"
        3->1 heartbeatResp term=2 ctx="r2"
        1->2 readIndexResp term=2 index=5 ctx="r2"
        2 read state index=5 ctx=r2
      `),
    );
  });

  test("without a quorum there is no answer", () => {
    const net = elected({ voters: [1, 2, 3] });
    net.isolate(1);
    net.readIndex(1, "r");
    net.tickAll(3);
    assert.equal(net.n(1).readStates.length, 0);
  });

  test("a new leader waits until an entry of its term commits", () => {
    const net = new Network({ voters: [1, 2, 3] });
    net.stabilize();
    net.campaign(1);
    net.filter = (m) => m.type !== "app"; // votes go through, appends are held back
    net.stabilize();
    net.filter = undefined;
    assert.equal(net.n(1).role, "leader");
    net.readIndex(1, "r");
    for (const id of net.ids()) while (net.processReady(id)) {}
    assert.equal(net.n(1).readStates.length, 0, "the empty entry of term 2 is not committed");
    net.tickAll(1); // the heartbeat round brings the held-back append, then the answer
    assert.deepEqual(
      net.n(1).readStates.map((r) => r.index),
      [4],
    );
  });
});

describe("snapshots", () => {
  test("a follower behind the leader's first index catches up from a snapshot", () => {
    const net = elected({ voters: [1, 2, 3] });
    net.isolate(3);
    for (let i = 0; i < 10; i++) net.propose(1, `v${i}`);
    net.stabilize();
    net.n(1).compact();
    net.n(2).compact();
    net.propose(1, "after");
    net.stabilize();
    assert.equal(net.n(1).storage.firstIndex(), 15);
    net.heal();
    net.take();
    net.tickAll(1);
    const s = net.take();
    assert.match(s, /1->3 snap term=2 snapshot=2\/14 voters=\[1,2,3\]/);
    assert.match(s, /1->3 app term=2 log=2\/14 commit=15 entries=\[2\/15 "after"\]/);
    assert.deepEqual(net.n(3).applied, net.n(1).applied);
    assert.equal(net.n(3).applied.length, 11);
    assert.equal(net.n(1).status().progress!.get(3n)!.state, "replicate");
  });

  test("a failed snapshot is retried", () => {
    const net = elected({ voters: [1, 2, 3] });
    net.isolate(3);
    for (let i = 0; i < 3; i++) net.propose(1, `v${i}`);
    net.stabilize();
    net.n(1).compact();
    net.heal();
    net.filter = (m) => m.type !== "snap";
    net.tickAll(1); // the snapshot is lost and reported as failed
    assert.match(net.take(), /1->3 snap term=2 snapshot=2\/7 voters=\[1,2,3\] \(dropped\)/);
    assert.equal(net.n(1).status().progress!.get(3n)!.state, "probe");
    net.filter = undefined;
    net.tickAll(2);
    assert.match(net.take(), /1->3 snap term=2 snapshot=2\/7 voters=\[1,2,3\]\n/);
    assert.deepEqual(net.n(3).applied, ["v0", "v1", "v2"]);
  });
});

describe("membership", () => {
  test("add a voter: it starts empty, catches up, and then counts for the quorum", () => {
    const net = elected({ voters: [1, 2, 3] });
    net.propose(1, "before");
    net.stabilize();
    net.addNode(4);
    net.proposeConfChange(1, { type: "addNode", nodeId: 4 });
    net.stabilize();
    assert.deepEqual(net.n(1).confState.voters, [1n, 2n, 3n, 4n]);
    assert.deepEqual(net.n(4).confState.voters, [1n, 2n, 3n, 4n]);
    assert.deepEqual(net.n(4).applied, ["before"]);
    // With 4 voters the quorum is 3: losing 2 and 3 stops commits.
    net.isolate(2);
    net.isolate(3);
    net.propose(1, "needs-3-of-4");
    net.stabilize();
    assert.deepEqual(net.n(1).applied, ["before"]);
    net.heal();
    net.tickAll(1);
    assert.deepEqual(net.n(1).applied, ["before", "needs-3-of-4"]);
  });

  test("a learner receives the log but does not count toward commit, until promoted", () => {
    const net = elected({ voters: [1, 2] });
    net.addNode(3);
    net.proposeConfChange(1, { type: "addLearnerNode", nodeId: 3 });
    net.stabilize();
    assert.deepEqual(net.n(1).confState, { voters: [1n, 2n], learners: [3n] });
    net.isolate(2);
    net.propose(1, "x");
    net.stabilize();
    assert.equal(net.n(3).storage.lastIndex(), net.n(1).storage.lastIndex(), "the learner has it");
    assert.deepEqual(net.n(1).applied, [], "but 1 + a learner is not a quorum of {1, 2}");
    net.heal();
    net.tickAll(1);
    assert.deepEqual(net.n(1).applied, ["x"]);
    net.proposeConfChange(1, { type: "addNode", nodeId: 3 });
    net.stabilize();
    assert.deepEqual(net.n(3).confState, { voters: [1n, 2n, 3n], learners: [] });
    net.isolate(2);
    net.propose(1, "y");
    net.stabilize();
    assert.deepEqual(net.n(1).applied, ["x", "y"], "now 1 + 3 are a quorum");
  });

  test("remove a follower: the quorum shrinks and it hears nothing more", () => {
    const net = elected({ voters: [1, 2, 3] });
    net.proposeConfChange(1, { type: "removeNode", nodeId: 3 });
    net.stabilize();
    assert.deepEqual(net.n(1).confState.voters, [1n, 2n]);
    net.take();
    net.propose(1, "z");
    net.tickAll(1);
    assert.doesNotMatch(net.take(), /->3 /);
    assert.deepEqual(net.n(1).applied, ["z"]);
  });

  test("the leader removing itself steps down; the rest elect a new leader", () => {
    const net = elected({ voters: [1, 2, 3] });
    net.proposeConfChange(1, { type: "removeNode", nodeId: 1 });
    net.stabilize();
    assert.equal(net.n(1).role, "follower");
    net.tickAll(30);
    const leader = net.leader();
    assert.ok(leader && leader.id !== 1n);
    net.propose(Number(leader.id), "after");
    net.stabilize();
    assert.deepEqual(net.n(2).applied, ["after"]);
    assert.deepEqual(net.n(1).applied, []);
  });

  test("one change at a time: a second proposal is refused until the first is applied", () => {
    const net = elected({ voters: [1, 2, 3] });
    net.addNode(4);
    net.addNode(5);
    net.proposeConfChange(1, { type: "addNode", nodeId: 4 });
    assert.throws(() => net.proposeConfChange(1, { type: "addNode", nodeId: 5 }), (e) => {
      return e instanceof ErrProposalDropped && /already pending/.test(e.reason);
    });
    net.stabilize();
    net.proposeConfChange(1, { type: "addNode", nodeId: 5 });
    net.stabilize();
    assert.deepEqual(net.n(5).confState.voters, [1n, 2n, 3n, 4n, 5n]);
  });

  test("the last voter cannot be removed", () => {
    const net = elected({ voters: [1] });
    assert.throws(() => net.proposeConfChange(1, { type: "removeNode", nodeId: 1 }), /removed all voters/);
  });

  test("conf changes encode like raftpb.ConfChange", () => {
    const cc = { type: "addLearnerNode" as const, nodeId: 0xfedcba9876543210n, context: enc.encode("ctx") };
    const bytes = encodeConfChange(cc);
    assert.deepEqual(decodeConfChange(bytes), cc);
    // id=0, type=3, node_id, context: field keys 0x08, 0x10, 0x18, 0x22
    assert.deepEqual([...bytes.slice(0, 5)], [0x08, 0x00, 0x10, 0x03, 0x18]);
    assert.deepEqual(decodeConfChange(encodeConfChange({ type: "removeNode", nodeId: 7n, context: new Uint8Array(0) })), {
      type: "removeNode",
      nodeId: 7n,
      context: new Uint8Array(0),
    });
  });
});

describe("leader transfer", () => {
  test("the leader catches the transferee up, then tells it to campaign at once", () => {
    const net = elected({ voters: [1, 2, 3], checkQuorum: true, preVote: true });
    net.isolate(3);
    net.propose(1, "x");
    net.stabilize();
    net.heal();
    net.take();
    net.n(1).raw.transferLeader(3n);
    assert.throws(() => net.propose(1, "during"), ErrProposalDropped, "no proposals while handing over");
    net.stabilize();
    assert.equal(
      net.take(),
      story(`
        1->3 app term=2 log=2/5 commit=5
        3->1 appResp term=2 index=5 reject hint=2/4
        1->3 app term=2 log=2/4 commit=5 entries=[2/5 "x"]
        3->1 appResp term=2 index=5
        1->3 timeoutNow term=2
        3 is candidate at term 3
        3->1 vote term=3 log=2/5 ctx="CampaignTransfer"
        3->2 vote term=3 log=2/5 ctx="CampaignTransfer"
        1 is follower at term 3
        2 is follower at term 3
        1->3 voteResp term=3
        2->3 voteResp term=3
        3 is leader at term 3
        3->1 app term=3 log=2/5 commit=5 entries=[3/6]
        3->2 app term=3 log=2/5 commit=5 entries=[3/6]
        1 is follower at term 3 (leader 3)
        2 is follower at term 3 (leader 3)
        1->3 appResp term=3 index=6
        2->3 appResp term=3 index=6
        3->1 app term=3 log=3/6 commit=6
        3->2 app term=3 log=3/6 commit=6
        1->3 appResp term=3 index=6
        2->3 appResp term=3 index=6
      `),
    );
  });

  test("a transfer that cannot finish is abandoned after an election timeout", () => {
    const net = elected({ voters: [1, 2, 3] });
    net.isolate(3);
    net.n(1).raw.transferLeader(3n);
    net.stabilize();
    assert.equal(net.n(1).status().leadTransferee, 3n);
    net.tickAll(10);
    assert.equal(net.n(1).status().leadTransferee, 0n);
    assert.equal(net.n(1).role, "leader");
    net.propose(1, "ok-again");
    net.stabilize();
  });

  test("a follower forwards the transfer request to the leader", () => {
    const net = elected({ voters: [1, 2, 3] });
    net.n(2).raw.transferLeader(2n);
    net.stabilize();
    assert.equal(net.leader()?.id, 2n);
  });
});
