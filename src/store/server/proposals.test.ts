import assert from "node:assert/strict";
import { test } from "node:test";
import { ID_MASK, ProposalQueue } from "./proposals.js";

test("proposals: in-order takes, holes, growth, wrap-around and drain", () => {
  const q = new ProposalQueue<string>();
  const ids: number[] = [];
  for (let i = 0; i < 40; i++) {
    const id = q.nextId;
    ids.push(id);
    q.add(id, `v${i}`);
  }
  assert.deepEqual(ids, Array.from({ length: 40 }, (_, i) => i));
  assert.equal(q.size, 40);
  // Out of order: a hole stays until the head reaches it.
  assert.equal(q.take(5), "v5");
  assert.equal(q.take(5), undefined);
  assert.equal(q.get(5), undefined);
  assert.equal(q.get(6), "v6");
  for (let i = 0; i < 5; i++) assert.equal(q.take(i), `v${i}`);
  assert.deepEqual(q.oldest(), { id: 6, value: "v6" });
  assert.equal(q.take(1000), undefined);
  assert.equal(q.size, 34);
  // Taking everything keeps the sequence going: ids are never handed out twice.
  for (let i = 6; i < 40; i++) assert.equal(q.take(i), `v${i}`);
  assert.equal(q.size, 0);
  assert.equal(q.oldest(), undefined);
  assert.equal(q.nextId, 40);
  q.add(40, "x");
  assert.deepEqual(q.drain(), ["x"]);
  assert.equal(q.nextId, 41);
  assert.throws(() => {
    q.add(41, "a");
    q.add(43, "b");
  }, /out of order/);
});

test("proposals: ids wrap at 2^30", () => {
  const q = new ProposalQueue<number>();
  q.add(ID_MASK - 1, 1);
  q.add(ID_MASK, 2);
  assert.equal(q.nextId, 0);
  q.add(0, 3);
  q.add(1, 4);
  assert.equal(q.get(ID_MASK), 2);
  assert.equal(q.get(1), 4);
  assert.equal(q.get(2), undefined);
  assert.equal(q.take(ID_MASK - 1), 1);
  assert.equal(q.take(0), 3);
  assert.equal(q.take(ID_MASK), 2);
  assert.deepEqual(q.oldest(), { id: 1, value: 4 });
});
