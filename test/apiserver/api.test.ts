import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { startApiServer, type RunningApiServer } from "../../src/apiserver/server.js";
import { startStore, storeDefaults, type RunningStore } from "../../src/store/index.js";
import { grpcClient } from "../../src/store/client/grpc.js";
import type { EtcdClient } from "../../src/store/client/types.js";
import { startMember, type Member } from "../etcdctl/server.js";

/**
 * The API server's REST semantics over plain HTTP, run twice: over kplane's store in-process
 * and over a real etcd 3.4 through the gRPC client (the issue asks for both).
 */

interface Backend {
  name: string;
  start(dir: string): Promise<{ etcd: EtcdClient; stop(): Promise<void> }>;
}

const backends: Backend[] = [
  {
    name: "kplane store (in-process)",
    async start(dir) {
      const store: RunningStore = await startStore({ ...storeDefaults, name: "t", dataDir: join(dir, "store"), listenClientUrls: [], initialCluster: "t=http://localhost:2380", walSegmentBytes: 1024 * 1024 });
      return { etcd: store.client(), stop: () => store.stop() };
    },
  },
  {
    name: "real etcd 3.4 (gRPC)",
    async start(dir) {
      const m: Member = await startMember("etcd", join(dir, "etcd"), []);
      const etcd = grpcClient(`http://${m.clientAddr}`);
      return { etcd, async stop() { await etcd.close(); await m.stop(); } };
    },
  },
];

type Json = Record<string, any>;

for (const backend of backends) {
  describe(`API over ${backend.name}`, () => {
    let dir: string;
    let server: RunningApiServer;
    let stopBackend: () => Promise<void>;
    const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
      const res = await fetch(server.url + path, {
        method,
        headers: { "content-type": "application/json", ...headers },
        ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
      });
      const text = await res.text();
      let json: Json = {};
      try { json = JSON.parse(text); } catch { /* not JSON */ }
      return { status: res.status, json, text, headers: res.headers };
    };

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), "kplane-api-"));
      const b = await backend.start(dir);
      stopBackend = b.stop;
      server = await startApiServer({ etcd: b.etcd, host: "127.0.0.1", port: 0 });
    });
    after(async () => {
      await server?.close();
      await stopBackend?.();
      rmSync(dir, { recursive: true, force: true });
    });

    test("bootstrap objects exist", async () => {
      const ns = await call("GET", "/api/v1/namespaces");
      assert.equal(ns.status, 200);
      const names = ns.json.items.map((i: Json) => i.metadata.name).sort();
      for (const n of ["default", "kube-node-lease", "kube-public", "kube-system"]) assert.ok(names.includes(n), n);
      assert.equal(ns.json.kind, "NamespaceList");
      const svc = await call("GET", "/api/v1/namespaces/default/services/kubernetes");
      assert.equal(svc.status, 200);
      assert.equal(svc.json.spec.clusterIP, "10.96.0.1");
    });

    test("create, get, conflict on stale update, update, delete", async () => {
      const cm = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c1", labels: { a: "1" } }, data: { k: "v" } };
      const c = await call("POST", "/api/v1/namespaces/default/configmaps", cm);
      assert.equal(c.status, 201, c.text);
      assert.match(c.json.metadata.uid, /^[0-9a-f-]{36}$/);
      assert.match(c.json.metadata.resourceVersion, /^\d+$/);
      assert.match(c.json.metadata.creationTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      const dup = await call("POST", "/api/v1/namespaces/default/configmaps", cm);
      assert.equal(dup.status, 409);
      assert.equal(dup.json.reason, "AlreadyExists");
      assert.equal(dup.json.message, 'configmaps "c1" already exists');
      const g = await call("GET", "/api/v1/namespaces/default/configmaps/c1");
      assert.deepEqual(g.json.data, { k: "v" });
      const upd = await call("PUT", "/api/v1/namespaces/default/configmaps/c1", { ...g.json, data: { k: "v2" } });
      assert.equal(upd.status, 200, upd.text);
      assert.notEqual(upd.json.metadata.resourceVersion, g.json.metadata.resourceVersion);
      const stale = await call("PUT", "/api/v1/namespaces/default/configmaps/c1", { ...g.json, data: { k: "v3" } });
      assert.equal(stale.status, 409);
      assert.equal(stale.json.reason, "Conflict");
      assert.equal(stale.json.message, 'Operation cannot be fulfilled on configmaps "c1": the object has been modified; please apply your changes to the latest version and try again');
      const del = await call("DELETE", "/api/v1/namespaces/default/configmaps/c1");
      assert.equal(del.status, 200);
      assert.equal(del.json.kind, "Status");
      assert.equal(del.json.status, "Success");
      const gone = await call("GET", "/api/v1/namespaces/default/configmaps/c1");
      assert.equal(gone.status, 404);
      assert.equal(gone.json.message, 'configmaps "c1" not found');
      assert.deepEqual(gone.json.details, { name: "c1", kind: "configmaps" });
    });

    test("a write's answer is the object as stored: create, update, patch, status update, no-op", async () => {
      const base = "/apis/apps/v1/namespaces/default/deployments";
      const d = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "answer", labels: { a: "1" } },
        spec: { replicas: 1, selector: { matchLabels: { app: "x" } }, template: { metadata: { labels: { app: "x" } }, spec: { containers: [{ name: "c", image: "i" }] } } } };
      const merge = { "content-type": "application/merge-patch+json" };
      const writes: Array<() => Promise<{ status: number; json: Json; text: string; headers: Headers }>> = [
        () => call("POST", base, d),
        async () => {
          const g = await call("GET", `${base}/answer`);
          return call("PUT", `${base}/answer`, { ...g.json, spec: { ...g.json.spec, replicas: 2 } });
        },
        () => call("PATCH", `${base}/answer`, { metadata: { labels: { b: "2" } } }, merge),
        () => call("PATCH", `${base}/answer/status`, { status: { observedGeneration: 2 } }, merge),
        // Changes nothing: answers with the version it left in place.
        () => call("PATCH", `${base}/answer`, { metadata: { labels: { b: "2" } } }, merge),
      ];
      const rvs: string[] = [];
      for (const write of writes) {
        const a = await write();
        assert.ok(a.status === 200 || a.status === 201, a.text);
        assert.equal(a.headers.get("content-type"), "application/json");
        assert.ok(a.text.endsWith("}\n"), "one JSON object and a newline");
        const now = await call("GET", `${base}/answer`);
        assert.deepEqual(a.json, now.json);
        rvs.push(a.json.metadata.resourceVersion);
      }
      assert.equal(new Set(rvs).size, 4);
      assert.equal(rvs[4], rvs[3]);
      // kube's metadata client asks writes for a PartialObjectMetadata: the object's metadata alone.
      const asMeta = { accept: "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json" };
      const m = await call("PATCH", `${base}/answer`, { metadata: { labels: { d: "4" } } }, { ...merge, ...asMeta });
      assert.equal(m.status, 200, m.text);
      assert.match(m.headers.get("content-type") ?? "", /^application\/json;as=PartialObjectMetadata;/);
      assert.deepEqual(Object.keys(m.json), ["kind", "apiVersion", "metadata"]);
      assert.equal(m.json.kind, "PartialObjectMetadata");
      assert.equal(m.json.apiVersion, "meta.k8s.io/v1");
      assert.deepEqual(m.json.metadata, (await call("GET", `${base}/answer`)).json.metadata);
      rvs.push(m.json.metadata.resourceVersion);
      // A dry run answers with what it would have written, at the version in place.
      const dry = await call("PATCH", `${base}/answer?dryRun=All`, { metadata: { labels: { c: "3" } } }, merge);
      assert.equal(dry.status, 200, dry.text);
      assert.equal(dry.json.metadata.labels.c, "3");
      const kept = await call("GET", `${base}/answer`);
      assert.equal(kept.json.metadata.labels.c, undefined);
      assert.equal(kept.json.metadata.resourceVersion, rvs[5]);
      assert.equal((await call("DELETE", `${base}/answer`)).status, 200);
    });

    test("generateName, missing namespace, invalid name", async () => {
      const g = await call("POST", "/api/v1/namespaces/default/configmaps", { metadata: { generateName: "gen-" } });
      assert.equal(g.status, 201, g.text);
      assert.match(g.json.metadata.name, /^gen-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
      const nons = await call("POST", "/api/v1/namespaces/nope/configmaps", { metadata: { name: "x" } });
      assert.equal(nons.status, 404);
      assert.equal(nons.json.message, 'namespaces "nope" not found');
      const bad = await call("POST", "/api/v1/namespaces/default/configmaps", { metadata: { name: "Bad_Name" } });
      assert.equal(bad.status, 422);
      assert.equal(bad.json.reason, "Invalid");
      assert.equal(bad.json.details.causes[0].field, "metadata.name");
    });

    test("generateName: a taken name is generated again, 8 attempts in all (RetryGenerateName)", async () => {
      const random = Math.random;
      let calls = 0;
      let fixedFor = Infinity; // calls answered 0 (every character "b"), then real randomness
      Math.random = () => (calls++ < fixedFor ? 0 : random());
      try {
        const first = await call("POST", "/api/v1/namespaces/default/configmaps", { metadata: { generateName: "retry-" } });
        assert.equal(first.status, 201, first.text);
        assert.equal(first.json.metadata.name, "retry-bbbbb");
        calls = 0;
        fixedFor = 5; // the first attempt collides, the second is random
        const second = await call("POST", "/api/v1/namespaces/default/configmaps", { metadata: { generateName: "retry-" } });
        assert.equal(second.status, 201, second.text);
        assert.notEqual(second.json.metadata.name, "retry-bbbbb");
        calls = 0;
        fixedFor = Infinity; // every attempt collides: kube gives up after 8
        const third = await call("POST", "/api/v1/namespaces/default/configmaps", { metadata: { generateName: "retry-" } });
        assert.equal(third.status, 409, third.text);
        assert.equal(third.json.reason, "AlreadyExists");
        assert.ok(calls >= 8 * 5, `names generated ${calls / 5} times`);
      } finally {
        Math.random = random;
      }
    });

    test("list with label selector, limit and continue; Table output", async () => {
      await call("POST", "/api/v1/namespaces", { metadata: { name: "lt" } });
      for (let i = 0; i < 5; i++) {
        const r = await call("POST", "/api/v1/namespaces/lt/configmaps", { metadata: { name: `c${i}`, labels: { even: String(i % 2 === 0) } } });
        assert.equal(r.status, 201, r.text);
      }
      const even = await call("GET", "/api/v1/namespaces/lt/configmaps?labelSelector=even%3Dtrue");
      assert.deepEqual(even.json.items.map((i: Json) => i.metadata.name), ["c0", "c2", "c4"]);
      const p1 = await call("GET", "/api/v1/namespaces/lt/configmaps?limit=2");
      assert.equal(p1.json.items.length, 2);
      assert.ok(p1.json.metadata.continue);
      const p2 = await call("GET", `/api/v1/namespaces/lt/configmaps?limit=10&continue=${encodeURIComponent(p1.json.metadata.continue)}`);
      assert.deepEqual(p2.json.items.map((i: Json) => i.metadata.name), ["c2", "c3", "c4"]);
      assert.equal(p2.json.metadata.resourceVersion, p1.json.metadata.resourceVersion);
      const t = await call("GET", "/api/v1/namespaces/lt/configmaps", undefined, { accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json" });
      assert.equal(t.json.kind, "Table");
      assert.equal(t.json.columnDefinitions[0].name, "Name");
      assert.equal(t.json.rows.length, 5);
      assert.equal(t.json.rows[0].object.kind, "PartialObjectMetadata");
      const badSel = await call("GET", "/api/v1/namespaces/lt/configmaps?fieldSelector=spec.foo%3Dbar");
      assert.equal(badSel.status, 400);
    });

    test("watch from a resourceVersion streams newline-delimited events", async () => {
      await call("POST", "/api/v1/namespaces", { metadata: { name: "wt" } });
      const list = await call("GET", "/api/v1/namespaces/wt/configmaps");
      const ac = new AbortController();
      const res = await fetch(`${server.url}/api/v1/namespaces/wt/configmaps?watch=true&resourceVersion=${list.json.metadata.resourceVersion}`, { signal: ac.signal });
      assert.equal(res.status, 200);
      const reader = res.body!.getReader();
      await call("POST", "/api/v1/namespaces/wt/configmaps", { metadata: { name: "w1" } });
      await call("DELETE", "/api/v1/namespaces/wt/configmaps/w1");
      let buf = "";
      const events: Json[] = [];
      while (events.length < 2) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += Buffer.from(value).toString();
        let nl;
        while ((nl = buf.indexOf("\n")) >= 0) {
          events.push(JSON.parse(buf.slice(0, nl)));
          buf = buf.slice(nl + 1);
        }
      }
      ac.abort();
      assert.deepEqual(events.map((e) => [e.type, e.object.metadata.name, e.object.kind]), [["ADDED", "w1", "ConfigMap"], ["DELETED", "w1", "ConfigMap"]]);
    });

    test("versions sharing storage are converted: HPA v1/v2, core and events.k8s.io Events", async () => {
      await call("POST", "/api/v1/namespaces", { metadata: { name: "conv" } });
      const hpa = await call("POST", "/apis/autoscaling/v1/namespaces/conv/horizontalpodautoscalers", {
        metadata: { name: "web" },
        spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" }, minReplicas: 2, maxReplicas: 5, targetCPUUtilizationPercentage: 70 },
      });
      assert.equal(hpa.status, 201, hpa.text);
      assert.equal(hpa.json.apiVersion, "autoscaling/v1");
      assert.equal(hpa.json.spec.targetCPUUtilizationPercentage, 70);
      const v2 = await call("GET", "/apis/autoscaling/v2/namespaces/conv/horizontalpodautoscalers/web");
      assert.equal(v2.json.apiVersion, "autoscaling/v2");
      assert.deepEqual(v2.json.spec.metrics, [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } } }]);
      assert.equal(v2.json.spec.targetCPUUtilizationPercentage, undefined);
      // A v2-only field survives a v1 read-modify-write through the annotations.
      v2.json.spec.behavior = { scaleDown: { stabilizationWindowSeconds: 30 } };
      const put = await call("PUT", "/apis/autoscaling/v2/namespaces/conv/horizontalpodautoscalers/web", v2.json);
      assert.equal(put.status, 200, put.text);
      const v1 = await call("GET", "/apis/autoscaling/v1/namespaces/conv/horizontalpodautoscalers/web");
      assert.equal(v1.json.spec.targetCPUUtilizationPercentage, 70);
      v1.json.spec.maxReplicas = 7;
      const put1 = await call("PUT", "/apis/autoscaling/v1/namespaces/conv/horizontalpodautoscalers/web", v1.json);
      assert.equal(put1.status, 200, put1.text);
      const again = await call("GET", "/apis/autoscaling/v2/namespaces/conv/horizontalpodautoscalers/web");
      assert.equal(again.json.spec.maxReplicas, 7);
      assert.equal(again.json.spec.behavior.scaleDown.stabilizationWindowSeconds, 30);
      const listV1 = await call("GET", "/apis/autoscaling/v1/namespaces/conv/horizontalpodautoscalers");
      assert.equal(listV1.json.items[0].spec.targetCPUUtilizationPercentage, 70);

      const ev = await call("POST", "/apis/events.k8s.io/v1/namespaces/conv/events", {
        metadata: { name: "e1" }, eventTime: "2026-11-21T10:00:00.000000Z", reportingController: "kplane.io/test", reportingInstance: "t1",
        action: "Testing", reason: "Tested", type: "Normal", note: "hello", regarding: { kind: "Pod", namespace: "conv", name: "p1" },
      });
      assert.equal(ev.status, 201, ev.text);
      assert.equal(ev.json.note, "hello");
      const core = await call("GET", "/api/v1/namespaces/conv/events/e1");
      assert.equal(core.json.apiVersion, "v1");
      assert.equal(core.json.message, "hello");
      assert.equal(core.json.involvedObject.name, "p1");
      assert.equal(core.json.reportingComponent, "kplane.io/test");
      const sel = await call("GET", "/api/v1/namespaces/conv/events?fieldSelector=involvedObject.name%3Dp1");
      assert.deepEqual(sel.json.items.map((i: Json) => i.metadata.name), ["e1"]);
      const evs = await call("GET", "/apis/events.k8s.io/v1/namespaces/conv/events");
      assert.deepEqual(evs.json.items.map((i: Json) => [i.note, i.regarding.name]), [["hello", "p1"]]);
    });

    test("deployments: defaults, generation, scale subresource, status reset", async () => {
      const dep = {
        apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web" },
        spec: { selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "nginx", image: "nginx" }] } } },
        status: { replicas: 7 },
      };
      const c = await call("POST", "/apis/apps/v1/namespaces/default/deployments", dep);
      assert.equal(c.status, 201, c.text);
      assert.equal(c.json.spec.replicas, 1);
      assert.equal(c.json.metadata.generation, 1);
      assert.equal(c.json.status?.replicas, undefined);
      const s = await call("PATCH", "/apis/apps/v1/namespaces/default/deployments/web/scale", { spec: { replicas: 3 } }, { "content-type": "application/merge-patch+json" });
      assert.equal(s.status, 200, s.text);
      assert.equal(s.json.kind, "Scale");
      assert.equal(s.json.spec.replicas, 3);
      assert.equal(s.json.status.selector, "app=web");
      const g = await call("GET", "/apis/apps/v1/namespaces/default/deployments/web");
      assert.equal(g.json.spec.replicas, 3);
      assert.equal(g.json.metadata.generation, 2);
    });

    test("namespace deletion marks Terminating and refuses new content", async () => {
      await call("POST", "/api/v1/namespaces", { metadata: { name: "term" } });
      const d = await call("DELETE", "/api/v1/namespaces/term");
      assert.equal(d.status, 200, d.text);
      assert.equal(d.json.status.phase, "Terminating");
      const c = await call("POST", "/api/v1/namespaces/term/configmaps", { metadata: { name: "x" } });
      assert.equal(c.status, 403);
      assert.equal(c.json.reason, "Forbidden");
      assert.equal(c.json.message, 'configmaps "x" is forbidden: unable to create new content in namespace term because it is being terminated');
    });

    test("services get a ClusterIP and node ports; a taken IP is refused", async () => {
      const s = await call("POST", "/api/v1/namespaces/default/services", { metadata: { name: "np" }, spec: { type: "NodePort", selector: { app: "x" }, ports: [{ port: 80 }] } });
      assert.equal(s.status, 201, s.text);
      assert.match(s.json.spec.clusterIP, /^10\.(9[6-9]|1[01]\d)\.\d+\.\d+$/);
      assert.ok(s.json.spec.ports[0].nodePort >= 30000 && s.json.spec.ports[0].nodePort <= 32767);
      const taken = await call("POST", "/api/v1/namespaces/default/services", { metadata: { name: "dup" }, spec: { clusterIP: s.json.spec.clusterIP, ports: [{ port: 80 }] } });
      assert.equal(taken.status, 422, taken.text);
      await call("DELETE", "/api/v1/namespaces/default/services/np");
      const again = await call("POST", "/api/v1/namespaces/default/services", { metadata: { name: "dup" }, spec: { clusterIP: s.json.spec.clusterIP, ports: [{ port: 80 }] } });
      assert.equal(again.status, 201, again.text);
    });

    test("pods/binding and the bindings resource bind a pod as kube's BindingREST", async () => {
      await call("POST", "/api/v1/namespaces/default/serviceaccounts", { metadata: { name: "default" } });
      const pod = (name: string) => ({ metadata: { name }, spec: { containers: [{ name: "c", image: "nginx" }] } });
      const b = (name: string, node: string, extra: Json = {}) => ({ apiVersion: "v1", kind: "Binding", metadata: { name, ...extra }, target: { kind: "Node", name: node } });
      const p1 = await call("POST", "/api/v1/namespaces/default/pods", pod("b1"));
      assert.equal(p1.status, 201, p1.text);
      const mismatch = await call("POST", "/api/v1/namespaces/default/pods/b1/binding", b("other", "n1"));
      assert.equal(mismatch.status, 400, mismatch.text);
      assert.equal(mismatch.json.message, "name in URL does not match name in Binding object");
      const noTarget = await call("POST", "/api/v1/namespaces/default/pods/b1/binding", { metadata: { name: "b1" }, target: {} });
      assert.equal(noTarget.status, 500, noTarget.text);
      assert.equal(noTarget.json.message, "target.name: Required value");
      const staleUid = await call("POST", "/api/v1/namespaces/default/pods/b1/binding", b("b1", "n1", { uid: "not-it" }));
      assert.equal(staleUid.status, 409, staleUid.text);
      assert.match(staleUid.json.message, /Precondition failed: UID in precondition: not-it/);
      const ok = await call("POST", "/api/v1/namespaces/default/pods/b1/binding", b("b1", "n1", { uid: p1.json.metadata.uid, annotations: { "scheduler/why": "fit" } }));
      assert.equal(ok.status, 201, ok.text);
      assert.equal(ok.json.kind, "Status");
      assert.equal(ok.json.status, "Success");
      const got = await call("GET", "/api/v1/namespaces/default/pods/b1");
      assert.equal(got.json.spec.nodeName, "n1");
      assert.equal(got.json.metadata.annotations["scheduler/why"], "fit");
      assert.deepEqual(got.json.status.conditions.filter((c: Json) => c.type === "PodScheduled").map((c: Json) => c.status), ["True"]);
      const again = await call("POST", "/api/v1/namespaces/default/pods/b1/binding", b("b1", "n2"));
      assert.equal(again.status, 409, again.text);
      assert.equal(again.json.message, 'Operation cannot be fulfilled on pods/binding "b1": pod b1 is already assigned to node "n1"');
      assert.equal(again.json.details.kind, "pods/binding");
      // The legacy resource: the pod is named by the Binding; nothing is stored under bindings.
      assert.equal((await call("POST", "/api/v1/namespaces/default/pods", pod("b2"))).status, 201);
      const legacy = await call("POST", "/api/v1/namespaces/default/bindings", b("b2", "n2"));
      assert.equal(legacy.status, 201, legacy.text);
      assert.equal(legacy.json.kind, "Status");
      assert.equal((await call("GET", "/api/v1/namespaces/default/pods/b2")).json.spec.nodeName, "n2");
      const missing = await call("POST", "/api/v1/namespaces/default/bindings", b("nope", "n2"));
      assert.equal(missing.status, 404, missing.text);
    });

    test("review resources answer without storing: whoami, access reviews", async () => {
      const who = await call("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" });
      assert.equal(who.status, 201, who.text);
      assert.equal(who.json.status.userInfo.username, "system:anonymous");
      const sar = await call("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", { spec: { resourceAttributes: { verb: "get", resource: "pods" } } });
      assert.equal(sar.status, 201, sar.text);
      assert.equal(sar.json.status.allowed, true);
    });

    test("discovery, version, health, 404s", async () => {
      const v = await call("GET", "/version");
      assert.equal(v.json.minor, "32");
      const agg = await call("GET", "/apis", undefined, { accept: "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json" });
      assert.equal(agg.headers.get("content-type"), "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList");
      const etag = agg.headers.get("etag")!;
      const again = await fetch(server.url + "/apis", { headers: { accept: "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList", "if-none-match": etag } });
      assert.equal(again.status, 304);
      assert.equal((await call("GET", "/readyz?verbose")).status, 200);
      const nf = await call("GET", "/api/v1/foos");
      assert.equal(nf.status, 404);
      assert.equal(nf.json.message, "the server could not find the requested resource");
      assert.equal((await call("GET", "/nothing")).status, 404);
    });
  });
}
