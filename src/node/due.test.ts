import assert from "node:assert/strict";
import { test } from "node:test";
import { DueQueue } from "./due.js";

test("DueQueue answers due keys in time order, keeps the earliest time, and skips cancelled keys", () => {
  const q = new DueQueue();
  q.schedule("c", 30);
  q.schedule("a", 10);
  q.schedule("b", 20);
  q.schedule("c", 5); // earlier wins
  q.schedule("a", 50); // later is ignored
  q.schedule("d", 40);
  q.cancel("d");
  assert.equal(q.next(), 5);
  assert.deepEqual(q.popDue(20), ["c", "a", "b"]);
  assert.equal(q.next(), undefined);
  q.schedule("x", 100);
  q.reschedule("x", 200);
  assert.deepEqual(q.popDue(150), []);
  assert.deepEqual(q.popDue(200), ["x"]);
  assert.equal(q.size, 0);
});

test("DueQueue orders many keys", () => {
  const q = new DueQueue();
  const times = Array.from({ length: 500 }, (_, i) => (i * 7919) % 1000);
  times.forEach((t, i) => q.schedule(`k${i}`, t));
  const out = q.popDue(1000).map((k) => times[Number(k.slice(1))]!);
  assert.equal(out.length, 500);
  for (let i = 1; i < out.length; i++) assert.ok(out[i - 1]! <= out[i]!);
});
