import { test } from "node:test";
import assert from "node:assert/strict";
import { SchedulingQueue } from "./queue.js";
import { pod } from "./testutil.js";

function setup() {
  let now = 1_000_000;
  const q = new SchedulingQueue(() => now);
  return { q, advance: (ms: number) => (now += ms) };
}

test("activeQ: higher priority first, then arrival order", () => {
  const { q, advance } = setup();
  q.add("ns/a", pod("a", { spec: { priority: 0 } }));
  advance(1);
  q.add("ns/b", pod("b", { spec: { priority: 10 } }));
  advance(1);
  q.add("ns/c", pod("c", { spec: { priority: 0 } }));
  advance(1);
  q.add("ns/d", pod("d", { spec: { priority: 10 } }));
  const order = [q.pop(), q.pop(), q.pop(), q.pop(), q.pop()].map((x) => x?.key);
  assert.deepEqual(order, ["ns/b", "ns/d", "ns/a", "ns/c", undefined]);
});

test("backoff doubles from 1 s to 10 s", () => {
  const { q } = setup();
  assert.deepEqual([1, 2, 3, 4, 5, 6].map((a) => q.backoffDuration(a)), [1000, 2000, 4000, 8000, 10000, 10000]);
});

test("unschedulable pods wait for an event that may help, then back off", () => {
  const { q, advance } = setup();
  q.add("ns/fit", pod("fit"));
  q.add("ns/aff", pod("aff"));
  const fit = q.pop()!;
  const aff = q.pop()!;
  q.addUnschedulable(fit, new Set(["NodeResourcesFit"]));
  q.addUnschedulable(aff, new Set(["InterPodAffinity"]));
  assert.equal(q.moveOnEvent("AssignedPodAdd"), 1, "a new pod can satisfy affinity, not free resources");
  assert.equal(q.where("ns/aff"), "backoff");
  assert.equal(q.where("ns/fit"), "unschedulable");
  advance(999);
  q.flush();
  assert.equal(q.pop(), undefined, "still backing off after 999 ms of a 1 s backoff");
  advance(1);
  q.flush();
  assert.equal(q.pop()?.key, "ns/aff");
  assert.equal(q.moveOnEvent("AssignedPodDelete"), 1);
  advance(1000);
  q.flush();
  assert.equal(q.pop()?.key, "ns/fit");
});

test("a node event moves every parked pod; past backoff goes straight to activeQ", () => {
  const { q, advance } = setup();
  q.add("ns/a", pod("a"));
  const a = q.pop()!;
  q.addUnschedulable(a, new Set(["TaintToleration"]));
  advance(5000);
  q.moveOnEvent("NodeAdd");
  assert.equal(q.where("ns/a"), "active");
});

test("parked pods come back after 5 minutes without events", () => {
  const { q, advance } = setup();
  q.add("ns/a", pod("a"));
  q.addUnschedulable(q.pop()!, new Set(["NodeAffinity"]));
  advance(60_000);
  q.flush();
  assert.equal(q.where("ns/a"), "unschedulable");
  advance(4 * 60_000);
  q.flush();
  assert.equal(q.where("ns/a"), "active");
});

test("an update gives a parked pod another try; delete forgets it anywhere", () => {
  const { q, advance } = setup();
  q.add("ns/a", pod("a"));
  q.addUnschedulable(q.pop()!, new Set(["NodeAffinity"]));
  advance(2000);
  q.update("ns/a", pod("a", { labels: { x: "y" } }));
  assert.equal(q.where("ns/a"), "active");
  q.delete("ns/a");
  assert.equal(q.where("ns/a"), undefined);
  assert.equal(q.pop(), undefined);
});

test("a pod deleted while being scheduled is not parked", () => {
  const { q } = setup();
  q.add("ns/a", pod("a"));
  const a = q.pop()!;
  q.delete("ns/a");
  q.addUnschedulable(a, new Set());
  assert.equal(q.where("ns/a"), undefined);
});
