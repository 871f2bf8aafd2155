// MemoryStorage: the in-memory copy of the WAL. Tables of operations and what they leave behind.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ErrCompacted, ErrSnapOutOfDate, ErrUnavailable } from "./errors.js";
import { MemoryStorage } from "./storage.js";
import type { Entry } from "./types.js";

const E = (index: number, term: number, data = ""): Entry => ({ index, term, type: "normal", data: new TextEncoder().encode(data) });
const terms = (s: MemoryStorage): string =>
  s.entries(s.firstIndex(), s.lastIndex() + 1).map((e) => `${e.term}/${e.index}`).join(" ");

/** A storage compacted at 3 (term 3) holding entries 4 and 5 (terms 4 and 5). */
function storage345(): MemoryStorage {
  const s = new MemoryStorage();
  s.append([E(1, 1), E(2, 2), E(3, 3), E(4, 4), E(5, 5)]);
  s.createSnapshot(3, { voters: [1n], learners: [] }, new Uint8Array(0));
  s.compact(3);
  return s;
}

describe("MemoryStorage", () => {
  test("term(i): the snapshot's term at firstIndex-1, errors outside", () => {
    const s = storage345();
    assert.equal(s.firstIndex(), 4);
    assert.equal(s.lastIndex(), 5);
    assert.throws(() => s.term(2), ErrCompacted);
    assert.equal(s.term(3), 3);
    assert.equal(s.term(5), 5);
    assert.throws(() => s.term(6), ErrUnavailable);
  });

  test("entries(lo, hi, maxSize)", () => {
    const s = storage345();
    assert.throws(() => s.entries(3, 5), ErrCompacted);
    assert.deepEqual(s.entries(4, 6).map((e) => e.index), [4, 5]);
    assert.deepEqual(s.entries(4, 6, 1).map((e) => e.index), [4], "at least one entry even over the limit");
    assert.deepEqual(s.entries(4, 6, 32).map((e) => e.index), [4, 5]);
    assert.deepEqual(s.entries(5, 5), []);
    assert.throws(() => s.entries(4, 7), RangeError);
  });

  const appends: { name: string; add: Entry[]; want: string }[] = [
    { name: "the same entries again: no change", add: [E(4, 4), E(5, 5)], want: "4/4 5/5" },
    { name: "a conflicting suffix is replaced", add: [E(4, 4), E(5, 6), E(6, 6)], want: "4/4 6/5 6/6" },
    { name: "a conflict at the first entry", add: [E(4, 6)], want: "6/4" },
    { name: "entries already compacted are skipped", add: [E(2, 3), E(3, 3), E(4, 5)], want: "5/4" },
    { name: "a plain append", add: [E(6, 5)], want: "4/4 5/5 5/6" },
  ];
  for (const c of appends) {
    test(`append: ${c.name}`, () => {
      const s = storage345();
      s.append(c.add);
      assert.equal(terms(s), c.want);
    });
  }

  test("append with a gap is refused", () => {
    assert.throws(() => storage345().append([E(7, 5)]), /missing log entries/);
  });

  test("compact, createSnapshot and applySnapshot keep their order", () => {
    const s = storage345();
    assert.throws(() => s.compact(3), ErrCompacted);
    assert.throws(() => s.createSnapshot(3, undefined, new Uint8Array(0)), ErrSnapOutOfDate);
    s.createSnapshot(5, undefined, new Uint8Array([9]));
    assert.deepEqual(s.snapshot().meta, { index: 5, term: 5, confState: { voters: [1n], learners: [] } });
    s.compact(5);
    assert.equal(s.firstIndex(), 6);
    assert.equal(s.lastIndex(), 5);
    assert.throws(() => s.applySnapshot({ meta: { index: 4, term: 4, confState: { voters: [], learners: [] } }, data: new Uint8Array(0) }), ErrSnapOutOfDate);
    s.applySnapshot({ meta: { index: 10, term: 7, confState: { voters: [1n, 2n], learners: [] } }, data: new Uint8Array(0) });
    assert.equal(s.firstIndex(), 11);
    assert.equal(s.term(10), 7);
    assert.deepEqual(s.initialState().confState.voters, [1n, 2n]);
  });

  test("appending a long log costs O(new entries)", () => {
    // 200k single-entry appends: quadratic copying would take seconds, linear takes milliseconds.
    const s = new MemoryStorage();
    const t0 = performance.now();
    for (let i = 1; i <= 200_000; i++) s.append([E(i, 1)]);
    assert.ok(performance.now() - t0 < 2000);
    assert.equal(s.lastIndex(), 200_000);
  });
});
