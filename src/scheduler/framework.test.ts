import { test } from "node:test";
import assert from "node:assert/strict";
import { defaultProfile, fitErrorMessage, numFeasibleNodesToFind, preemptionMessage, schedulePod, scoreNodes, seededRandom, selectHost } from "./framework.js";
import { cacheWith, info, node, pod } from "./testutil.js";
import type { Node, Pod, PodSpec } from "./types.js";

const profile = defaultProfile();

/** Schedules `p` over the nodes and assigned pods: the chosen node, or kube's full failure message. */
function outcome(nodes: Node[], assigned: Pod[], p: Pod, seed = 1): string {
  const cache = cacheWith(nodes, assigned);
  const pi = info(p);
  const r = schedulePod(profile, pi, cache, { nextStartNodeIndex: 0 }, { random: seededRandom(seed) });
  if (r.kind === "scheduled") return `node ${r.node}`;
  if (r.kind === "noNodes") return "no nodes";
  return fitErrorMessage(r.diagnosis, preemptionMessage(profile, pi, cache, r.diagnosis));
}

const cp = node("cp", { labels: { "node-role.kubernetes.io/control-plane": "" }, taints: [{ key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" }] });

test("failure message: taints and resources, counted and sorted, with preemption's tail", () => {
  const msg = outcome([cp, node("w1", { cpu: "1" }), node("w2", { cpu: "1" })], [], pod("p", { cpu: "2" }));
  assert.equal(
    msg,
    "0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu. " +
      "preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.",
  );
});

test("failure message: only unresolvable reasons make preemption not helpful everywhere", () => {
  const msg = outcome([cp, node("w1", { labels: { disk: "hdd" } })], [], pod("p", { spec: { nodeSelector: { disk: "ssd" } } }));
  assert.equal(
    msg,
    "0/2 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }. " +
      "preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.",
  );
});

test("failure message: preemptionPolicy Never, several reasons on one node, pod count", () => {
  const n = node("w1", { cpu: "1", memory: "1Gi", pods: 1 });
  const msg = outcome([n], [pod("old", { node: "w1" })], pod("p", { cpu: "2", memory: "2Gi", spec: { preemptionPolicy: "Never" } }));
  assert.equal(msg, "0/1 nodes are available: 1 Insufficient cpu, 1 Insufficient memory, 1 Too many pods. preemption: not eligible due to preemptionPolicy=Never.");
});

test("preemption that would help adds no tail; one that would not names the remaining reason", () => {
  const nodes = [node("w1", { cpu: "1" })];
  const low = pod("low", { node: "w1", cpu: "800m", spec: { priority: 0 } });
  assert.equal(outcome(nodes, [low], pod("p", { cpu: "500m", spec: { priority: 100 } })), "0/1 nodes are available: 1 Insufficient cpu.");
  assert.equal(
    outcome(nodes, [low], pod("p", { cpu: "2", spec: { priority: 100 } })),
    "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 Insufficient cpu.",
  );
});

test("no nodes at all", () => {
  assert.equal(outcome([], [], pod("p")), "no nodes");
});

test("fitErrorMessage: prefilter message replaces node reasons; absent nodes share a status", () => {
  const statuses = new Map([["a", { code: "Unschedulable" as const, reasons: ["Insufficient cpu"], plugin: "NodeResourcesFit" }]]);
  assert.equal(
    fitErrorMessage({ numAllNodes: 3, statuses, absent: { code: "UnschedulableAndUnresolvable", reasons: ["node(s) didn't satisfy plugin(s) [NodeAffinity]"], plugin: "" } }),
    "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't satisfy plugin(s) [NodeAffinity].",
  );
  assert.equal(fitErrorMessage({ numAllNodes: 3, statuses, preFilterMsg: "pod affinity terms conflict" }, "preemption: x."), "0/3 nodes are available: pod affinity terms conflict. preemption: x.");
});

const spec = (s: Partial<PodSpec>) => ({ spec: s });

test("filters, one case each", () => {
  const cases: { name: string; nodes: Node[]; assigned?: Pod[]; pod: Pod; want: string }[] = [
    {
      name: "unschedulable node",
      nodes: [node("a", { unschedulable: true })],
      pod: pod("p"),
      want: "0/1 nodes are available: 1 node(s) were unschedulable. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.",
    },
    {
      name: "unschedulable node tolerated",
      nodes: [node("a", { unschedulable: true })],
      pod: pod("p", spec({ tolerations: [{ key: "node.kubernetes.io/unschedulable", operator: "Exists", effect: "NoSchedule" }] })),
      want: "node a",
    },
    {
      name: "NoExecute taint with value, Equal toleration of another value",
      nodes: [node("a", { taints: [{ key: "k", value: "v", effect: "NoExecute" }] })],
      pod: pod("p", spec({ tolerations: [{ key: "k", operator: "Equal", value: "w" }] })),
      want: "0/1 nodes are available: 1 node(s) had untolerated taint {k: v}. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.",
    },
    {
      name: "PreferNoSchedule taint does not filter",
      nodes: [node("a", { taints: [{ key: "k", effect: "PreferNoSchedule" }] })],
      pod: pod("p"),
      want: "node a",
    },
    {
      name: "required node affinity: In and Gt",
      nodes: [node("a", { labels: { zone: "z1", gen: "3" } }), node("b", { labels: { zone: "z1", gen: "5" } })],
      pod: pod("p", spec({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "zone", operator: "In", values: ["z1"] }, { key: "gen", operator: "Gt", values: ["4"] }] }] } } } })),
      want: "node b",
    },
    {
      name: "matchFields metadata.name narrows the nodes; the others are 'didn't satisfy plugin(s)'",
      nodes: [node("a", { cpu: "1" }), node("b"), node("c")],
      pod: pod("p", { cpu: "2", ...spec({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: "metadata.name", operator: "In", values: ["a"] }] }] } } } }) }),
      want:
        "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't satisfy plugin(s) [NodeAffinity]. " +
        "preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling.",
    },
    {
      name: "conflicting matchFields terms reject at PreFilter",
      nodes: [node("a"), node("b")],
      pod: pod("p", spec({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: "metadata.name", operator: "In", values: ["a"] }, { key: "metadata.name", operator: "In", values: ["b"] }] }] } } } })),
      want: "0/2 nodes are available: pod affinity terms conflict. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.",
    },
    {
      name: "host port taken on 0.0.0.0 conflicts with a specific address",
      nodes: [node("a")],
      assigned: [pod("x", { node: "a", spec: { containers: [{ name: "c", ports: [{ containerPort: 80, hostPort: 8080 }] }] } })],
      pod: pod("p", spec({ containers: [{ name: "c", ports: [{ containerPort: 80, hostPort: 8080, hostIP: "10.0.0.1" }] }] })),
      want: "0/1 nodes are available: 1 node(s) didn't have free ports for the requested pod ports. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.",
    },
    {
      name: "host port on another protocol is free",
      nodes: [node("a")],
      assigned: [pod("x", { node: "a", spec: { containers: [{ name: "c", ports: [{ containerPort: 80, hostPort: 8080 }] }] } })],
      pod: pod("p", spec({ containers: [{ name: "c", ports: [{ containerPort: 80, hostPort: 8080, protocol: "UDP" }] }] })),
      want: "node a",
    },
    {
      name: "extended resource",
      nodes: [node("a"), node("b", { extra: { "example.com/gpu": "2" } })],
      pod: pod("p", spec({ containers: [{ name: "c", resources: { requests: { "example.com/gpu": "1" } } }] })),
      want: "node b",
    },
  ];
  for (const c of cases) assert.equal(outcome(c.nodes, c.assigned ?? [], c.pod), c.want, c.name);
});

const zoned = (name: string, zone: string) => node(name, { labels: { "topology.kubernetes.io/zone": zone } });
const term = (labels: Record<string, string>, topologyKey: string) => ({ labelSelector: { matchLabels: labels }, topologyKey });

test("inter-pod affinity: required affinity, first pod of a self-affine group, anti-affinity both ways", () => {
  const nodes = [zoned("a", "z1"), zoned("b", "z2")];
  const web = pod("web", { node: "b", labels: { app: "web" } });
  const withWeb = pod("p", { labels: { app: "cache" }, spec: { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: "web" }, "topology.kubernetes.io/zone")] } } } });
  assert.equal(outcome(nodes, [web], withWeb), "node b");
  assert.equal(
    outcome(nodes, [], withWeb),
    "0/2 nodes are available: 2 node(s) didn't match pod affinity rules. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.",
  );
  const selfAffine = pod("p", { labels: { app: "web" }, spec: { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: "web" }, "topology.kubernetes.io/zone")] } } } });
  assert.match(outcome(nodes, [], selfAffine), /^node /);
  const anti = pod("p", { labels: { app: "web" }, spec: { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: "web" }, "kubernetes.io/hostname")] } } } });
  assert.equal(outcome(nodes, [web], anti), "node a");
  const antiOnA = pod("x", { node: "a", labels: { app: "web" } });
  assert.equal(
    outcome(nodes, [web, antiOnA], anti),
    "0/2 nodes are available: 2 node(s) didn't match pod anti-affinity rules. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.",
  );
  // An existing pod's anti-affinity keeps a matching newcomer out of its zone.
  const guard = pod("guard", { node: "b", labels: { app: "guard" }, spec: { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: "web" }, "topology.kubernetes.io/zone")] } } } });
  assert.equal(outcome(nodes, [guard], pod("p", { labels: { app: "web" } })), "node a");
  assert.equal(
    outcome([zoned("b", "z2")], [guard], pod("p", { labels: { app: "web" } })),
    "0/1 nodes are available: 1 node(s) didn't satisfy existing pods anti-affinity rules. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.",
  );
});

test("pod topology spread: DoNotSchedule maxSkew and missing label", () => {
  const nodes = [zoned("a", "z1"), zoned("b", "z2"), node("nolabel")];
  const spread = (name: string) =>
    pod(name, { labels: { app: "s" }, spec: { topologySpreadConstraints: [{ maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: { app: "s" } } }] } });
  const onA = [pod("s1", { node: "a", labels: { app: "s" } })];
  assert.equal(outcome(nodes, onA, spread("p")), "node b");
  const full = [...onA, pod("s2", { node: "a", labels: { app: "s" } }), pod("s3", { node: "b", labels: { app: "s" } })];
  assert.equal(outcome(nodes, full, spread("p")), "node b");
  // minDomains 3 over two zones makes the global minimum 0.
  const needsThree = pod("p", { labels: { app: "s" }, spec: { topologySpreadConstraints: [{ maxSkew: 1, minDomains: 3, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: { app: "s" } } }] } });
  assert.equal(
    outcome(nodes, full, needsThree),
    "0/3 nodes are available: 1 node(s) didn't match pod topology spread constraints (missing required label), 2 node(s) didn't match pod topology spread constraints. " +
      "preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.",
  );
});

function scoresOf(nodes: Node[], assigned: Pod[], p: Pod): Record<string, number> {
  const cache = cacheWith(nodes, assigned);
  const totals = scoreNodes(profile, info(p), cache.nodes, cache);
  return Object.fromEntries(cache.nodes.map((n, i) => [n.name, totals[i]!]));
}

test("scores: least allocated and balanced allocation", () => {
  // Node a: 4 cpu / 8Gi empty; node b: half its cpu requested.
  const s = scoresOf([node("a"), node("b")], [pod("x", { node: "b", cpu: "2", memory: "0" })], pod("p", { cpu: "1", memory: "2Gi" }));
  // a: least (75 + 75)/2 = 75; balanced fractions .25/.25 -> 100; others contribute equally to both nodes.
  // b: least ((4000-3000)*100/4000 = 25, 75) -> 50; balanced |.75-.25|/2 = .25 -> 75.
  assert.equal(s.a! - s.b!, 75 + 100 - (50 + 75));
});

test("scores: PreferNoSchedule taints, preferred node affinity, preferred pod affinity, ScheduleAnyway spread", () => {
  const taint = scoresOf([node("a"), node("b", { taints: [{ key: "k", effect: "PreferNoSchedule" }] })], [], pod("p"));
  assert.equal(taint.a! - taint.b!, 3 * 100);
  const pref = pod("p", { spec: { affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 10, preference: { matchExpressions: [{ key: "ssd", operator: "Exists" }] } }, { weight: 30, preference: { matchExpressions: [{ key: "fast", operator: "Exists" }] } }] } } } });
  const na = scoresOf([node("a", { labels: { ssd: "" } }), node("b", { labels: { fast: "" } }), node("c")], [], pref);
  assert.equal(na.b! - na.c!, 2 * 100);
  assert.equal(na.a! - na.c!, 2 * 33);
  const web = pod("web", { node: "b", labels: { app: "web" } });
  const likes = pod("p", { spec: { affinity: { podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 5, podAffinityTerm: term({ app: "web" }, "topology.kubernetes.io/zone") }] } } } });
  const ipa = scoresOf([zoned("a", "z1"), zoned("b", "z2"), zoned("c", "z2")], [web], likes);
  // c shares web's zone; a and c differ in nothing else (b holds web, so its resource scores differ).
  assert.equal(ipa.c! - ipa.a!, 2 * 100);
  const soft = pod("p", { labels: { app: "s" }, spec: { topologySpreadConstraints: [{ maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: { app: "s" } } }] } });
  const sp = scoresOf([node("a"), node("b")], [pod("s1", { node: "a", labels: { app: "s" } }), pod("s2", { node: "a", labels: { app: "s" } })], soft);
  // a: 2 * log(4) = 2.77 -> 3, b: 0 -> min 0 max 3: a = 100*(3+0-3)/3 = 0, b = 100.
  assert.ok(sp.b! - sp.a! >= 2 * 100 - 10, `spread prefers b: ${JSON.stringify(sp)}`);
});

test("numFeasibleNodesToFind as kube's adaptive percentage", () => {
  const cases: [number | undefined, number, number][] = [
    [undefined, 50, 50],
    [undefined, 99, 99],
    [undefined, 100, 100],
    [undefined, 1000, 420],
    [undefined, 5000, 500],
    [undefined, 6000, 300],
    [undefined, 200, 98 < 100 ? 100 : 0],
    [10, 5000, 500],
    [100, 5000, 5000],
  ];
  for (const [pct, n, want] of cases) assert.equal(numFeasibleNodesToFind(pct, n), want, `${pct} ${n}`);
});

test("selectHost: the best, ties spread evenly and reproducibly by seed", () => {
  assert.equal(selectHost([1, 5, 3], seededRandom(1)), 1);
  const counts = [0, 0, 0];
  const r = seededRandom(42);
  for (let i = 0; i < 3000; i++) counts[selectHost([7, 7, 7], r)]!++;
  for (const c of counts) assert.ok(c > 850 && c < 1150, String(counts));
  const a = [...Array(20)].map(() => selectHost([1, 1, 1, 1], seededRandom(7)));
  assert.equal(new Set(a).size, 1);
});

test("the search starts where the last one stopped", () => {
  const nodes = [...Array(200)].map((_, i) => node(`n${i}`));
  const cache = cacheWith(nodes);
  const state = { nextStartNodeIndex: 0 };
  const r = schedulePod(profile, info(pod("p")), cache, state, { random: seededRandom(1), percentageOfNodesToScore: 10 });
  assert.equal(r.kind === "scheduled" && r.evaluated, 100);
  assert.equal(state.nextStartNodeIndex, 100);
});
