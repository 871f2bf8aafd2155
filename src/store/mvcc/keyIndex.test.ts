import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { KeyIndex, revKey, type KeyAt } from "./keyIndex.js";
import type { Revision } from "./revision.js";

// A revision written "9" is {main: 9, sub: 0}; "15.1" is {main: 15, sub: 1}.
function rev(s: string): Revision {
  const [main, sub = "0"] = s.split(".");
  return { main: Number(main), sub: Number(sub) };
}
const show = (r: Revision): string => (r.sub === 0 ? `${r.main}` : `${r.main}.${r.sub}`);

/**
 * The generations of a key index in one line each: "c<created> v<version>: <revs>", and "-" for
 * the empty open generation a delete leaves behind.
 */
function shape(ki: KeyIndex): string[] {
  return ki.generations.map((g) => (g.revs.length === 0 ? "-" : `c${show(g.created)} v${g.ver}: ${g.revs.map(show).join(" ")}`));
}

function at(modified: string, created: string, version: number): KeyAt {
  return { modified: rev(modified), created: rev(created), version };
}

type Step = { put: string } | { del: string };

function build(steps: Step[]): KeyIndex {
  const ki = new KeyIndex("k");
  for (const s of steps) {
    if ("put" in s) ki.put(rev(s.put));
    else assert.equal(ki.tombstone(rev(s.del)), true, `tombstone at ${s.del}`);
  }
  return ki;
}

/**
 * A key created, updated and deleted three times; the third life had two changes in one
 * transaction (15.0 and 15.1). The open generation at the end is empty: the key is deleted now.
 */
const threeLives: Step[] = [
  { put: "3" }, { put: "5" }, { del: "7" },
  { put: "9" }, { put: "11" }, { del: "13" },
  { put: "15" }, { put: "15.1" }, { del: "17" },
];

describe("keyIndex put and tombstone", () => {
  it("starts a generation at the first put and counts versions inside it", () => {
    const ki = build([{ put: "4" }, { put: "6" }]);
    assert.deepEqual(shape(ki), ["c4 v2: 4 6"]);
    assert.deepEqual(ki.modified, rev("6"));
    assert.equal(ki.isLive(), true);
  });

  it("a delete closes the generation with its tombstone and opens an empty one", () => {
    const ki = build([{ put: "4" }, { del: "6" }]);
    assert.deepEqual(shape(ki), ["c4 v2: 4 6", "-"]);
    assert.equal(ki.isLive(), false);
    assert.equal(ki.isEmpty(), false, "history is still there");
  });

  it("a put after a delete starts a new generation with version 1", () => {
    const ki = build(threeLives);
    assert.deepEqual(shape(ki), ["c3 v3: 3 5 7", "c9 v3: 9 11 13", "c15 v3: 15 15.1 17", "-"]);
    assert.deepEqual(ki.modified, rev("17"));
  });

  it("deleting a key that is already deleted changes nothing", () => {
    const ki = build([{ put: "4" }, { del: "6" }]);
    assert.equal(ki.tombstone(rev("8")), false);
    assert.deepEqual(shape(ki), ["c4 v2: 4 6", "-"]);
    assert.deepEqual(ki.modified, rev("6"));
  });

  it("refuses a revision that is not above the last one", () => {
    const ki = build([{ put: "5.2" }]);
    for (const r of ["5.2", "5.1", "4", "4.9"]) assert.throws(() => ki.put(rev(r)), /not above/, r);
    ki.put(rev("5.3")); // same main, higher sub: a later change of the same transaction
    assert.deepEqual(ki.modified, rev("5.3"));
  });

  it("restore rebuilds one generation from the newest stored version", () => {
    const ki = new KeyIndex("k");
    ki.restore(rev("5"), rev("8"), 3);
    assert.deepEqual(shape(ki), ["c5 v3: 8"]);
    assert.deepEqual(ki.get(8), at("8", "5", 3));
    assert.equal(ki.get(7), undefined, "older versions were compacted away");
  });
});

describe("keyIndex get", () => {
  // [read revision, what it sees]: undefined when the key did not exist at that revision.
  const cases: Array<[number, KeyAt | undefined]> = [
    [0, undefined],
    [2, undefined],
    [3, at("3", "3", 1)],
    [4, at("3", "3", 1)],
    [5, at("5", "3", 2)],
    [6, at("5", "3", 2)],
    [7, undefined], // deleted at 7
    [8, undefined],
    [9, at("9", "9", 1)], // second life: versions start again at 1
    [12, at("11", "9", 2)],
    [13, undefined],
    [14, undefined],
    [15, at("15.1", "15", 2)], // the newest change of transaction 15 is what a read sees
    [16, at("15.1", "15", 2)],
    [17, undefined],
    [100, undefined],
  ];
  for (const [atRev, want] of cases) {
    it(`at revision ${atRev}`, () => {
      assert.deepEqual(build(threeLives).get(atRev), want);
    });
  }

  it("a live key is visible from its creation to any later revision", () => {
    const ki = build([{ put: "2" }, { del: "4" }, { put: "6" }]);
    assert.deepEqual(ki.get(1000), at("6", "6", 1));
    assert.equal(ki.get(5), undefined);
  });

  it("after a compaction, the kept version still reports its version and creation", () => {
    const ki = build(threeLives);
    ki.compact(6, new Set());
    assert.deepEqual(shape(ki), ["c3 v3: 5 7", "c9 v3: 9 11 13", "c15 v3: 15 15.1 17", "-"]);
    assert.deepEqual(ki.get(6), at("5", "3", 2));
    assert.deepEqual(ki.get(5), at("5", "3", 2));
    assert.equal(ki.get(4), undefined, "history below the kept version is gone");
  });
});

describe("keyIndex compact and keep", () => {
  // What compaction at each revision leaves of threeLives, and which revisions it keeps in the
  // backend: the newest revision <= the compaction revision, unless that is a tombstone, in
  // which case the whole generation goes (nobody can read a deleted key at that revision).
  const cases: Array<{ at: number; shape: string[]; keep: string[] }> = [
    { at: 1, shape: ["c3 v3: 3 5 7", "c9 v3: 9 11 13", "c15 v3: 15 15.1 17", "-"], keep: [] },
    { at: 2, shape: ["c3 v3: 3 5 7", "c9 v3: 9 11 13", "c15 v3: 15 15.1 17", "-"], keep: [] },
    { at: 3, shape: ["c3 v3: 3 5 7", "c9 v3: 9 11 13", "c15 v3: 15 15.1 17", "-"], keep: ["3"] },
    { at: 4, shape: ["c3 v3: 3 5 7", "c9 v3: 9 11 13", "c15 v3: 15 15.1 17", "-"], keep: ["3"] },
    { at: 5, shape: ["c3 v3: 5 7", "c9 v3: 9 11 13", "c15 v3: 15 15.1 17", "-"], keep: ["5"] },
    { at: 6, shape: ["c3 v3: 5 7", "c9 v3: 9 11 13", "c15 v3: 15 15.1 17", "-"], keep: ["5"] },
    { at: 7, shape: ["c9 v3: 9 11 13", "c15 v3: 15 15.1 17", "-"], keep: [] },
    { at: 8, shape: ["c9 v3: 9 11 13", "c15 v3: 15 15.1 17", "-"], keep: [] },
    { at: 9, shape: ["c9 v3: 9 11 13", "c15 v3: 15 15.1 17", "-"], keep: ["9"] },
    { at: 10, shape: ["c9 v3: 9 11 13", "c15 v3: 15 15.1 17", "-"], keep: ["9"] },
    { at: 11, shape: ["c9 v3: 11 13", "c15 v3: 15 15.1 17", "-"], keep: ["11"] },
    { at: 12, shape: ["c9 v3: 11 13", "c15 v3: 15 15.1 17", "-"], keep: ["11"] },
    { at: 13, shape: ["c15 v3: 15 15.1 17", "-"], keep: [] },
    { at: 14, shape: ["c15 v3: 15 15.1 17", "-"], keep: [] },
    // Of the two changes in transaction 15 only the later one is kept.
    { at: 15, shape: ["c15 v3: 15.1 17", "-"], keep: ["15.1"] },
    { at: 16, shape: ["c15 v3: 15.1 17", "-"], keep: ["15.1"] },
    // Every generation ended in a tombstone at or below 17: nothing is left, the index is empty.
    { at: 17, shape: ["-"], keep: [] },
    { at: 18, shape: ["-"], keep: [] },
  ];
  const keepOf = (c: { keep: string[] }) => c.keep.map((s) => revKey(rev(s))).sort();

  for (const c of cases) {
    it(`at revision ${c.at}, in one step`, () => {
      const ki = build(threeLives);
      const kept = new Set<string>();
      ki.keep(c.at, kept);
      assert.deepEqual([...kept].sort(), keepOf(c), "keep");
      assert.deepEqual(shape(ki), shape(build(threeLives)), "keep changes nothing");
      const compacted = new Set<string>();
      ki.compact(c.at, compacted);
      assert.deepEqual(shape(ki), c.shape, "shape after compact");
      assert.deepEqual([...compacted].sort(), keepOf(c), "compact keeps what keep said");
      assert.equal(ki.isEmpty(), c.shape.length === 1 && c.shape[0] === "-");
    });
  }

  it("compacting at every revision in turn gives the same results as compacting once", () => {
    const ki = build(threeLives);
    for (const c of cases) {
      const kept = new Set<string>();
      ki.keep(c.at, kept);
      assert.deepEqual([...kept].sort(), keepOf(c), `keep at ${c.at}`);
      const compacted = new Set<string>();
      ki.compact(c.at, compacted);
      assert.deepEqual(shape(ki), c.shape, `shape at ${c.at}`);
      assert.deepEqual([...compacted].sort(), keepOf(c), `kept at ${c.at}`);
    }
  });

  it("compacting in jumps (skipping revisions) gives the same results too", () => {
    const ki = build(threeLives);
    for (const c of cases.filter((_, i) => i % 3 === 1)) {
      const compacted = new Set<string>();
      ki.compact(c.at, compacted);
      assert.deepEqual(shape(ki), c.shape, `shape at ${c.at}`);
      assert.deepEqual([...compacted].sort(), keepOf(c), `kept at ${c.at}`);
    }
  });

  it("compaction above the newest revision keeps the live version", () => {
    const ki = build([{ put: "1" }, { put: "2" }]);
    const kept = new Set<string>();
    ki.compact(3, kept);
    assert.deepEqual(shape(ki), ["c1 v2: 2"]);
    assert.deepEqual([...kept], [revKey(rev("2"))]);
    assert.deepEqual(ki.get(3), at("2", "1", 2));
  });

  it("a key deleted and created again keeps only its new life after compaction past the delete", () => {
    const ki = build([{ put: "2" }, { del: "3" }, { put: "4" }]);
    const kept = new Set<string>();
    ki.compact(3, kept);
    assert.deepEqual(shape(ki), ["c4 v1: 4"]);
    assert.deepEqual([...kept], []);
    assert.equal(ki.get(3), undefined);
    assert.deepEqual(ki.get(4), at("4", "4", 1));
  });

  it("keep on an empty index adds nothing", () => {
    const kept = new Set<string>();
    new KeyIndex("k").keep(10, kept);
    assert.equal(kept.size, 0);
  });
});
