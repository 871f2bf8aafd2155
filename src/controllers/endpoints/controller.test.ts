import assert from "node:assert/strict";
import { test } from "node:test";
import { R } from "../../client/resources.js";
import type { KObject } from "../../client/types.js";
import { T0, iso, node, pod, service, testEnv } from "../endpointslice/testutil.js";
import { ANNOTATION_OVER_CAPACITY, MAX_CAPACITY, planEndpoints, type Endpoints } from "./core.js";
import { newEndpointsController } from "./controller.js";

function setup(...objs: [typeof R[keyof typeof R], KObject][]) {
  const env = testEnv();
  env.client.seed(R.nodes, node("n1"), node("n2"));
  for (const [t, o] of objs) env.client.seed(t, o);
  const ctl = newEndpointsController(env.ctx, { queue: env.queue });
  const eps = (): Endpoints | undefined => env.client.objectsOf<Endpoints>(R.endpoints).find((e) => e.metadata.name === "web");
  return { ...env, ctl, eps, sync: () => ctl.sync("default/web") };
}

const ips = (as: { ip: string }[] | undefined): string[] => (as ?? []).map((a) => a.ip);

test("service + 3 pods (2 ready) -> Endpoints with ready and not-ready addresses; readiness change updates; nothing else does", async () => {
  const t = setup(
    [R.services, service("web")],
    [R.pods, pod("p1", { ip: "10.1.0.1", node: "n1", ready: true })],
    [R.pods, pod("p2", { ip: "10.1.0.2", node: "n2", ready: true })],
    [R.pods, pod("p3", { ip: "10.1.0.3", node: "n1", ready: false })],
    [R.pods, pod("other", { ip: "10.1.0.9", node: "n1", ready: true, labels: { app: "db" } })],
  );
  await t.sync();
  assert.deepEqual(t.client.writes(), ["create endpoints default/web"]);
  let ep = t.eps()!;
  assert.deepEqual(ep.metadata.labels, { app: "web" });
  assert.equal(ep.subsets?.length, 1);
  const sub = ep.subsets![0]!;
  assert.deepEqual(ips(sub.addresses), ["10.1.0.1", "10.1.0.2"]);
  assert.deepEqual(ips(sub.notReadyAddresses), ["10.1.0.3"]);
  assert.deepEqual(sub.ports, [{ name: "http", port: 8080, protocol: "TCP" }]);
  assert.deepEqual(sub.addresses![0], { ip: "10.1.0.1", nodeName: "n1", targetRef: { kind: "Pod", namespace: "default", name: "p1", uid: "uid-p1" } });
  // The earliest trigger among the first sync's changes: the pods' Ready transitions and the service's creation.
  assert.equal(ep.metadata.annotations?.["endpoints.kubernetes.io/last-change-trigger-time"], iso(T0 - 120_000));

  // p3 becomes ready.
  t.client.clearActions();
  const p3 = t.client.objectsOf(R.pods).find((p) => p.metadata.name === "p3")!;
  const readyAt = T0 + 5_000;
  p3.status = { ...p3.status!, conditions: [{ type: "Ready", status: "True", lastTransitionTime: iso(readyAt) }] };
  await t.client.update(R.pods, p3, { subresource: "status" });
  assert.ok(t.queue.added.includes("default/web"));
  t.client.clearActions();
  await t.sync();
  assert.deepEqual(t.client.writes(), ["update endpoints default/web"]);
  ep = t.eps()!;
  assert.deepEqual(ips(ep.subsets![0]!.addresses), ["10.1.0.1", "10.1.0.2", "10.1.0.3"]);
  assert.equal(ep.subsets![0]!.notReadyAddresses, undefined);
  assert.equal(ep.metadata.annotations?.["endpoints.kubernetes.io/last-change-trigger-time"], iso(readyAt));

  // Nothing changed: no write.
  t.client.clearActions();
  await t.sync();
  assert.deepEqual(t.client.writes(), []);

  // The service goes: its Endpoints goes too.
  await t.client.delete(R.services, "default", "web");
  t.client.clearActions();
  await t.sync();
  assert.deepEqual(t.client.writes(), ["delete endpoints default/web"]);
  assert.equal(t.eps(), undefined);
});

test("pods without an IP, terminal pods and deleting pods are left out; publishNotReadyAddresses keeps all ready", async () => {
  const deleting = pod("p4", { ip: "10.1.0.4", node: "n1", ready: true });
  deleting.metadata.deletionTimestamp = iso(T0);
  const pods = [
    pod("p1", { ip: "10.1.0.1", node: "n1", ready: false }),
    pod("p2", { node: "n1", ready: false }),
    pod("p3", { ip: "10.1.0.3", node: "n1", ready: false, phase: "Succeeded" }),
    deleting,
  ];
  let plan = planEndpoints(service("web") as never, pods, undefined, 0);
  if (plan.action !== "create") return assert.fail();
  assert.deepEqual(plan.endpoints.subsets, [{ notReadyAddresses: [{ ip: "10.1.0.1", nodeName: "n1", targetRef: { kind: "Pod", namespace: "default", name: "p1", uid: "uid-p1" } }], ports: [{ name: "http", port: 8080, protocol: "TCP" }] }]);
  assert.equal(plan.endpoints.metadata.annotations, undefined);

  plan = planEndpoints(service("web", { publishNotReadyAddresses: true }) as never, pods, undefined, 0);
  if (plan.action === "none") return assert.fail();
  // Deleting pods stay while addresses are published regardless of readiness.
  assert.deepEqual(ips(plan.endpoints.subsets![0]!.addresses), ["10.1.0.1", "10.1.0.4"]);
});

test("headless service: hostname for pods in its subdomain, headless label, no ports; ports grouped by the pods that serve them", async () => {
  const headless = service("web", { clusterIP: "None", clusterIPs: ["None"], ports: [] });
  const pods = [pod("a", { ip: "10.1.0.1", node: "n1", ready: true, hostname: "a", subdomain: "web" }), pod("b", { ip: "10.1.0.2", node: "n1", ready: true, hostname: "b", subdomain: "other" })];
  let plan = planEndpoints(headless as never, pods, undefined, 0);
  if (plan.action === "none") return assert.fail();
  assert.deepEqual(plan.endpoints.metadata.labels, { app: "web", "service.kubernetes.io/headless": "" });
  assert.deepEqual(plan.endpoints.subsets!.length, 1);
  assert.equal(plan.endpoints.subsets![0]!.ports, undefined);
  assert.deepEqual(plan.endpoints.subsets![0]!.addresses!.map((a) => a.hostname), ["a", undefined]);

  // Pod a serves http and metrics, pod b only http: two subsets, as kube's repacking makes them.
  const svc = service("web", { ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }, { name: "metrics", port: 9090, targetPort: 9100, protocol: "TCP" }, { name: "dns", port: 53, targetPort: "dns", protocol: "UDP" }] });
  const a = pod("a", { ip: "10.1.0.1", node: "n1", ready: true, ports: [{ name: "http", containerPort: 8080 }, { name: "dns", containerPort: 5353, protocol: "UDP" }] });
  const b = pod("b", { ip: "10.1.0.2", node: "n1", ready: true, ports: [{ name: "http", containerPort: 8080 }, { name: "dns", containerPort: 5353, protocol: "TCP" }] });
  plan = planEndpoints(svc as never, [a, b], undefined, 0);
  if (plan.action === "none") return assert.fail();
  const summary = plan.endpoints.subsets!.map((s) => `${ips(s.addresses).join("+")}: ${(s.ports ?? []).map((p) => `${p.name}=${p.port}/${p.protocol}`).join(",")}`);
  assert.deepEqual(summary, ["10.1.0.1: dns=5353/UDP", "10.1.0.1+10.1.0.2: http=8080/TCP,metrics=9100/TCP"]);
});

test("over 1000 addresses: truncated with the over-capacity annotation, removed again below", () => {
  const pods: KObject[] = [];
  for (let i = 0; i < 1005; i++) pods.push(pod(`p${i}`, { ip: `10.2.${i >> 8}.${i & 255}`, node: "n1", ready: i % 2 === 0 }));
  const plan = planEndpoints(service("web") as never, pods, undefined, 0);
  if (plan.action === "none") return assert.fail();
  const sub = plan.endpoints.subsets![0]!;
  // 503 ready kept whole, not-ready cut to the remaining 497.
  assert.equal(sub.addresses!.length, 503);
  assert.equal(sub.notReadyAddresses!.length, MAX_CAPACITY - 503);
  assert.equal(plan.endpoints.metadata.annotations?.[ANNOTATION_OVER_CAPACITY], "truncated");
  const stored = { ...plan.endpoints, metadata: { ...plan.endpoints.metadata, resourceVersion: "5" } };
  assert.equal(planEndpoints(service("web") as never, pods, stored, 0).action, "none");
  const again = planEndpoints(service("web") as never, pods.slice(0, 10), stored, 0);
  if (again.action !== "update") return assert.fail();
  assert.equal(again.endpoints.metadata.annotations?.[ANNOTATION_OVER_CAPACITY], undefined);
});

test("services without a selector or of type ExternalName are left alone; a deleted Endpoints of a live service is recreated", async () => {
  const t = setup([R.services, service("web", { selector: undefined })]);
  await t.sync();
  assert.deepEqual(t.client.writes(), []);
  const u = setup([R.services, service("web", { type: "ExternalName", externalName: "example.com" })]);
  await u.sync();
  assert.deepEqual(u.client.writes(), []);
  const v = setup([R.services, service("web")], [R.pods, pod("p1", { ip: "10.1.0.1", node: "n1", ready: true })]);
  await v.sync();
  v.queue.added.length = 0;
  await v.client.delete(R.endpoints, "default", "web");
  assert.deepEqual(v.queue.added, ["default/web"]);
  v.client.clearActions();
  await v.sync();
  assert.deepEqual(v.client.writes(), ["create endpoints default/web"]);
});

test("run(): workers pick up informer events and stop when the signal aborts", async () => {
  const env = testEnv();
  env.client.seed(R.services, service("web"));
  const ctl = newEndpointsController(env.ctx);
  const ac = new AbortController();
  const running = ctl.run(ac.signal, 2);
  await env.client.create(R.pods, "default", pod("p1", { ip: "10.1.0.1", node: "n1", ready: true }));
  for (let i = 0; i < 50 && !env.client.objectsOf(R.endpoints).length; i++) await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(ips(env.client.objectsOf<Endpoints>(R.endpoints)[0]?.subsets?.[0]?.addresses), ["10.1.0.1"]);
  ac.abort();
  await running;
});
