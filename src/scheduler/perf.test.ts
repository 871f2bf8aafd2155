import { test } from "node:test";
import assert from "node:assert/strict";
import { FakeClient, FakeClock, FakeInformerFactory, FakeRecorder } from "../client/fake.js";
import { R } from "../client/resources.js";
import { newPodInfo } from "./cache.js";
import { defaultProfile, schedulePod, seededRandom } from "./framework.js";
import { newScheduler } from "./scheduler.js";
import { cacheWith, node, pod } from "./testutil.js";
import { labelSelectorFromMeta, matchesLabels, type LabelSelector } from "../apiserver/selectors/index.js";

const zones = ["z1", "z2", "z3"];
const nodes = (n: number) => [...Array(n)].map((_, i) => node(`n${i}`, { cpu: "32", memory: "128Gi", labels: { "topology.kubernetes.io/zone": zones[i % 3]! } }));

test("10,000 pods over 1,000 nodes: the cycles alone take seconds at most", () => {
  const cache = cacheWith(nodes(1000));
  const profile = defaultProfile();
  const state = { nextStartNodeIndex: 0 };
  const random = seededRandom(1);
  const t0 = performance.now();
  for (let i = 0; i < 10_000; i++) {
    const p = pod(`p${i}`, { cpu: "100m", memory: "128Mi", labels: { app: `a${i % 50}` } });
    const info = newPodInfo(p);
    const r = schedulePod(profile, info, cache, state, { random });
    assert.equal(r.kind, "scheduled");
    if (r.kind === "scheduled") cache.assume(info, r.node);
  }
  const ms = performance.now() - t0;
  const perNode = cache.nodes.map((n) => n.pods.length);
  assert.ok(Math.max(...perNode) - Math.min(...perNode) <= 3, `spread evenly: ${Math.min(...perNode)}..${Math.max(...perNode)}`);
  assert.ok(ms < 15_000, `took ${ms.toFixed(0)} ms`);
  console.log(`# 10k pods / 1k nodes, cycles only: ${ms.toFixed(0)} ms`);
});

test("2,000 pods over 500 nodes through the shell and FakeClient", async () => {
  const clock = new FakeClock();
  const client = new FakeClient(clock);
  const informers = new FakeInformerFactory(client);
  const recorder = new FakeRecorder();
  client.seed(R.nodes, ...nodes(500));
  for (let i = 0; i < 2000; i++) client.seed(R.pods, pod(`p${i}`, { cpu: "100m", labels: { app: `a${i % 20}` } }));
  const s = newScheduler({ client, informers, recorder: () => recorder, clock, log: { info() {}, warn() {}, error() {} } }, { seed: 1 });
  const t0 = performance.now();
  while (await s.scheduleOne());
  await s.drainBindings();
  const ms = performance.now() - t0;
  assert.equal(client.objectsOf(R.pods).filter((p) => !(p.spec as { nodeName?: string }).nodeName).length, 0);
  assert.ok(ms < 15_000, `took ${ms.toFixed(0)} ms`);
  console.log(`# 2k pods / 500 nodes through FakeClient: ${ms.toFixed(0)} ms`);
});

test("system default spreading: memoized counts and running domain totals place pods exactly as counting afresh", () => {
  // Pods of 10 ReplicaSets; the default spread selects each set's pods (as the scheduler's
  // defaultSelector does from the owner). With a key the per-node counts are memoized.
  const run = (withKey: boolean, nodeCount: number, podCount: number) => {
    const cache = cacheWith(nodes(nodeCount));
    const selectors = new Map<string, LabelSelector>();
    const profile = defaultProfile({
      defaultSelector: (p) => {
        const app = p.labels.app;
        if (!app) return undefined;
        let sel = selectors.get(app);
        if (!sel) selectors.set(app, (sel = labelSelectorFromMeta({ matchLabels: { app } })));
        return { matches: (l: Record<string, string>) => matchesLabels(sel, l), ...(withKey ? { key: `app=${app}` } : {}) };
      },
    });
    const state = { nextStartNodeIndex: 0 };
    const random = seededRandom(7);
    const placed: string[] = [];
    const t0 = performance.now();
    for (let i = 0; i < podCount; i++) {
      const info = newPodInfo(pod(`p${i}`, { cpu: "100m", memory: "64Mi", labels: { app: `a${i % 10}`, "pod-template-hash": "x" } }));
      const r = schedulePod(profile, info, cache, state, { random });
      assert.equal(r.kind, "scheduled");
      if (r.kind !== "scheduled") continue;
      cache.assume(info, r.node);
      placed.push(r.node);
      // Some pods go away again, nodes come, change zone and go: memo and totals must notice.
      if (i % 7 === 0) cache.forget(info.key);
      if (i === 500) for (let k = 0; k < 20; k++) cache.addNode(node(`late${k}`, { cpu: "32", memory: "128Gi", labels: { "topology.kubernetes.io/zone": zones[k % 3]! } }));
      if (i === 900) cache.addNode(node("n5", { cpu: "32", memory: "128Gi", labels: { "topology.kubernetes.io/zone": "z9" } }));
      if (i === 1300) cache.removeNode("n7");
    }
    return { placed, ms: performance.now() - t0 };
  };
  const fresh = run(false, 200, 2000);
  const memo = run(true, 200, 2000);
  assert.deepEqual(memo.placed, fresh.placed);
  const big = run(true, 1000, 10_000);
  console.log(`# 2k pods / 200 nodes with default spreading: ${fresh.ms.toFixed(0)} ms counting afresh, ${memo.ms.toFixed(0)} ms memoized; 10k / 1k memoized: ${big.ms.toFixed(0)} ms`);
});
