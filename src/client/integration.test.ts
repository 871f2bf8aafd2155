// The client machinery against a real kplane API server, started in-process with `up()` (store
// + API server, no control loop) on a free port in a temp data dir.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { CompactionRequestSchema } from "../store/api/gen/rpc_pb.js";
import { up, type RunningUp } from "../cli/up.js";
import { newEventBroadcaster } from "./events.js";
import { SharedInformerFactory } from "./informer.js";
import { loadKubeconfig } from "./kubeconfig.js";
import { runLeaderElection, type Lease } from "./leaderelection.js";
import { R } from "./resources.js";
import { RestClient } from "./rest.js";
import { httpTransport, type StreamResponse, type Transport, type TransportRequest } from "./transport.js";
import { ApiError, isAlreadyExists, isConflict, isGone, isInvalid, isNotFound, type KObject, type Tombstone, type WatchEvent } from "./types.js";

let dir: string;
let server: RunningUp;
let client: RestClient;
const quiet = { info() {}, warn() {}, error() {} };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function waitFor(what: string, cond: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

async function ensureNamespace(name: string): Promise<void> {
  await client.create(R.namespaces, undefined, { metadata: { name } });
  // Pods need their namespace's default ServiceAccount (no controller makes it here).
  await client.create(R.serviceaccounts, name, { metadata: { name: "default" } }).catch((e: unknown) => {
    if (!isAlreadyExists(e)) throw e;
  });
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "kplane-client-"));
  server = await up({ dataDir: join(dir, "data"), bindAddress: "127.0.0.1", securePort: 0, serviceClusterIPRange: "10.96.0.0/12", etcdListenClientUrls: [], controlLoop: false });
  client = new RestClient(loadKubeconfig(server.kubeconfig));
});

after(async () => {
  client?.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test("discovery lists resources with verbs, without subresources", async () => {
  const all = await client.discovery();
  const pods = all.find((r) => r.group === "" && r.resource === "pods");
  assert.deepEqual({ ...pods, verbs: undefined }, { ...R.pods, verbs: undefined });
  assert.ok(pods!.verbs.includes("watch") && pods!.verbs.includes("create"), `pods verbs: ${pods!.verbs}`);
  assert.ok(all.some((r) => r.group === "apps" && r.resource === "deployments" && r.namespaced), "apps/v1 deployments");
  assert.ok(all.some((r) => r.group === "coordination.k8s.io" && r.resource === "leases"), "leases");
  assert.ok(!all.some((r) => r.resource.includes("/")), "no subresources");
});

test("CRUD, errors, patches, subresources", async () => {
  await ensureNamespace("crud");
  // get / create / errors
  await assert.rejects(client.get(R.configmaps, "crud", "nope"), (e: unknown) => isNotFound(e) && (e as ApiError).status?.["kind"] === "Status");
  const cm = await client.create(R.configmaps, "crud", { metadata: { name: "a", labels: { app: "x" } }, data: { k: "v" } } as KObject);
  assert.equal(cm.metadata.namespace, "crud");
  await assert.rejects(client.create(R.configmaps, "crud", { metadata: { name: "a" } }), (e: unknown) => isAlreadyExists(e) && (e as ApiError).code === 409);
  await assert.rejects(client.create(R.configmaps, "crud", { metadata: { name: "Bad_Name" } }), (e: unknown) => isInvalid(e) && (e as ApiError).reason === "Invalid");
  const dry = await client.create(R.configmaps, "crud", { metadata: { name: "dry" } }, { dryRun: true });
  assert.equal(dry.metadata.name, "dry");
  await assert.rejects(client.get(R.configmaps, "crud", "dry"), isNotFound);

  // update, and a stale update
  const updated = await client.update(R.configmaps, { ...cm, data: { k: "v2" } } as KObject);
  assert.notEqual(updated.metadata.resourceVersion, cm.metadata.resourceVersion);
  await assert.rejects(client.update(R.configmaps, { ...cm, data: { k: "v3" } } as KObject), isConflict);

  // list with a selector
  await client.create(R.configmaps, "crud", { metadata: { name: "b", labels: { app: "y" } } });
  const list = await client.list(R.configmaps, "crud", { labelSelector: "app=x" });
  assert.deepEqual(list.items.map((i) => [i.kind, i.metadata.name]), [["ConfigMap", "a"]]);
  assert.ok(list.metadata.resourceVersion, "list has a resourceVersion");

  // the four patch types
  type CM = KObject & { data?: Record<string, string> };
  let p = await client.patch<CM>(R.configmaps, "crud", "a", "json", [{ op: "add", path: "/data/j", value: "1" }]);
  assert.equal(p.data?.["j"], "1");
  p = await client.patch<CM>(R.configmaps, "crud", "a", "merge", { data: { m: "2" } });
  assert.equal(p.data?.["m"], "2");
  p = await client.patch<CM>(R.configmaps, "crud", "a", "strategic", { metadata: { labels: { s: "3" } } });
  assert.equal(p.metadata.labels?.["s"], "3");
  p = await client.patch<CM>(R.configmaps, "crud", "a", "apply", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a" }, data: { applied: "4" } }, { fieldManager: "tester", force: true });
  assert.equal(p.data?.["applied"], "4");
  assert.ok(p.metadata.managedFields?.some((f) => (f as { manager?: string }).manager === "tester"), "apply recorded its manager");
  p = await client.patch<CM>(R.configmaps, "crud", "a", "apply", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  applied: yaml\n", { fieldManager: "tester" });
  assert.equal(p.data?.["applied"], "yaml");

  // a pod: binding, status, graceful delete
  type Pod = KObject & { spec: { nodeName?: string }; status?: { phase?: string } };
  const pod = await client.create<Pod>(R.pods, "crud", { metadata: { name: "p" }, spec: { containers: [{ name: "c", image: "busybox" }] } } as unknown as Pod);
  const binding = { apiVersion: "v1", kind: "Binding", metadata: { name: "p" }, target: { apiVersion: "v1", kind: "Node", name: "node-1" } };
  const st = await client.createSubresource(R.pods, "crud", "p", "binding", binding);
  assert.equal((st as { status?: string }).status, "Success");
  await assert.rejects(client.createSubresource(R.pods, "crud", "p", "binding", binding), isConflict);
  const bound = await client.get<Pod>(R.pods, "crud", "p");
  assert.equal(bound.spec.nodeName, "node-1");
  const running = await client.update<Pod>(R.pods, { ...bound, status: { ...bound.status, phase: "Running" } }, { subresource: "status" });
  assert.equal(running.status?.phase, "Running");
  const ps = await client.patch<Pod>(R.pods, "crud", "p", "merge", { status: { message: "patched" } }, { subresource: "status" });
  assert.equal((ps.status as { message?: string }).message, "patched");
  await assert.rejects(client.delete(R.pods, "crud", "p", { preconditions: { uid: "wrong" } }), isConflict);
  const deleting = await client.delete<Pod>(R.pods, "crud", "p", { preconditions: { uid: pod.metadata.uid } });
  assert.ok(deleting?.metadata.deletionTimestamp, "a bound pod is deleted gracefully: the object comes back");
  await client.delete(R.pods, "crud", "p", { gracePeriodSeconds: 0 });
  await assert.rejects(client.get(R.pods, "crud", "p"), isNotFound);
  await client.delete(R.configmaps, "crud", "b", { propagationPolicy: "Background" });
  await assert.rejects(client.get(R.configmaps, "crud", "b"), isNotFound);
});

test("watch: events in order from a resourceVersion; a refused watch rejects", async () => {
  await ensureNamespace("w");
  const start = await client.list(R.configmaps, "w");
  const events: WatchEvent[] = [];
  const h = client.watch(R.configmaps, "w", { resourceVersion: start.metadata.resourceVersion, allowWatchBookmarks: true }, (e) => events.push(e));
  await client.create(R.configmaps, "w", { metadata: { name: "x" } });
  await client.patch(R.configmaps, "w", "x", "merge", { data: { a: "b" } });
  await client.delete(R.configmaps, "w", "x");
  await waitFor("three events", () => events.filter((e) => e.type !== "BOOKMARK").length >= 3);
  h.stop();
  await h.done;
  assert.deepEqual(events.filter((e) => e.type !== "BOOKMARK").map((e) => `${e.type} ${e.object.metadata.name}`), ["ADDED x", "MODIFIED x", "DELETED x"]);
  const bad = client.watch(R.configmaps, "w", { fieldSelector: "no.such.field=1" }, () => {});
  await assert.rejects(bad.done, (e: unknown) => e instanceof ApiError && e.code === 400);
});

/** A transport over the real one that can hold watches, cut them, and send the next one from a too-old resourceVersion. */
function controllableTransport(inner: Transport) {
  const live = new Set<AbortController>();
  let gate: Promise<void> | undefined;
  let open: (() => void) | undefined;
  let staleNext = false;
  const paths: string[] = [];
  const t: Transport = {
    request(req) {
      paths.push(`${req.method} ${req.path}`);
      return inner.request(req);
    },
    async stream(req: TransportRequest): Promise<StreamResponse> {
      await gate;
      let path = req.path;
      if (staleNext) {
        staleNext = false;
        path = path.replace(/resourceVersion=\d+/, "resourceVersion=1");
      }
      paths.push(`WATCH ${path}`);
      const ac = new AbortController();
      live.add(ac);
      // (Node 20's AbortSignal.any loses listeners to GC: forward by hand.)
      req.signal?.addEventListener("abort", () => ac.abort(), { once: true });
      return inner.stream({ ...req, path, signal: ac.signal });
    },
  };
  return {
    t,
    paths,
    hold() {
      gate = new Promise((r) => (open = r));
      for (const ac of live) ac.abort();
      live.clear();
    },
    release(stale: boolean) {
      staleNext = stale;
      gate = undefined;
      open?.();
    },
  };
}

test("informer: paged list from rv 0, watch events, late handlers, relist after 410 with tombstones", async () => {
  await ensureNamespace("inf");
  for (const n of ["a", "b"]) await client.create(R.configmaps, "inf", { metadata: { name: n } });
  const config = loadKubeconfig(server.kubeconfig);
  const ctl = controllableTransport(httpTransport(config));
  const watched = new RestClient(config, ctl.t);
  const factory = new SharedInformerFactory(watched, { log: quiet, backoffInitialMs: 20 });
  const inf = factory.for(R.configmaps, { namespace: "inf" });
  assert.equal(factory.for(R.configmaps, { namespace: "inf" }), inf, "one shared informer per type and options");
  const seen: string[] = [];
  inf.addEventHandler({
    add: (o) => seen.push(`add ${o.metadata.name}`),
    update: (o, n) => seen.push(`update ${n.metadata.name}${o === n ? " (resync)" : ""}`),
    delete: (o) => seen.push("tombstone" in o ? `delete ${(o as Tombstone).key} (tombstone)` : `delete ${o.metadata.name}`),
  });
  const ac = new AbortController();
  try {
    factory.start(ac.signal);
    await factory.waitForSync(ac.signal);
    assert.ok(inf.hasSynced(), "synced");
    assert.deepEqual(seen.sort(), ["add a", "add b"]);
    assert.deepEqual(inf.lister.keys().sort(), ["inf/a", "inf/b"]);
    assert.equal(inf.lister.get("inf", "a")?.kind, "ConfigMap");
    assert.match(ctl.paths.find((p) => p.startsWith("GET"))!, /resourceVersion=0&limit=500|limit=500&resourceVersion=0/);
    await waitFor("a watch", () => ctl.paths.some((p) => p.startsWith("WATCH")));
    const w = ctl.paths.find((p) => p.startsWith("WATCH"))!;
    assert.match(w, /watch=true/);
    assert.match(w, /allowWatchBookmarks=true/);
    const timeout = Number(/timeoutSeconds=(\d+)/.exec(w)?.[1]);
    assert.ok(timeout >= 300 && timeout < 600, `timeoutSeconds ${timeout}`);

    seen.length = 0;
    await client.create(R.configmaps, "inf", { metadata: { name: "c" } });
    await client.patch(R.configmaps, "inf", "a", "merge", { data: { x: "1" } });
    await client.delete(R.configmaps, "inf", "c");
    await waitFor("watch events", () => seen.length >= 3);
    assert.deepEqual(seen, ["add c", "update a", "delete c"]);
    assert.equal((inf.lister.get("inf", "a") as KObject & { data?: Record<string, string> }).data?.["x"], "1");

    const late: string[] = [];
    inf.addEventHandler({ add: (o) => late.push(o.metadata.name!) });
    assert.deepEqual(late.sort(), ["a", "b"], "a late handler gets adds for what is cached");

    // Cut the watch, change things while it is down, and let it come back from a compacted revision.
    seen.length = 0;
    ctl.hold();
    await sleep(50);
    await client.delete(R.configmaps, "inf", "b");
    await client.create(R.configmaps, "inf", { metadata: { name: "d" } });
    // The relist reads the watch cache (not older than the informer's rv): let it catch up first, so the delete is seen by the list and not by the next watch.
    await waitFor("the watch cache to see the changes", async () => (await client.list(R.configmaps, "inf", { resourceVersion: "0" })).items.map((i) => i.metadata.name).join() === "a,d");
    const before = inf.lastSyncResourceVersion();
    ctl.release(true);
    await waitFor("relist", () => seen.length >= 2);
    assert.deepEqual(seen.sort(), ["add d", "delete inf/b (tombstone)"]);
    assert.deepEqual(inf.lister.keys().sort(), ["inf/a", "inf/d"]);
    assert.notEqual(inf.lastSyncResourceVersion(), before);
    assert.ok(ctl.paths.some((p) => p.startsWith("WATCH") && p.includes("resourceVersion=1&")), "a watch was sent from rv 1");

    // And it watches again afterwards.
    await client.create(R.configmaps, "inf", { metadata: { name: "e" } });
    await waitFor("watch after relist", () => seen.includes("add e"));
  } finally {
    ac.abort();
    watched.close();
  }
});

test("informer: resync calls update(obj, obj) for handlers that ask", async () => {
  const factory = new SharedInformerFactory(client, { log: quiet });
  const inf = factory.for(R.namespaces, { fieldSelector: "metadata.name=default" });
  let resyncs = 0;
  inf.addEventHandler({ update: (o, n) => void (o === n && resyncs++) }, 100);
  const ac = new AbortController();
  factory.start(ac.signal);
  await factory.waitForSync(ac.signal);
  await waitFor("two resyncs", () => resyncs >= 2, 2000);
  ac.abort();
});

test("leader election: one leader of two; release hands over at once; lease fields", async () => {
  await ensureNamespace("le");
  const leading: string[] = [];
  const stopped: string[] = [];
  const run = (id: string, signal: AbortSignal) =>
    runLeaderElection({
      client,
      namespace: "le",
      name: "ctl",
      identity: id,
      leaseDurationSeconds: 3,
      renewDeadlineSeconds: 2,
      retryPeriodSeconds: 0.1,
      log: quiet,
      signal,
      onStartedLeading: () => void leading.push(id),
      onStoppedLeading: () => void stopped.push(id),
    });
  const a = new AbortController();
  const b = new AbortController();
  const ra = run("a", a.signal);
  await waitFor("a leads", () => leading.includes("a"));
  const rb = run("b", b.signal);
  await sleep(400);
  assert.deepEqual(leading, ["a"], "b waits while a renews");
  const l1 = await client.get<Lease>(R.leases, "le", "ctl");
  assert.equal(l1.spec?.holderIdentity, "a");
  assert.equal(l1.spec?.leaseDurationSeconds, 3);
  assert.match(l1.spec?.renewTime ?? "", /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  assert.equal(l1.spec?.leaseTransitions, 0);

  const t0 = Date.now();
  a.abort();
  await ra;
  assert.deepEqual(stopped, ["a"]);
  await waitFor("b leads", () => leading.includes("b"));
  assert.ok(Date.now() - t0 < 2000, "b took over well before the lease would have expired");
  const l2 = await client.get<Lease>(R.leases, "le", "ctl");
  assert.equal(l2.spec?.holderIdentity, "b");
  assert.equal(l2.spec?.leaseTransitions, 1);
  b.abort();
  await rb;
  assert.equal((await client.get<Lease>(R.leases, "le", "ctl")).spec?.holderIdentity, "", "released on stop");
});

test("leader election: without release, takeover waits for expiry by the observer's clock", async () => {
  const leading: string[] = [];
  const run = (id: string, signal: AbortSignal) =>
    runLeaderElection({ client, namespace: "le", name: "expiry", identity: id, leaseDurationSeconds: 1, renewDeadlineSeconds: 0.5, retryPeriodSeconds: 0.1, releaseOnCancel: false, log: quiet, signal, onStartedLeading: () => void leading.push(id) });
  const a = new AbortController();
  const b = new AbortController();
  const ra = run("a", a.signal);
  await waitFor("a leads", () => leading.includes("a"));
  const rb = run("b", b.signal);
  await sleep(200);
  a.abort();
  await ra;
  const t0 = Date.now();
  await waitFor("b leads", () => leading.includes("b"));
  const waited = Date.now() - t0;
  assert.ok(waited >= 600, `b waited for the lease to expire (${waited} ms)`);
  b.abort();
  await rb;
});

test("events: written as client-go does, identical ones counted, never throwing", async () => {
  await ensureNamespace("ev");
  const cm = await client.create<KObject>(R.configmaps, "ev", { metadata: { name: "subject" } });
  const b = newEventBroadcaster(client, undefined, { log: quiet });
  const rec = b.recorder("test-controller", "host-1");
  rec.event(cm, "Normal", "Synced", "all good");
  rec.event(cm, "Normal", "Synced", "all good");
  rec.event(cm, "Warning", "Failed", "not good");
  await b.flush();
  rec.event(cm, "Normal", "Synced", "all good");
  await b.flush();
  type Ev = KObject & { involvedObject: Record<string, string>; reason: string; count: number; type: string; source: Record<string, string>; firstTimestamp: string; lastTimestamp: string; reportingComponent: string; reportingInstance: string };
  const evs = (await client.list<Ev>(R.events, "ev")).items.sort((x, y) => x.reason.localeCompare(y.reason));
  assert.deepEqual(evs.map((e) => [e.reason, e.type, e.count]), [["Failed", "Warning", 1], ["Synced", "Normal", 3]]);
  const e = evs[1]!;
  assert.match(e.metadata.name!, /^subject\.[0-9a-f]+$/);
  assert.deepEqual(e.involvedObject, { kind: "ConfigMap", namespace: "ev", name: "subject", uid: cm.metadata.uid, apiVersion: "v1", resourceVersion: cm.metadata.resourceVersion });
  assert.deepEqual(e.source, { component: "test-controller", host: "host-1" });
  assert.equal(e.reportingComponent, "test-controller");
  assert.equal(e.reportingInstance, "host-1");
  assert.ok(e.firstTimestamp && e.lastTimestamp >= e.firstTimestamp, "timestamps");

  // A cluster-scoped object's events go to "default"; a failing write is logged, not thrown.
  const ns = await client.get(R.namespaces, undefined, "ev");
  rec.event(ns, "Normal", "Seen", "namespace event");
  rec.event({ metadata: { name: "ghost", namespace: "no-such-namespace" } }, "Normal", "X", "y");
  await b.flush();
  const def = await client.list<Ev>(R.events, "default");
  assert.ok(def.items.some((x) => x.reason === "Seen" && x.involvedObject["kind"] === "Namespace"), "namespace event in default");
  b.shutdown();
});

test("events: a flood from one object is cut by its token bucket", async () => {
  const calls: string[] = [];
  const fakeClient = { create: async (_t: unknown, _ns: unknown, o: KObject) => (calls.push("create"), o), patch: async () => (calls.push("patch"), {}) } as unknown as RestClient;
  const b = newEventBroadcaster(fakeClient, undefined, { log: quiet, burst: 5 });
  const rec = b.recorder("c");
  for (let i = 0; i < 100; i++) rec.event({ metadata: { name: "o", namespace: "n", uid: "u" } }, "Normal", "R", `m${i}`);
  await b.flush();
  assert.equal(calls.length, 5);
  b.shutdown();
});

test("a paged list continued past compaction is 410 Expired (isGone)", async () => {
  await ensureNamespace("gone");
  for (const n of ["a", "b", "c"]) await client.create(R.configmaps, "gone", { metadata: { name: n } });
  // A paged list's continue token pins its revision; compact past it and the next page is 410 Expired.
  const first = await client.list(R.configmaps, "gone", { limit: 1 });
  assert.ok(first.metadata.continue, "a continue token");
  await client.create(R.configmaps, "gone", { metadata: { name: "d" } });
  const rev = Number((await client.list(R.configmaps, "gone", { limit: 1 })).metadata.resourceVersion);
  await server.store.client().compact(create(CompactionRequestSchema, { revision: BigInt(rev) }));
  await assert.rejects(client.list(R.configmaps, "gone", { limit: 1, continue: first.metadata.continue }), (e: unknown) => isGone(e) && (e as ApiError).reason === "Expired");
});
