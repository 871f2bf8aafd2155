// Unit tests of the REST client's pieces that need no server (the integration test covers the rest).
import { test } from "node:test";
import assert from "node:assert/strict";
import { deleteBody, errorFromResponse, JsonLineSplitter, listQuery, METADATA_ACCEPT, RestClient, watchQuery, writeQuery } from "./rest.js";
import { R } from "./resources.js";
import type { Transport, TransportRequest } from "./transport.js";
import { ApiError, isConflict, isNotFound, type WatchEvent } from "./types.js";

test("the JSON line splitter handles events and characters split across chunks", () => {
  const text = '{"type":"ADDED","object":{"metadata":{"name":"é€"}}}\n\n{"type":"DELETED","object":{"metadata":{"name":"b"}}}\n{"type":"BOOKMARK"';
  const bytes = Buffer.from(text + ',"object":{}}');
  const out: unknown[] = [];
  const s = new JsonLineSplitter();
  // One byte at a time: every split point, including inside the multi-byte characters.
  for (const b of bytes) s.push(Uint8Array.of(b), (v) => out.push(v));
  assert.equal(out.length, 2);
  s.end((v) => out.push(v));
  assert.deepEqual(out.map((e) => (e as WatchEvent).type), ["ADDED", "DELETED", "BOOKMARK"]);
  assert.equal((out[0] as WatchEvent).object.metadata.name, "é€");
});

test("errors: Status bodies keep reason and message; other bodies get the code's reason", () => {
  const e = errorFromResponse(404, JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", reason: "NotFound", message: 'pods "x" not found', code: 404 }));
  assert.ok(isNotFound(e), "404 is NotFound");
  assert.equal(e.message, 'pods "x" not found');
  assert.equal(e.status?.["kind"], "Status");
  const c = errorFromResponse(409, "oops");
  assert.ok(isConflict(c), "409 without a Status is a Conflict");
  assert.equal(c.reason, "Conflict");
});

test("query and body encoding as kube expects", () => {
  assert.deepEqual(writeQuery({ dryRun: true, fieldManager: "m", force: true }), { dryRun: "All", fieldManager: "m", force: true });
  assert.equal(listQuery({ limit: 500, resourceVersion: "0" }).limit, 500);
  assert.equal(watchQuery({ sendInitialEvents: true }).resourceVersionMatch, "NotOlderThan");
  assert.equal(deleteBody({}), undefined);
  assert.deepEqual(JSON.parse(deleteBody({ propagationPolicy: "Foreground", gracePeriodSeconds: 0, preconditions: { uid: "u" }, dryRun: true })!), {
    kind: "DeleteOptions",
    apiVersion: "v1",
    propagationPolicy: "Foreground",
    gracePeriodSeconds: 0,
    preconditions: { uid: "u" },
    dryRun: ["All"],
  });
});

test("requests through a transport: paths, queries, headers, patch content types", async () => {
  const seen: TransportRequest[] = [];
  const t: Transport = {
    async request(req) {
      seen.push(req);
      return { status: 200, headers: {}, body: req.method === "DELETE" ? '{"kind":"Status","status":"Success"}' : '{"metadata":{},"items":[{"metadata":{"name":"a"}}]}' };
    },
    async stream() {
      throw new ApiError(0, "", "unused");
    },
  };
  const c = new RestClient({ server: "https://x", token: "tok", userAgent: "ua" }, t);
  const list = await c.list(R.deployments, "ns", { labelSelector: "a=b,c in (d)", limit: 5 });
  assert.equal(list.items[0]!.kind, "Deployment", "list items get kind and apiVersion back");
  assert.equal(list.items[0]!.apiVersion, "apps/v1");
  await c.patch(R.pods, "ns", "p", "apply", { a: 1 }, { fieldManager: "me", force: true });
  await c.patch(R.pods, "ns", "p", "merge", { a: 1 }, { force: true, subresource: "status" });
  assert.equal(await c.delete(R.nodes, "ignored", "n1", { propagationPolicy: "Background" }), undefined);
  assert.deepEqual(
    seen.map((r) => `${r.method} ${r.path} ${r.headers["Content-Type"] ?? ""}`),
    [
      "GET /apis/apps/v1/namespaces/ns/deployments?labelSelector=a%3Db%2Cc%20in%20(d)&limit=5 ",
      "PATCH /api/v1/namespaces/ns/pods/p?fieldManager=me&force=true application/apply-patch+yaml",
      "PATCH /api/v1/namespaces/ns/pods/p/status application/merge-patch+json",
      "DELETE /api/v1/nodes/n1 application/json",
    ],
  );
  assert.equal(seen[0]!.headers["Authorization"], "Bearer tok");
  assert.equal(seen[0]!.headers["User-Agent"], "ua");
  assert.match(new RestClient({ server: "https://x" }, t).config.userAgent ?? "", /^$/);
});

test("metadataOnly asks for PartialObjectMetadata (as kube's metadata client); DeleteOptions do not carry it", async () => {
  const seen: TransportRequest[] = [];
  const t: Transport = {
    async request(req) {
      seen.push(req);
      return { status: 200, headers: {}, body: '{"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/v1","metadata":{"name":"p","uid":"u"}}' };
    },
    async stream() {
      throw new ApiError(0, "", "unused");
    },
  };
  const c = new RestClient({ server: "https://x" }, t);
  assert.equal((await c.get(R.pods, "ns", "p", { metadataOnly: true })).metadata.uid, "u");
  await c.create(R.pods, "ns", { metadata: { generateName: "p-" } }, { metadataOnly: true });
  await c.update(R.pods, { metadata: { name: "p", namespace: "ns" }, status: {} }, { subresource: "status", metadataOnly: true });
  const deleted = await c.delete(R.pods, "ns", "p", { gracePeriodSeconds: 0, metadataOnly: true });
  assert.equal(deleted?.kind, "PartialObjectMetadata");
  await c.get(R.pods, "ns", "p");
  assert.deepEqual(seen.map((r) => r.headers["Accept"]), [METADATA_ACCEPT, METADATA_ACCEPT, METADATA_ACCEPT, METADATA_ACCEPT, "application/json"]);
  assert.equal(METADATA_ACCEPT, "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json");
  assert.deepEqual(JSON.parse(seen[3]!.body!), { kind: "DeleteOptions", apiVersion: "v1", gracePeriodSeconds: 0 });
});

test("a connection failure is ApiError code 0", async () => {
  const c = new RestClient({ server: "http://127.0.0.1:1" });
  await assert.rejects(c.get(R.pods, "default", "x"), (e: unknown) => e instanceof ApiError && e.code === 0);
  const w = c.watch(R.pods, "default", {}, () => {});
  await assert.rejects(w.done, (e: unknown) => e instanceof ApiError && e.code === 0);
  c.close();
});
