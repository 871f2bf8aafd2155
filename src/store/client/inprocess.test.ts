import { create } from "@bufbuild/protobuf";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  Compare_CompareResult, Compare_CompareTarget, PutRequestSchema, RangeRequestSchema, TxnRequestSchema,
  WatchCreateRequestSchema, type WatchResponse,
} from "../api/gen/rpc_pb.js";
import { startStore, storeDefaults, type RunningStore } from "../index.js";
import { EtcdError, type EtcdClient } from "./types.js";

const b = (s: string) => Buffer.from(s);

describe("in-process etcd client", () => {
  let dir: string;
  let store: RunningStore;
  let c: EtcdClient;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "kplane-inproc-"));
    store = await startStore({
      ...storeDefaults,
      dataDir: dir,
      listenClientUrls: ["http://127.0.0.1:0"],
      advertiseClientUrls: ["http://127.0.0.1:0"],
      walSegmentBytes: 1024 * 1024,
    });
    c = store.client();
  });
  after(async () => {
    await c.close();
    await store.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("put, range and a compare-and-swap txn, with etcd's headers", async () => {
    const p = await c.put(create(PutRequestSchema, { key: b("/a"), value: b("1") }));
    assert.equal(p.header!.revision, 2n);
    assert.equal(p.header!.memberId, store.member.id);
    const r = await c.range(create(RangeRequestSchema, { key: b("/"), rangeEnd: b("0") }));
    assert.equal(r.count, 1n);
    assert.equal(Buffer.from(r.kvs[0]!.value).toString(), "1");
    const t = await c.txn(create(TxnRequestSchema, {
      compare: [{ key: b("/a"), target: Compare_CompareTarget.MOD, result: Compare_CompareResult.EQUAL, targetUnion: { case: "modRevision", value: 2n } }],
      success: [{ request: { case: "requestPut", value: { key: b("/a"), value: b("2") } } }],
    }));
    assert.equal(t.succeeded, true);
    assert.equal(t.header!.revision, 3n);
  });

  test("errors carry etcd's code and message", async () => {
    await assert.rejects(c.put(create(PutRequestSchema, { key: b(""), value: b("x") })), (e: unknown) =>
      e instanceof EtcdError && e.code === 3 && e.message === "etcdserver: key is not provided");
    await assert.rejects(c.range(create(RangeRequestSchema, { key: b("/a"), revision: 99n })), (e: unknown) =>
      e instanceof EtcdError && e.code === 11 && e.message === "etcdserver: mvcc: required revision is a future revision");
  });

  test("a watch stream: created, replayed history, live events, progress", async () => {
    const w = c.watchStream();
    const got: WatchResponse[] = [];
    w.onResponse((r) => got.push(r));
    w.create(create(WatchCreateRequestSchema, { key: b("/"), rangeEnd: b("0"), startRevision: 2n, prevKv: true }));
    const until = async (n: number) => {
      for (let i = 0; i < 200 && got.length < n; i++) await new Promise((r) => setTimeout(r, 5));
      assert.ok(got.length >= n, `expected ${n} responses, got ${got.length}`);
    };
    await until(2);
    assert.equal(got[0]!.created, true);
    assert.deepEqual(got[1]!.events.map((e) => Number(e.kv!.modRevision)), [2, 3]);
    await c.put(create(PutRequestSchema, { key: b("/b"), value: b("x") }));
    await until(3);
    assert.equal(Buffer.from(got[2]!.events[0]!.kv!.key).toString(), "/b");
    w.requestProgress();
    await until(4);
    assert.equal(got[3]!.watchId, -1n);
    assert.equal(got[3]!.header!.revision, 4n);
    let closed = false;
    w.onClose(() => (closed = true));
    w.close();
    await new Promise((r) => setTimeout(r, 5));
    assert.ok(closed);
  });
});
