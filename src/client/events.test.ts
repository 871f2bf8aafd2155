import { test } from "node:test";
import assert from "node:assert/strict";
import { newEventBroadcaster } from "./events.js";
import { FakeClient, FakeClock } from "./fake.js";
import { R } from "./resources.js";
import { ApiError, type KObject } from "./types.js";

const quiet = { info() {}, warn() {}, error() {} };
const pod: KObject = { apiVersion: "v1", kind: "Pod", metadata: { name: "web-1", namespace: "ns", uid: "u1", resourceVersion: "7" } };

test("identical events within 10 minutes are one Event counted; later ones a new Event", async () => {
  const clock = new FakeClock();
  const client = new FakeClient(clock);
  const b = newEventBroadcaster(client, clock, { log: quiet });
  const rec = b.recorder("kubelet", "node-1");
  rec.event(pod, "Normal", "Pulled", "image pulled");
  clock.advance(60_000);
  rec.event(pod, "Normal", "Pulled", "image pulled");
  rec.event(pod, "Normal", "Pulled", "another message");
  await b.flush();
  assert.deepEqual(client.writes(), ["create events ns/" + client.objectsOf(R.events)[0]!.metadata.name, "patch events ns/" + client.objectsOf(R.events)[0]!.metadata.name, `create events ns/${client.objectsOf(R.events)[1]!.metadata.name}`]);
  const [first] = client.objectsOf<KObject & { count: number; firstTimestamp: string; lastTimestamp: string }>(R.events);
  assert.equal(first!.count, 2);
  assert.equal(first!.firstTimestamp, "2026-01-01T00:00:00Z");
  assert.equal(first!.lastTimestamp, "2026-01-01T00:01:00Z");
  const hex = /^web-1\.([0-9a-f]+)$/.exec(first!.metadata.name!)?.[1];
  assert.equal(BigInt("0x" + hex) / 1_000_000n, BigInt(Date.parse("2026-01-01T00:00:00Z")), "name: <object>.<hex unix nanos>");

  clock.advance(11 * 60_000);
  client.clearActions();
  rec.event(pod, "Normal", "Pulled", "image pulled");
  await b.flush();
  assert.equal(client.writes().length, 1);
  assert.match(client.writes()[0]!, /^create events/);
  b.shutdown();
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
