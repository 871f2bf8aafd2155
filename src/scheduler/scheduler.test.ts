import { test } from "node:test";
import assert from "node:assert/strict";
import { FakeClient, FakeClock, FakeInformerFactory, FakeRecorder } from "../client/fake.js";
import { R } from "../client/resources.js";
import { ApiError } from "../client/types.js";
import type { ControllerContext } from "../controllers/types.js";
import { newScheduler } from "./scheduler.js";
import { node, pod } from "./testutil.js";
import type { Pod } from "./types.js";

const quiet = { info: () => {}, warn: () => {}, error: () => {} };

function setup() {
  const clock = new FakeClock();
  const client = new FakeClient(clock);
  const informers = new FakeInformerFactory(client);
  const recorder = new FakeRecorder();
  const ctx: ControllerContext = { client, informers, recorder: () => recorder, clock, log: quiet };
  return { clock, client, informers, recorder, ctx };
}

/** Runs cycles until the queue has nothing ready, then waits for bindings. */
async function drain(s: ReturnType<typeof newScheduler>): Promise<void> {
  while (await s.scheduleOne());
  await s.drainBindings();
}

const bound = (client: FakeClient) => Object.fromEntries(client.objectsOf<Pod>(R.pods).map((p) => [p.metadata.name, p.spec?.nodeName ?? ""]));

test("binds pending pods, spreading by resources, with Scheduled events", async () => {
  const { client, recorder, ctx } = setup();
  client.seed(R.nodes, node("n1", { cpu: "2" }), node("n2", { cpu: "2" }));
  const s = newScheduler(ctx, { seed: 1 });
  for (const name of ["a", "b", "c"]) await client.create(R.pods, "default", pod(name, { cpu: "500m" }));
  await client.create(R.pods, "default", pod("other", { spec: { schedulerName: "someone-else" } }));
  await client.create(R.pods, "default", pod("fixed", { node: "n1", cpu: "1" }));
  client.clearActions();
  await drain(s);
  const b = bound(client);
  assert.equal(b.other, "");
  assert.equal(b.fixed, "n1");
  // n1 already holds 1 cpu: least-allocated sends the first two pods to n2.
  assert.equal([b.a, b.b, b.c].filter((n) => n === "n2").length, 2);
  assert.deepEqual(client.writes().sort(), ["create pods/binding default/a", "create pods/binding default/b", "create pods/binding default/c"]);
  const binding = client.actions.find((a) => a.subresource === "binding" && a.name === "a")!.object as { target: { name: string }; metadata: { uid: string } };
  assert.equal(binding.metadata.uid, client.objectsOf<Pod>(R.pods).find((p) => p.metadata.name === "a")!.metadata.uid);
  assert.deepEqual(recorder.events.filter((e) => e.includes("default/a ")), [`Normal Scheduled Successfully assigned default/a to ${b.a}`]);
  assert.equal(client.objectsOf<Pod>(R.pods).find((p) => p.metadata.name === "a")!.status?.conditions?.[0]?.status, "True");
});

test("assumes each pod before its binding returns, so the next pod sees the resources", async () => {
  const { client, ctx } = setup();
  client.seed(R.nodes, node("n1", { cpu: "1" }), node("n2", { cpu: "1" }));
  const s = newScheduler(ctx, { seed: 3, maxInFlightBindings: 100 });
  for (const name of ["a", "b"]) await client.create(R.pods, "default", pod(name, { cpu: "800m" }));
  // Run both cycles before any binding resolves.
  await s.scheduleOne();
  await s.scheduleOne();
  await s.drainBindings();
  const b = bound(client);
  assert.notEqual(b.a, b.b);
});

test("a pod that fits nowhere gets PodScheduled=False and a FailedScheduling event, once per message", async () => {
  const { client, recorder, ctx, clock } = setup();
  client.seed(
    R.nodes,
    node("cp", { taints: [{ key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" }] }),
    node("w1", { cpu: "1" }),
    node("w2", { cpu: "1" }),
  );
  const s = newScheduler(ctx, { seed: 1 });
  await client.create(R.pods, "default", pod("big", { cpu: "2" }));
  client.clearActions();
  await drain(s);
  const msg =
    "0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu. " +
    "preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.";
  assert.deepEqual(recorder.events, [`Warning FailedScheduling ${msg}`]);
  assert.deepEqual(client.writes(), ["patch pods/status default/big"]);
  const cond = client.objectsOf<Pod>(R.pods)[0]!.status?.conditions?.find((c) => c.type === "PodScheduled");
  assert.deepEqual(
    { status: cond?.status, reason: cond?.reason, message: cond?.message, since: cond?.lastTransitionTime },
    { status: "False", reason: "Unschedulable", message: msg, since: "2026-01-01T00:00:00Z" },
  );
  assert.equal(s.queue.where("default/big"), "unschedulable");

  // A new node that can hold it moves it back (after its 1 s backoff) and it is bound there.
  client.clearActions();
  await client.create(R.nodes, undefined, node("w3", { cpu: "4" }));
  assert.equal(s.queue.where("default/big"), "backoff");
  clock.advance(1000);
  await drain(s);
  assert.equal(bound(client).big, "w3");
  assert.deepEqual(client.writes(), ["create nodes w3", "create pods/binding default/big"]);

  // The same failure again writes no second status patch.
  client.clearActions();
  await client.create(R.pods, "default", pod("big2", { cpu: "8" }));
  await drain(s);
  s.queue.moveOnEvent("NodeAdd");
  clock.advance(2000);
  await drain(s);
  assert.equal(recorder.events.filter((e) => e.startsWith("Warning")).length, 3, "an event per attempt");
  assert.deepEqual(client.writes(), ["create pods default/big2", "patch pods/status default/big2"]);
});

test("a failed binding is forgotten and retried after backoff", async () => {
  const { client, recorder, ctx, clock } = setup();
  client.seed(R.nodes, node("n1", { cpu: "1" }));
  let fail = true;
  client.addReactor((a) => (a.subresource === "binding" && fail ? new ApiError(500, "InternalError", "etcd is down") : undefined));
  const s = newScheduler(ctx, { seed: 1 });
  await client.create(R.pods, "default", pod("a", { cpu: "800m" }));
  await drain(s);
  assert.equal(bound(client).a, "");
  assert.equal(s.cache.nodeOfPod("default/a"), undefined, "forgotten");
  assert.equal(s.queue.where("default/a"), "backoff");
  assert.ok(recorder.events.includes('Warning FailedScheduling running Bind plugin "DefaultBinder": etcd is down'));
  const cond = client.objectsOf<Pod>(R.pods)[0]!.status?.conditions?.find((c) => c.type === "PodScheduled");
  assert.equal(cond?.reason, "SchedulerError");
  fail = false;
  clock.advance(10_000);
  await drain(s);
  assert.equal(bound(client).a, "n1");
});

test("deleting an assigned pod frees its resources for a waiting pod", async () => {
  const { client, ctx, clock } = setup();
  client.seed(R.nodes, node("n1", { cpu: "1" }));
  const s = newScheduler(ctx, { seed: 1 });
  await client.create(R.pods, "default", pod("first", { cpu: "800m" }));
  await drain(s);
  await client.create(R.pods, "default", pod("second", { cpu: "800m" }));
  await drain(s);
  assert.equal(s.queue.where("default/second"), "unschedulable");
  // Finishing frees the node as deleting does.
  const first = client.objectsOf<Pod>(R.pods).find((p) => p.metadata.name === "first")!;
  await client.patch(R.pods, "default", "first", "merge", { status: { phase: "Succeeded" } }, { subresource: "status" });
  assert.ok(first);
  clock.advance(1000);
  await drain(s);
  assert.equal(bound(client).second, "n1");
});

test("run() binds until aborted", async () => {
  const { client, ctx } = setup();
  client.seed(R.nodes, node("n1"));
  const s = newScheduler(ctx, { seed: 1 });
  const ac = new AbortController();
  const done = s.run(ac.signal, 1);
  for (let i = 0; i < 5; i++) await client.create(R.pods, "default", pod(`p${i}`));
  for (let i = 0; i < 50 && Object.values(bound(client)).some((n) => n === ""); i++) await new Promise((r) => setTimeout(r, 5));
  ac.abort();
  await done;
  assert.deepEqual(Object.values(bound(client)), ["n1", "n1", "n1", "n1", "n1"]);
});

test("system default spreading: pods of one service avoid each other when resources tie", async () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    const { client, ctx } = setup();
    client.seed(R.nodes, node("n1"), node("n2"));
    client.seed(R.services, { metadata: { name: "web", namespace: "default" }, spec: { selector: { app: "web" } } });
    client.seed(R.pods, pod("web-0", { node: "n1", cpu: "1", labels: { app: "web" } }), pod("db-0", { node: "n2", cpu: "1", labels: { app: "db" } }));
    const s = newScheduler(ctx, { seed });
    await client.create(R.pods, "default", pod("web-1", { cpu: "1", labels: { app: "web" } }));
    await drain(s);
    assert.equal(bound(client)["web-1"], "n2", `seed ${seed}`);
  }
});
