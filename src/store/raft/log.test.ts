// The raft log (stable storage + unstable tail), progress flow control and inflights, as tables.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { RaftLog } from "./log.js";
import { Inflights, Progress } from "./progress.js";
import { MemoryStorage } from "./storage.js";
import type { Entry } from "./types.js";

const E = (index: number, term: number): Entry => ({ index, term, type: "normal", data: new Uint8Array(0) });
const tail = (l: RaftLog, from = l.firstIndex()): string =>
  l.slice(from, l.lastIndex() + 1).map((e) => `${e.term}/${e.index}`).join(" ");

/** Stable 1/1 2/2 3/3 in storage, unstable 3/4 3/5, committed 2. */
function log(): RaftLog {
  const s = new MemoryStorage();
  s.append([E(1, 1), E(2, 2), E(3, 3)]);
  const l = new RaftLog(s);
  l.append([E(4, 3), E(5, 3)]);
  l.committed = 2;
  return l;
}

describe("RaftLog", () => {
  test("terms and indexes span storage and the unstable tail", () => {
    const l = log();
    assert.equal(l.firstIndex(), 1);
    assert.equal(l.lastIndex(), 5);
    assert.equal(l.lastTerm(), 3);
    assert.equal(l.termOrUndefined(3), 3);
    assert.equal(l.termOrUndefined(5), 3);
    assert.equal(l.termOrUndefined(6), undefined);
    assert.equal(tail(l), "1/1 2/2 3/3 3/4 3/5");
    assert.equal(l.persistedLastIndex(), 3);
  });

  const appends: { name: string; index: number; logTerm: number; commit: number; ents: Entry[]; want: number | undefined; log: string; committed: number }[] = [
    { name: "prev entry mismatch: refused", index: 5, logTerm: 4, commit: 5, ents: [E(6, 4)], want: undefined, log: "1/1 2/2 3/3 3/4 3/5", committed: 2 },
    { name: "beyond our log: refused", index: 6, logTerm: 3, commit: 5, ents: [], want: undefined, log: "1/1 2/2 3/3 3/4 3/5", committed: 2 },
    { name: "append at the end, commit follows the leader", index: 5, logTerm: 3, commit: 6, ents: [E(6, 4)], want: 6, log: "1/1 2/2 3/3 3/4 3/5 4/6", committed: 6 },
    { name: "commit is capped at what the message vouches for", index: 3, logTerm: 3, commit: 9, ents: [E(4, 3)], want: 4, log: "1/1 2/2 3/3 3/4 3/5", committed: 4 },
    { name: "conflict in the unstable tail: replaced", index: 3, logTerm: 3, commit: 3, ents: [E(4, 4)], want: 4, log: "1/1 2/2 3/3 4/4", committed: 3 },
    { name: "conflict reaching into storage: replaced", index: 2, logTerm: 2, commit: 2, ents: [E(3, 4), E(4, 4)], want: 4, log: "1/1 2/2 4/3 4/4", committed: 2 },
    { name: "an old, already-held message changes nothing", index: 1, logTerm: 1, commit: 2, ents: [E(2, 2)], want: 2, log: "1/1 2/2 3/3 3/4 3/5", committed: 2 },
  ];
  for (const c of appends) {
    test(`maybeAppend: ${c.name}`, () => {
      const l = log();
      assert.equal(l.maybeAppend(c.index, c.logTerm, c.commit, c.ents), c.want);
      assert.equal(tail(l), c.log);
      assert.equal(l.committed, c.committed);
    });
  }

  test("a conflict with a committed entry is a bug, not a repair", () => {
    const l = log();
    assert.throws(() => l.maybeAppend(1, 1, 2, [E(2, 9)]), /conflicts with committed/);
  });

  test("findConflictByTerm skips back over a whole term", () => {
    const l = log();
    assert.deepEqual(l.findConflictByTerm(5, 2), { index: 2, term: 2 });
    assert.deepEqual(l.findConflictByTerm(5, 3), { index: 5, term: 3 });
    assert.deepEqual(l.findConflictByTerm(5, 0), { index: 0, term: 0 });
  });

  test("stableTo drops the persisted prefix, unless the tail changed meanwhile", () => {
    const l = log();
    l.stableTo(5, 2); // wrong term: a newer append replaced it
    assert.equal(l.persistedLastIndex(), 3);
    l.stableTo(4, 3);
    assert.equal(l.persistedLastIndex(), 4);
    assert.deepEqual(l.unstable.entries.map((e) => e.index), [5]);
  });

  test("maybeCommit commits only entries of the given term", () => {
    const l = log();
    assert.equal(l.maybeCommit(3, 4), false);
    assert.equal(l.maybeCommit(5, 3), true);
    assert.equal(l.committed, 5);
  });

  test("isUpToDate compares last term, then length", () => {
    const l = log();
    assert.equal(l.isUpToDate(1, 4), true);
    assert.equal(l.isUpToDate(5, 3), true);
    assert.equal(l.isUpToDate(4, 3), false);
    assert.equal(l.isUpToDate(9, 2), false);
  });

  test("slice respects maxSize across storage and the unstable tail", () => {
    const l = log();
    assert.equal(l.slice(2, 6, 40).length, 2); // 16 bytes of header estimate per empty entry
    assert.equal(l.slice(2, 6).length, 4);
  });
});

describe("Progress", () => {
  const mk = (match: number, next: number): Progress => new Progress({ match, next, maxInflight: 3, isLearner: false, recentActive: true });

  test("probe: one append at a time; a rejection moves next back by the hint", () => {
    const p = mk(0, 11);
    p.sentEntries(3, 13);
    assert.equal(p.isPaused(), true);
    assert.equal(p.maybeDecrTo(9, 5), false, "stale: not about the last probe");
    assert.equal(p.maybeDecrTo(10, 5), true);
    assert.equal(p.next, 6);
    assert.equal(p.isPaused(), false);
  });

  test("replicate: stream until the inflight window is full", () => {
    const p = mk(5, 6);
    p.becomeReplicate();
    p.sentEntries(2, 7);
    p.sentEntries(2, 9);
    p.sentEntries(1, 10);
    assert.equal(p.next, 11);
    assert.equal(p.isPaused(), true);
    p.maybeUpdate(9);
    p.inflights.freeLE(9);
    assert.equal(p.isPaused(), false);
    assert.equal(p.maybeDecrTo(8, 0), false, "below match: stale");
    assert.equal(p.maybeDecrTo(10, 0), true);
    assert.equal(p.next, 10);
  });

  test("snapshot: paused until reported; probing resumes past the snapshot", () => {
    const p = mk(2, 3);
    p.becomeSnapshot(20);
    assert.equal(p.isPaused(), true);
    p.becomeProbe();
    assert.equal(p.next, 21);
  });
});

describe("Inflights", () => {
  test("a ring buffer of last indexes", () => {
    const inf = new Inflights(3);
    for (const i of [3, 5, 7]) inf.add(i);
    assert.equal(inf.full(), true);
    assert.throws(() => inf.add(9));
    inf.freeLE(5);
    assert.equal(inf.count, 1);
    inf.add(9);
    inf.add(11);
    inf.freeLE(10);
    assert.equal(inf.count, 1);
    inf.freeFirstOne();
    assert.equal(inf.count, 0);
  });
});
