import assert from "node:assert/strict";
import { test } from "node:test";
import { SimpleQueue } from "./queue.js";

test("a key is handed out once at a time; re-adding while busy requeues it on done", async () => {
  const q = new SimpleQueue();
  q.add("a");
  q.add("a");
  q.add("b");
  assert.equal(q.len(), 2);
  assert.equal(await q.get(), "a");
  q.add("a");
  assert.equal(q.len(), 1, "a is dirty, not queued, while processing");
  assert.equal(await q.get(), "b");
  q.done("a");
  assert.equal(await q.get(), "a");
  q.done("a");
  q.done("b");
  assert.equal(q.len(), 0);
  q.shutDown();
  assert.equal(await q.get(), undefined);
});

test("addAfter keeps the earliest wake-up; a waiting get receives it", async () => {
  const q = new SimpleQueue();
  q.addAfter("x", 10_000);
  q.addAfter("x", 5);
  const t0 = Date.now();
  assert.equal(await q.get(), "x");
  assert.ok(Date.now() - t0 < 5_000);
  q.done("x");
  q.addRateLimited("y");
  assert.equal(q.numRequeues("y"), 1);
  q.forget("y");
  assert.equal(q.numRequeues("y"), 0);
  assert.equal(await q.get(), "y");
  q.shutDown();
});
