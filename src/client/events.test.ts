import { test } from "node:test";
import assert from "node:assert/strict";
import { EventCorrelator, newEventBroadcaster, type CoreEvent } from "./events.js";
import { FakeClient, FakeClock } from "./fake.js";
import { R } from "./resources.js";
import { ApiError, type KObject } from "./types.js";

const quiet = { info() {}, warn() {}, error() {} };
const pod: KObject = { apiVersion: "v1", kind: "Pod", metadata: { name: "web-1", namespace: "ns", uid: "u1", resourceVersion: "7" } };

test("an identical event patches the Event it repeats (count, lastTimestamp), however much later", async () => {
  const clock = new FakeClock();
  const client = new FakeClient(clock);
  const b = newEventBroadcaster(client, clock, { log: quiet });
  const rec = b.recorder("kubelet", "node-1");
  rec.event(pod, "Normal", "Pulled", "image pulled");
  await b.flush();
  clock.advance(60_000);
  rec.event(pod, "Normal", "Pulled", "image pulled");
  rec.event(pod, "Normal", "Pulled", "another message");
  await b.flush();
  const names = client.objectsOf(R.events).map((e) => e.metadata.name);
  assert.deepEqual(client.writes(), [`create events ns/${names[0]}`, `patch events ns/${names[0]}`, `create events ns/${names[1]}`]);
  const [first] = client.objectsOf<CoreEvent>(R.events);
  assert.equal(first!.count, 2);
  assert.equal(first!.firstTimestamp, "2026-01-01T00:00:00Z");
  assert.equal(first!.lastTimestamp, "2026-01-01T00:01:00Z");
  const hex = /^web-1\.([0-9a-f]+)$/.exec(first!.metadata.name!)?.[1];
  assert.equal(BigInt("0x" + hex) / 1_000_000n, BigInt(Date.parse("2026-01-01T00:00:00Z")), "name: <object>.<hex unix nanos>");

  // client-go's event cache has no time limit for exact repeats ("x47 over 3h" in describe).
  clock.advance(3 * 3600_000);
  client.clearActions();
  rec.event(pod, "Normal", "Pulled", "image pulled");
  await b.flush();
  assert.deepEqual(client.writes(), [`patch events ns/${names[0]}`]);
  assert.equal(client.objectsOf<CoreEvent>(R.events)[0]!.count, 3);
  b.shutdown();
});

test("the 10th similar event in 10 minutes starts one combined Event that the later ones patch", async () => {
  const clock = new FakeClock();
  const client = new FakeClient(clock);
  const b = newEventBroadcaster(client, clock, { log: quiet });
  const rec = b.recorder("replicaset-controller");
  const rs: KObject = { apiVersion: "apps/v1", kind: "ReplicaSet", metadata: { name: "web", namespace: "ns", uid: "rs1" } };
  for (let i = 1; i <= 12; i++) rec.event(rs, "Normal", "SuccessfulCreate", `Created pod: web-${i}`);
  await b.flush();
  const events = client.objectsOf<CoreEvent>(R.events);
  assert.equal(events.length, 10);
  assert.deepEqual(events.slice(0, 9).map((e) => [e.message, e.count]), [...Array(9)].map((_, i) => [`Created pod: web-${i + 1}`, 1]));
  const combined = events[9]!;
  assert.equal(combined.message, "(combined from similar events): Created pod: web-12");
  assert.equal(combined.count, 3);
  assert.equal(combined.reportingComponent, "");
  assert.deepEqual(client.writes().filter((w) => w.startsWith("patch")).length, 2);

  // Ten minutes of quiet: the next one is an event of its own again.
  clock.advance(601_000);
  rec.event(rs, "Normal", "SuccessfulCreate", "Created pod: web-13");
  await b.flush();
  assert.equal(client.objectsOf<CoreEvent>(R.events).at(-1)!.message, "Created pod: web-13");
  b.shutdown();
});

test("correlator: 25 events per source and object, then one per 5 minutes; held-back repeats still count", () => {
  const c = new EventCorrelator();
  const ev = (message: string, now = 0): CoreEvent => ({
    apiVersion: "v1", kind: "Event", metadata: { name: `web-1.${now}${message}`, namespace: "ns" },
    involvedObject: { kind: "Pod", namespace: "ns", name: "web-1", uid: "u1", apiVersion: "v1" },
    reason: "BackOff", message, type: "Warning", source: { component: "kubelet", host: "n1" },
    firstTimestamp: "t", lastTimestamp: "t", count: 1, eventTime: null, reportingComponent: "kubelet", reportingInstance: "n1",
  });
  const out = [...Array(30)].map(() => c.correlate(ev("back-off"), 0));
  assert.equal(out.filter(Boolean).length, 25);
  assert.equal(out[0]!.patch, false);
  assert.equal(out[24]!.event.count, 25);
  // Another reason about the same object shares the bucket.
  assert.equal(c.correlate({ ...ev("x"), reason: "Other" }, 1000), undefined);
  const later = c.correlate(ev("back-off", 300_000), 300_000);
  assert.ok(later?.patch);
  assert.equal(later.event.count, 31, "the held-back five were counted");
});

test("a deleted Event is created again; failures are swallowed", async () => {
  const clock = new FakeClock();
  const client = new FakeClient(clock);
  const b = newEventBroadcaster(client, clock, { log: quiet });
  const rec = b.recorder("c");
  rec.event(pod, "Warning", "Failed", "x");
  await b.flush();
  const [ev] = client.objectsOf(R.events);
  await client.delete(R.events, "ns", ev!.metadata.name!);
  rec.event(pod, "Warning", "Failed", "x");
  await b.flush();
  assert.equal(client.objectsOf(R.events).length, 1, "created again after the patch found nothing");
  client.addReactor((a) => (a.verb === "create" ? new ApiError(403, "Forbidden", "no") : undefined));
  assert.doesNotThrow(() => rec.event(pod, "Normal", "Other", "y"));
  await b.flush();
  b.shutdown();
  rec.event(pod, "Normal", "After", "shutdown");
  await b.flush();
});
