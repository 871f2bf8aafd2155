import assert from "node:assert/strict";
import { test } from "node:test";
import { R } from "../../client/resources.js";
import type { KObject } from "../../client/types.js";
import { newEndpointSliceController } from "./controller.js";
import { reconcile, type EndpointSlice } from "./reconciler.js";
import { T0, iso, node, pod, service, testEnv } from "./testutil.js";
import type { Service } from "./util.js";

function setup(...objs: [typeof R[keyof typeof R], KObject][]) {
  const env = testEnv();
  env.client.seed(R.nodes, node("n1", { "topology.kubernetes.io/zone": "zone-a" }), node("n2"));
  for (const [t, o] of objs) env.client.seed(t, o);
  const ctl = newEndpointSliceController(env.ctx, { queue: env.queue });
  const slices = (): EndpointSlice[] => env.client.objectsOf<EndpointSlice>(R.endpointslices);
  return { ...env, ctl, slices, sync: () => ctl.sync("default/web") };
}

const cond = (s: EndpointSlice): string[] =>
  (s.endpoints ?? []).map((e) => `${e.targetRef?.name} ${e.addresses.join(",")} ready=${e.conditions?.ready} serving=${e.conditions?.serving} terminating=${e.conditions?.terminating}`).sort();

test("service + 3 pods (2 ready) -> one slice with the right conditions; readiness change updates it in place", async () => {
  const t = setup(
    [R.services, service("web")],
    [R.pods, pod("p1", { ip: "10.1.0.1", node: "n1", ready: true })],
    [R.pods, pod("p2", { ip: "10.1.0.2", node: "n2", ready: true })],
    [R.pods, pod("p3", { ip: "10.1.0.3", node: "n1", ready: false })],
  );
  await t.sync();
  assert.deepEqual(t.client.writes(), ["create endpointslices default/"]);
  let [slice, ...rest] = t.slices();
  assert.equal(rest.length, 0);
  assert.equal(slice!.metadata.generateName, "web-");
  assert.match(slice!.metadata.name!, /^web-/);
  assert.deepEqual(slice!.metadata.labels, { app: "web", "kubernetes.io/service-name": "web", "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io" });
  assert.deepEqual(slice!.metadata.ownerReferences, [{ apiVersion: "v1", kind: "Service", name: "web", uid: "uid-svc-web", controller: true, blockOwnerDeletion: true }]);
  assert.equal(slice!.addressType, "IPv4");
  assert.deepEqual(slice!.ports, [{ name: "http", port: 8080, protocol: "TCP" }]);
  assert.equal(slice!.metadata.annotations?.["endpoints.kubernetes.io/last-change-trigger-time"], iso(T0 - 120_000));
  assert.deepEqual(cond(slice!), [
    "p1 10.1.0.1 ready=true serving=true terminating=false",
    "p2 10.1.0.2 ready=true serving=true terminating=false",
    "p3 10.1.0.3 ready=false serving=false terminating=false",
  ]);
  const p1 = slice!.endpoints!.find((e) => e.targetRef?.name === "p1")!;
  assert.deepEqual(p1, {
    addresses: ["10.1.0.1"],
    conditions: { ready: true, serving: true, terminating: false },
    targetRef: { kind: "Pod", namespace: "default", name: "p1", uid: "uid-p1" },
    nodeName: "n1",
    zone: "zone-a",
  });
  assert.equal(slice!.endpoints!.find((e) => e.targetRef?.name === "p2")!.zone, undefined);

  // Our own create is not news to the tracker once recorded; a second sync writes nothing.
  t.client.clearActions();
  await t.sync();
  assert.deepEqual(t.client.writes(), []);

  // p3 becomes ready: the same slice is updated.
  const p3 = t.client.objectsOf(R.pods).find((p) => p.metadata.name === "p3")!;
  p3.status = { ...p3.status!, conditions: [{ type: "Ready", status: "True", lastTransitionTime: iso(T0 + 5_000) }] };
  t.queue.added.length = 0;
  await t.client.update(R.pods, p3, { subresource: "status" });
  assert.deepEqual(t.queue.added, ["default/web"]);
  t.client.clearActions();
  await t.sync();
  assert.deepEqual(t.client.writes(), [`update endpointslices default/${slice!.metadata.name}`]);
  [slice] = t.slices();
  assert.equal(cond(slice!)[2], "p3 10.1.0.3 ready=true serving=true terminating=false");
  assert.equal(slice!.metadata.annotations?.["endpoints.kubernetes.io/last-change-trigger-time"], iso(T0 + 5_000));

  // A terminating pod: not ready, still serving, terminating.
  await t.client.delete(R.pods, "default", "p1");
  t.client.clearActions();
  await t.sync();
  [slice] = t.slices();
  assert.equal(cond(slice!)[0], "p1 10.1.0.1 ready=false serving=true terminating=true");
});

test("pods on unknown nodes are skipped and the sync fails for a retry; all pods gone leaves a placeholder slice", async () => {
  const t = setup([R.services, service("web")], [R.pods, pod("p1", { ip: "10.1.0.1", node: "n1", ready: true })], [R.pods, pod("p9", { ip: "10.1.0.9", node: "gone", ready: true })]);
  await assert.rejects(t.sync(), /Node gone Not Found/);
  assert.deepEqual(cond(t.slices()[0]!), ["p1 10.1.0.1 ready=true serving=true terminating=false"]);
  assert.deepEqual(t.recorder.events.map((e) => e.split(":")[0]), ["Warning FailedToUpdateEndpointSlices Error updating Endpoint Slices for Service default/web"]);

  await t.client.delete(R.pods, "default", "p9", { gracePeriodSeconds: 0 });
  await t.client.update(R.pods, { ...t.client.objectsOf(R.pods)[0]!, spec: { nodeName: "n1" }, metadata: { ...t.client.objectsOf(R.pods)[0]!.metadata, labels: { app: "other" } } });
  const name = t.slices()[0]!.metadata.name;
  t.client.clearActions();
  await t.sync();
  // The emptied slice is reused as the placeholder (a create paired with a delete becomes an update).
  assert.deepEqual(t.client.writes(), [`update endpointslices default/${name}`]);
  assert.deepEqual(t.slices()[0]!.endpoints, []);
  assert.deepEqual(t.slices()[0]!.ports, []);
  t.client.clearActions();
  await t.sync();
  assert.deepEqual(t.client.writes(), []);
});

// ---- the reconciler as a pure function ----

const svc = service("web") as Service;
function pods(from: number, to: number): KObject[] {
  const out: KObject[] = [];
  for (let i = from; i < to; i++) out.push(pod(`p${String(i).padStart(3, "0")}`, { ip: `10.3.${i >> 8}.${i & 255}`, node: "n1", ready: true }));
  return out;
}
const nodeOf = (): KObject => node("n1");
let seq = 0;
/** Stores planned slices as the API server would: a name for new ones, a resourceVersion. */
function apply(existing: EndpointSlice[], plan: ReturnType<typeof reconcile>): EndpointSlice[] {
  const byName = new Map(existing.map((s) => [s.metadata.name!, s]));
  for (const s of plan.delete) byName.delete(s.metadata.name!);
  for (const s of plan.update) byName.set(s.metadata.name!, s);
  for (const s of plan.create) {
    const name = `web-${++seq}`;
    byName.set(name, { ...s, metadata: { ...s.metadata, name, uid: `uid-${name}` } });
  }
  return [...byName.values()];
}
const sizes = (slices: EndpointSlice[]): number[] => slices.map((s) => s.endpoints?.length ?? 0).sort((a, b) => b - a);

test("reconciler: 250 endpoints make slices of 100, 100, 50; removals update only the slice they were in; additions fill it", () => {
  let plan = reconcile({ service: svc, pods: pods(0, 250), existing: [], nodeOf, triggerTimeMs: 0 });
  assert.equal(plan.create.length, 3);
  let slices = apply([], plan);
  assert.deepEqual(sizes(slices), [100, 100, 50]);

  // Unchanged: nothing to do.
  plan = reconcile({ service: svc, pods: pods(0, 250), existing: slices, nodeOf, triggerTimeMs: 0 });
  assert.deepEqual([plan.create.length, plan.update.length, plan.delete.length], [0, 0, 0]);

  // Remove 10 pods from the first slice: only that slice changes.
  const first = slices.find((s) => s.endpoints!.some((e) => e.targetRef?.name === "p000"))!;
  const gone = new Set(first.endpoints!.slice(0, 10).map((e) => e.targetRef?.name));
  const remaining = pods(0, 250).filter((p) => !gone.has(p.metadata.name));
  plan = reconcile({ service: svc, pods: remaining, existing: slices, nodeOf, triggerTimeMs: 0 });
  assert.deepEqual([plan.create.length, plan.update.length, plan.delete.length], [0, 1, 0]);
  assert.equal(plan.update[0]!.metadata.name, first.metadata.name);
  slices = apply(slices, plan);
  assert.deepEqual(sizes(slices), [100, 90, 50]);

  // Add 5 pods: they go into the one slice with room closest to full, leaving the others alone.
  plan = reconcile({ service: svc, pods: [...remaining, ...pods(300, 305)], existing: slices, nodeOf, triggerTimeMs: 0 });
  assert.deepEqual([plan.create.length, plan.update.length, plan.delete.length], [0, 1, 0]);
  assert.equal(plan.update[0]!.metadata.name, first.metadata.name);
  slices = apply(slices, plan);
  assert.deepEqual(sizes(slices), [100, 95, 50]);

  // Add 120: a changed slice is filled first, the rest goes into a new slice.
  plan = reconcile({ service: svc, pods: [...remaining, ...pods(300, 305), ...pods(400, 520)], existing: slices, nodeOf, triggerTimeMs: 0 });
  slices = apply(slices, plan);
  assert.equal(slices.reduce((n, s) => n + s.endpoints!.length, 0), 240 + 5 + 120);
  assert.ok(slices.every((s) => s.endpoints!.length <= 100));
});

test("reconciler: IPv6 services use the pods' v6 addresses; dual-stack makes one slice per family; foreign and off-family slices go", () => {
  const dual = service("web", { ipFamilies: ["IPv4", "IPv6"], clusterIPs: ["10.96.0.10", "fd00::10"] }) as Service;
  const p = pod("a", { ips: ["10.1.0.1", "fd00::1"], node: "n1", ready: true });
  let plan = reconcile({ service: dual, pods: [p], existing: [], nodeOf, triggerTimeMs: 0 });
  assert.deepEqual(plan.create.map((s) => `${s.addressType} ${s.endpoints![0]!.addresses.join(",")}`), ["IPv4 10.1.0.1", "IPv6 fd00::1"]);
  const slices = apply([], plan);

  const v6 = service("web", { ipFamilies: ["IPv6"], clusterIP: "fd00::10", clusterIPs: ["fd00::10"] }) as Service;
  const foreign: EndpointSlice = { ...slices[1]!, metadata: { ...slices[1]!.metadata, name: "web-old", uid: "x", ownerReferences: [{ apiVersion: "v1", kind: "Service", name: "web", uid: "old-uid" }] } };
  plan = reconcile({ service: v6, pods: [p], existing: [...slices, foreign], nodeOf, triggerTimeMs: 0 });
  assert.deepEqual(plan.delete.map((s) => s.metadata.name).sort(), ["web-old", slices[0]!.metadata.name!].sort());
  assert.deepEqual([plan.create.length, plan.update.length], [0, 0]);
});
