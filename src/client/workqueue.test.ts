import { test } from "node:test";
import assert from "node:assert/strict";
import { bucketRateLimiter, defaultControllerRateLimiter, exponentialFailureRateLimiter, newWorkQueue } from "./workqueue.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("FIFO order, duplicates collapse while queued", async () => {
  const q = newWorkQueue();
  q.add("a");
  q.add("b");
  q.add("a");
  assert.equal(q.len(), 2);
  assert.equal(await q.get(), "a");
  assert.equal(await q.get(), "b");
  assert.equal(q.len(), 0);
  q.shutDown();
});

test("a key being processed is not handed out twice; an add meanwhile re-queues it on done()", async () => {
  const q = newWorkQueue();
  q.add("a");
  const k = await q.get();
  assert.equal(k, "a");
  q.add("a");
  q.add("a");
  assert.equal(q.len(), 0, "dirty but processing: not queued");
  let second: string | undefined;
  void q.get().then((x) => (second = x));
  await sleep(5);
  assert.equal(second, undefined, "no second worker gets a while it is processed");
  q.done("a");
  await sleep(0);
  assert.equal(second, "a");
  q.done("a");
  assert.equal(q.len(), 0, "done without a new add leaves nothing queued");
  q.shutDown();
});

test("get waits for an add; shutDown drains then answers undefined", async () => {
  const q = newWorkQueue();
  const waiting = q.get();
  q.add("x");
  assert.equal(await waiting, "x");
  q.add("y");
  q.shutDown();
  q.add("z");
  assert.equal(await q.get(), "y", "queued keys are still handed out after shutDown");
  assert.equal(await q.get(), undefined);
  const blocked = newWorkQueue();
  const w = blocked.get();
  blocked.shutDown();
  assert.equal(await w, undefined, "a blocked get is released by shutDown");
});

test("addAfter delivers in ready-time order and keeps the earlier time of duplicates", async () => {
  const q = newWorkQueue();
  q.addAfter("late", 40);
  q.addAfter("early", 10);
  q.addAfter("late", 5);
  q.addAfter("early", 100);
  q.addAfter("now", 0);
  assert.equal(q.len(), 1);
  assert.equal(await q.get(), "now");
  const t0 = performance.now();
  assert.equal(await q.get(), "late");
  assert.equal(await q.get(), "early");
  assert.ok(performance.now() - t0 < 80, "nothing waited for the later duplicate times");
  await sleep(60);
  assert.equal(q.len(), 0, "superseded timers add nothing more");
  q.shutDown();
});

test("shutDown cancels waiting keys", async () => {
  const q = newWorkQueue();
  q.addAfter("a", 10);
  q.shutDown();
  await sleep(20);
  assert.equal(q.len(), 0);
});

test("per-item exponential backoff: 5 ms doubling, capped; forget resets", () => {
  const l = exponentialFailureRateLimiter<string>(5, 1000_000);
  assert.deepEqual([l.when("a"), l.when("a"), l.when("a"), l.when("b")], [5, 10, 20, 5]);
  assert.equal(l.numRequeues("a"), 3);
  l.forget("a");
  assert.equal(l.numRequeues("a"), 0);
  assert.equal(l.when("a"), 5);
  for (let i = 0; i < 2000; i++) l.when("c");
  assert.equal(l.when("c"), 1000_000);
});

test("token bucket: burst free, then 1/qps apart", () => {
  let t = 0;
  const l = bucketRateLimiter<string>(10, 3, () => t);
  assert.deepEqual([l.when("a"), l.when("b"), l.when("c")], [0, 0, 0]);
  assert.ok(Math.abs(l.when("d") - 100) < 1e-6, "4th waits 100 ms");
  assert.ok(Math.abs(l.when("e") - 200) < 1e-6, "5th waits 200 ms");
  t = 1000;
  assert.equal(l.when("f"), 0, "refilled after a second");
});

test("default controller limiter is the max of both; addRateLimited waits and counts requeues", async () => {
  const l = defaultControllerRateLimiter<string>();
  assert.equal(l.when("k"), 5);
  assert.equal(l.when("k"), 10);
  const q = newWorkQueue();
  q.addRateLimited("k");
  q.addRateLimited("k");
  assert.equal(q.numRequeues("k"), 2);
  assert.equal(q.len(), 0, "rate-limited adds wait");
  assert.equal(await q.get(), "k");
  q.done("k");
  q.forget("k");
  assert.equal(q.numRequeues("k"), 0);
  q.shutDown();
});
