/**
 * Protobuf responses over HTTP (kplane's store in this process): negotiated as kube does, they
 * decode to the objects the JSON path serves, lists are byte for byte what encoding the JSON list
 * gives (kube's envelope), watch frames are kube's, and kubectl reads them.
 */

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { startApiServer, type RunningApiServer } from "../server.js";
import { startStore, storeDefaults, type RunningStore } from "../../store/index.js";
import { decodeProtobuf, encodeProtobuf, encodeWatchEvent, PROTOBUF_MEDIA_TYPE } from "../protobuf/index.js";

type Json = Record<string, any>;

/** client-go's Accept for built-in kinds, and kubectl's typed clients'. */
const CLIENT_GO = `${PROTOBUF_MEDIA_TYPE}, */*`;
const KUBECTL = `${PROTOBUF_MEDIA_TYPE},application/json`;
const KUBECTL_BIN = "/usr/bin/kubectl";

function benchPod(i: number): Json {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: `p-${String(i).padStart(3, "0")}`, labels: { app: "bench", n: String(i % 3) }, annotations: { "kplane.io/bench": "protobuf" } },
    spec: {
      containers: [{
        name: "app", image: "registry.example.com/app:1.0", command: ["/bin/app"], args: ["--port=8080"],
        ports: [{ name: "http", containerPort: 8080 }],
        env: [{ name: "MODE", value: "test" }, { name: "POD", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }],
        resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { cpu: "1", memory: "128Mi" } },
        readinessProbe: { httpGet: { path: "/readyz", port: 8080 }, periodSeconds: 10 },
      }],
      terminationGracePeriodSeconds: 5,
    },
  };
}

interface Reply {
  status: number;
  contentType: string;
  body: Buffer;
}

/** Go's encoding/json view of kube's Unknown envelope, read field by field (no kplane decoder). */
function fields(b: Uint8Array): [number, Uint8Array][] {
  const out: [number, Uint8Array][] = [];
  let p = 0;
  const varint = () => {
    let v = 0;
    let mul = 1;
    for (;;) {
      const c = b[p++]!;
      v += (c & 0x7f) * mul;
      if (c < 0x80) return v;
      mul *= 128;
    }
  };
  while (p < b.length) {
    const tag = varint();
    assert.equal(tag & 7, 2, "only length-delimited fields here");
    const n = varint();
    out.push([tag >>> 3, b.subarray(p, p + n)]);
    p += n;
  }
  assert.equal(p, b.length);
  return out;
}
const str = (b: Uint8Array) => Buffer.from(b).toString("utf8");

describe("protobuf responses", () => {
  let dir: string;
  let store: RunningStore;
  let server: RunningApiServer;

  const call = (method: string, path: string, o: { accept?: string; body?: string | Uint8Array; contentType?: string } = {}): Promise<Reply> =>
    new Promise((resolve, reject) => {
      const req = http.request(server.url + path, {
        method,
        headers: {
          ...(o.accept ? { accept: o.accept } : {}),
          ...(o.body !== undefined ? { "content-type": o.contentType ?? "application/json" } : {}),
        },
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers["content-type"]), body: Buffer.concat(chunks) }));
      });
      req.on("error", reject);
      req.end(o.body);
    });
  const json = async (path: string): Promise<Json> => {
    const r = await call("GET", path);
    assert.equal(r.status, 200, r.body.toString());
    return JSON.parse(r.body.toString("utf8")) as Json;
  };
  const protobuf = async (method: string, path: string, accept = CLIENT_GO, o: { body?: string | Uint8Array; contentType?: string } = {}): Promise<{ status: number; object: Json; body: Buffer }> => {
    const r = await call(method, path, { accept, ...o });
    assert.equal(r.contentType, PROTOBUF_MEDIA_TYPE, `${method} ${path}: ${r.status} ${r.contentType} ${r.body.toString().slice(0, 200)}`);
    return { status: r.status, object: decodeProtobuf(new Uint8Array(r.body)).object, body: r.body };
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "kplane-protobuf-http-"));
    store = await startStore({ ...storeDefaults, name: "t", dataDir: join(dir, "store"), listenClientUrls: [], initialCluster: "t=http://localhost:2380", walSegmentBytes: 1024 * 1024 });
    server = await startApiServer({ etcd: store.client(), host: "127.0.0.1", port: 0 });
    for (const ns of ["pb", "pbw"]) {
      assert.equal((await call("POST", "/api/v1/namespaces", { body: JSON.stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } }) })).status, 201);
      assert.equal((await call("POST", `/api/v1/namespaces/${ns}/serviceaccounts`, { body: JSON.stringify({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "default" } }) })).status, 201);
    }
    for (let i = 0; i < 30; i++) {
      const r = await call("POST", "/api/v1/namespaces/pb/pods", { body: JSON.stringify(benchPod(i)) });
      assert.equal(r.status, 201, r.body.toString());
    }
  });
  after(async () => {
    await server?.close();
    await store?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("lists and gets decode to what the JSON path serves", async () => {
    const cont = (await json("/api/v1/namespaces/pb/pods?limit=7")).metadata.continue as string;
    const paths = [
      "/api/v1/namespaces/pb/pods",
      "/api/v1/namespaces/pb/pods?resourceVersion=0",
      "/api/v1/namespaces/pb/pods?labelSelector=n%3D1",
      "/api/v1/namespaces/pb/pods?limit=7",
      `/api/v1/namespaces/pb/pods?limit=7&continue=${encodeURIComponent(cont)}`,
      "/api/v1/pods?resourceVersion=0",
      "/api/v1/namespaces",
      "/api/v1/namespaces/pb/serviceaccounts",
      "/api/v1/namespaces/pb/pods/p-007",
      "/api/v1/namespaces/pb/pods/p-007?resourceVersion=0",
      "/api/v1/namespaces/pb/pods/p-007/status",
      "/api/v1/namespaces/pb",
    ];
    for (const path of paths) {
      // Twice: the first protobuf list encodes the items the cache then keeps.
      for (const round of [1, 2]) {
        const [pb, js] = [await protobuf("GET", path), await json(path)];
        assert.deepEqual(pb.object, js, `${path} (round ${round})`);
        assert.equal(pb.status, 200);
      }
    }
    // An empty list: JSON says [] (kube sets it), protobuf has no items (Go decodes nil).
    const empty = await protobuf("GET", "/api/v1/namespaces/pb/configmaps?labelSelector=none%3Dnone");
    assert.equal(empty.object.kind, "ConfigMapList");
    assert.equal(empty.object.items, null);
    assert.deepEqual((await json("/api/v1/namespaces/pb/configmaps?labelSelector=none%3Dnone")).items, []);
  });

  test("a list is kube's envelope around kube's list, byte for byte", async () => {
    for (const path of ["/api/v1/namespaces/pb/pods", "/api/v1/namespaces/pb/pods?resourceVersion=0&limit=3"]) {
      const { body } = await protobuf("GET", path);
      const js = await json(path);
      // The list as one message, from the JSON: the same bytes as the list joined from kept items.
      assert.deepEqual(body, Buffer.from(encodeProtobuf(js)!), path);
      // What a Go client reads: k8s\0, then runtime.Unknown{typeMeta, raw, contentEncoding "", contentType ""}.
      assert.deepEqual([...body.subarray(0, 4)], [0x6b, 0x38, 0x73, 0x00]);
      const unknown = fields(body.subarray(4));
      assert.deepEqual(unknown.map(([n]) => n), [1, 2, 3, 4]);
      assert.deepEqual(fields(unknown[0]![1]).map(([n, v]) => [n, str(v)]), [[1, "v1"], [2, "PodList"]]);
      assert.equal(unknown[2]![1].length, 0);
      assert.equal(unknown[3]![1].length, 0);
      // PodList{metadata: 1, items: 2...}; ListMeta's resourceVersion is its field 2.
      const list = fields(unknown[1]![1]);
      assert.equal(list[0]![0], 1);
      assert.deepEqual(list.slice(1).map(([n]) => n), js.items.map(() => 2));
      assert.deepEqual(fields(list[0]![1]).find(([n]) => n === 2)!.map((v) => (typeof v === "number" ? v : str(v))), [2, js.metadata.resourceVersion]);
    }
  });

  test("writes answer in protobuf: create, update, patch, delete, protobuf bodies too", async () => {
    const cm = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "w1" }, data: { a: "1" } };
    const created = await protobuf("POST", "/api/v1/namespaces/pb/configmaps", KUBECTL, { body: JSON.stringify(cm) });
    assert.equal(created.status, 201);
    assert.deepEqual(created.object, await json("/api/v1/namespaces/pb/configmaps/w1"));
    // As kubectl's typed clients write: a protobuf body, protobuf back.
    const body = encodeProtobuf({ ...cm, metadata: { name: "w2" } })!;
    const created2 = await protobuf("POST", "/api/v1/namespaces/pb/configmaps", KUBECTL, { body, contentType: PROTOBUF_MEDIA_TYPE });
    assert.equal(created2.status, 201);
    assert.deepEqual(created2.object, await json("/api/v1/namespaces/pb/configmaps/w2"));
    const updated = await protobuf("PUT", "/api/v1/namespaces/pb/configmaps/w1", CLIENT_GO, { body: JSON.stringify({ ...created.object, data: { a: "2" } }) });
    assert.equal(updated.status, 200);
    assert.deepEqual(updated.object, await json("/api/v1/namespaces/pb/configmaps/w1"));
    const patched = await protobuf("PATCH", "/api/v1/namespaces/pb/configmaps/w1", CLIENT_GO, { body: JSON.stringify({ data: { b: "3" } }), contentType: "application/merge-patch+json" });
    assert.deepEqual(patched.object, await json("/api/v1/namespaces/pb/configmaps/w1"));
    const deleted = await protobuf("DELETE", "/api/v1/namespaces/pb/configmaps/w1");
    assert.equal(deleted.status, 200);
    assert.equal(deleted.object.kind, "Status");
    assert.equal(deleted.object.status, "Success");
    // A pod (never scheduled, so deleted at once) answers with its last state.
    const last = await json("/api/v1/namespaces/pb/pods/p-029");
    const gone = await protobuf("DELETE", "/api/v1/namespaces/pb/pods/p-029");
    assert.equal(gone.status, 200);
    assert.equal(gone.object.kind, "Pod");
    assert.equal(gone.object.metadata.uid, last.metadata.uid);
    const status = await protobuf("PUT", "/api/v1/namespaces/pb/pods/p-001/status", CLIENT_GO, {
      body: JSON.stringify({ ...(await json("/api/v1/namespaces/pb/pods/p-001")), status: { phase: "Running" } }),
    });
    assert.equal(status.object.status.phase, "Running");
    assert.deepEqual(status.object, await json("/api/v1/namespaces/pb/pods/p-001"));
  });

  test("errors are Status objects in protobuf when the client prefers it", async () => {
    const missing = await protobuf("GET", "/api/v1/namespaces/pb/pods/nope");
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.object, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: 'pods "nope" not found', reason: "NotFound", details: { name: "nope", kind: "pods" }, code: 404 });
    const taken = await protobuf("POST", "/api/v1/namespaces/pb/pods", KUBECTL, { body: JSON.stringify(benchPod(1)) });
    assert.equal(taken.status, 409);
    assert.equal(taken.object.reason, "AlreadyExists");
    const bad = await protobuf("GET", "/api/v1/namespaces/pb/pods?labelSelector=a%3D%3D%3Db");
    assert.equal(bad.status, 400);
    // Table has no protobuf form: 406, worded in JSON (nothing else in the Accept fits a Status).
    const table = await call("GET", "/api/v1/namespaces/pb/pods", { accept: `${PROTOBUF_MEDIA_TYPE};as=Table;v=v1;g=meta.k8s.io` });
    assert.equal(table.status, 406);
    assert.equal(table.contentType, "application/json");
  });

  test("conversions: Table stays JSON, PartialObjectMetadataList comes in protobuf", async () => {
    const table = await call("GET", "/api/v1/namespaces/pb/pods", { accept: `${PROTOBUF_MEDIA_TYPE};as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1;g=meta.k8s.io,application/json` });
    assert.equal(table.status, 200);
    assert.equal(JSON.parse(table.body.toString()).kind, "Table");
    const accept = `${PROTOBUF_MEDIA_TYPE};as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json`;
    const pom = await protobuf("GET", "/api/v1/namespaces/pb/pods", accept);
    const js = JSON.parse((await call("GET", "/api/v1/namespaces/pb/pods", { accept: "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1" })).body.toString()) as Json;
    assert.equal(pom.object.kind, "PartialObjectMetadataList");
    // Items carry their kind in JSON only: protobuf has no TypeMeta inside a list (as from kube).
    assert.deepEqual(pom.object, { ...js, items: js.items.map(({ kind: _k, apiVersion: _a, ...rest }: Json) => rest) });
    const one = await protobuf("GET", "/api/v1/namespaces/pb/pods/p-002", `${PROTOBUF_MEDIA_TYPE};as=PartialObjectMetadata;g=meta.k8s.io;v=v1`);
    assert.deepEqual(one.object, { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: (await json("/api/v1/namespaces/pb/pods/p-002")).metadata });
  });

  /** A watch's frames (protobuf) or lines (JSON), as they arrive. */
  function watch(path: string, accept: string) {
    const frames: Buffer[] = [];
    let contentType = "";
    let pending = Buffer.alloc(0);
    let req: http.ClientRequest;
    const opened = new Promise<void>((resolve, reject) => {
      req = http.get(server.url + path, { headers: { accept } }, (res) => {
        contentType = String(res.headers["content-type"]);
        resolve();
        res.on("data", (c: Buffer) => {
          pending = Buffer.concat([pending, c]);
          for (;;) {
            if (accept === "application/json") {
              const nl = pending.indexOf(10);
              if (nl < 0) break;
              frames.push(pending.subarray(0, nl));
              pending = pending.subarray(nl + 1);
            } else {
              if (pending.length < 4) break;
              const n = pending.readUInt32BE(0);
              if (pending.length < 4 + n) break;
              frames.push(pending.subarray(0, 4 + n));
              pending = pending.subarray(4 + n);
            }
          }
        });
        res.on("error", () => {});
      });
      req.on("error", reject);
    });
    return {
      opened,
      frames,
      get contentType() {
        return contentType;
      },
      async until(n: number) {
        const end = Date.now() + 5000;
        while (frames.length < n) {
          if (Date.now() > end) assert.fail(`${frames.length} of ${n} events on ${path}`);
          await new Promise((r) => setTimeout(r, 10));
        }
      },
      close: () => req.destroy(),
    };
  }

  /** A protobuf frame: 4-byte length, then WatchEvent in kube's envelope; type and object. */
  const event = (frame: Buffer): { type: string; object: Json; envelope: Json } => {
    assert.equal(frame.readUInt32BE(0), frame.length - 4);
    const d = decodeProtobuf(new Uint8Array(frame.subarray(4)));
    assert.equal(d.kind, "WatchEvent");
    return { type: d.object.type as string, object: d.object.object as Json, envelope: d };
  };

  test("watch: kube's frames, one per event for every protobuf watcher, objects as JSON watchers get them", async () => {
    const rv = (await json("/api/v1/namespaces/pbw/pods")).metadata.resourceVersion as string;
    const path = `/api/v1/namespaces/pbw/pods?watch=1&resourceVersion=${rv}`;
    const [a, b, j] = [watch(path, CLIENT_GO), watch(path, KUBECTL), watch(path, "application/json")];
    await Promise.all([a.opened, b.opened, j.opened]);
    assert.equal(a.contentType, `${PROTOBUF_MEDIA_TYPE};stream=watch`);
    assert.equal(j.contentType, "application/json");
    const pod = benchPod(100);
    assert.equal((await call("POST", "/api/v1/namespaces/pbw/pods", { body: JSON.stringify(pod) })).status, 201);
    const cur = await json(`/api/v1/namespaces/pbw/pods/${pod.metadata.name}`);
    assert.equal((await call("PUT", `/api/v1/namespaces/pbw/pods/${pod.metadata.name}`, { body: JSON.stringify({ ...cur, metadata: { ...cur.metadata, labels: { x: "y" } } }) })).status, 200);
    assert.equal((await call("DELETE", `/api/v1/namespaces/pbw/pods/${pod.metadata.name}?gracePeriodSeconds=0`)).status, 200);
    await Promise.all([a.until(3), b.until(3), j.until(3)]);
    for (let i = 0; i < 3; i++) {
      const line = JSON.parse(j.frames[i]!.toString()) as { type: string; object: Json };
      const e = event(a.frames[i]!);
      assert.equal(e.envelope.apiVersion, "v1");
      assert.equal(e.type, line.type);
      assert.deepEqual(e.object, line.object);
      // Every protobuf watcher gets the same bytes, which are what encoding the event whole gives.
      assert.deepEqual(b.frames[i], a.frames[i]);
      assert.deepEqual(a.frames[i], Buffer.from(encodeWatchEvent(line.type, line.object, "v1")!));
    }
    assert.deepEqual(a.frames.slice(0, 3).map((f) => event(f).type), ["ADDED", "MODIFIED", "DELETED"]);
    for (const w of [a, b, j]) w.close();
  });

  test("watch: BOOKMARK (watch-list's end of initial events) and ERROR (410) frames", async () => {
    const w = watch("/api/v1/namespaces/pb/pods?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true", CLIENT_GO);
    await w.opened;
    const n = (await json("/api/v1/namespaces/pb/pods")).items.length as number;
    await w.until(n + 1);
    const events = w.frames.map(event);
    assert.deepEqual(new Set(events.slice(0, n).map((e) => e.type)), new Set(["ADDED"]));
    const bookmark = events[n]!;
    assert.equal(bookmark.type, "BOOKMARK");
    assert.equal(bookmark.object.kind, "Pod");
    assert.equal(bookmark.object.metadata.annotations["k8s.io/initial-events-end"], "true");
    assert.match(bookmark.object.metadata.resourceVersion, /^\d+$/);
    w.close();
    const old = watch("/api/v1/namespaces/pb/pods?watch=1&resourceVersion=1", CLIENT_GO);
    await old.until(1);
    const error = event(old.frames[0]!);
    assert.equal(error.type, "ERROR");
    assert.equal(error.object.kind, "Status");
    assert.equal(error.object.code, 410);
    assert.equal(error.object.reason, "Expired");
    old.close();
    // YAML has no stream form.
    assert.equal((await call("GET", "/api/v1/namespaces/pb/pods?watch=1", { accept: "application/yaml" })).status, 406);
  });

  const kubectl = (args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> =>
    new Promise((resolve) => {
      const p = spawn(KUBECTL_BIN, ["-s", server.url, ...args], { env: { PATH: process.env.PATH ?? "", HOME: join(dir, "home") } });
      let stdout = "";
      let stderr = "";
      p.stdout.on("data", (d: Buffer) => (stdout += d));
      p.stderr.on("data", (d: Buffer) => (stderr += d));
      p.on("close", (code) => resolve({ code, stdout, stderr }));
    });

  test("kubectl's typed clients read our protobuf answers", { skip: existsSync(KUBECTL_BIN) ? false : "kubectl is not installed" }, async () => {
    const created = await kubectl(["create", "deployment", "web", "-n", "pb", "--image=nginx", "--replicas=2", "-o", "json", "-v=8"]);
    assert.equal(created.code, 0, created.stderr);
    // kubectl's log of the exchange: protobuf went out and came back.
    assert.match(created.stderr, /Request Headers:[\s\S]*Accept: application\/vnd\.kubernetes\.protobuf,application\/json/);
    assert.match(created.stderr, /Response Headers:[\s\S]*Content-Type: application\/vnd\.kubernetes\.protobuf/);
    // kubectl drops managedFields when printing.
    const served = await json("/apis/apps/v1/namespaces/pb/deployments/web");
    delete served.metadata.managedFields;
    assert.deepEqual(JSON.parse(created.stdout), served);
    const again = await kubectl(["create", "deployment", "web", "-n", "pb", "--image=nginx"]);
    assert.equal(again.code, 1);
    assert.equal(again.stderr, 'error: failed to create deployment: deployments.apps "web" already exists\n');
  });
});
