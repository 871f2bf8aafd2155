import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { createServer, type Http2Session, type ServerHttp2Stream } from "node:http2";
import type { AddressInfo } from "node:net";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import {
  CompactionRequestSchema, Compare_CompareResult, Compare_CompareTarget, DeleteRangeRequestSchema,
  LeaseGrantRequestSchema, LeaseRevokeRequestSchema, PutRequestSchema, RangeRequestSchema, RangeResponseSchema, TxnRequestSchema,
  WatchCreateRequestSchema, type WatchResponse,
} from "../api/gen/rpc_pb.js";
import type { KeyValue } from "../api/gen/kv_pb.js";
import { startMember, type Member, type Target } from "../../../test/etcdctl/server.js";
import { grpcClient } from "./grpc.js";
import { EtcdError, type EtcdClient } from "./types.js";

const b = (s: string) => Buffer.from(s);
const kv = (k: KeyValue) => ({
  key: Buffer.from(k.key).toString(), value: Buffer.from(k.value).toString(),
  create: k.createRevision, mod: k.modRevision, version: k.version, lease: k.lease,
});
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function errorOf(p: Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof EtcdError, `not an EtcdError: ${String(e)}`);
    return { code: e.code, message: e.message };
  }
  assert.fail("expected an error");
}

/** A watch stream recorder: responses in order, and a way to wait for the n-th. */
function recorder() {
  const got: WatchResponse[] = [];
  const waiters: Array<() => void> = [];
  return {
    got,
    push(r: WatchResponse) {
      got.push(r);
      waiters.splice(0).forEach((f) => f());
    },
    async until(n: number, ms = 5000): Promise<void> {
      const end = Date.now() + ms;
      while (got.length < n) {
        if (Date.now() > end) assert.fail(`only ${got.length} of ${n} watch responses`);
        await Promise.race([new Promise<void>((r) => waiters.push(r)), sleep(50)]);
      }
    },
  };
}

/** Every scenario, run against one server; returns what must be equal on both servers. */
async function scenario(c: EtcdClient): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  const p1 = await c.put(create(PutRequestSchema, { key: b("/a"), value: b("1") }));
  const p2 = await c.put(create(PutRequestSchema, { key: b("/a"), value: b("2"), prevKv: true }));
  await c.put(create(PutRequestSchema, { key: b("/b"), value: b("x") }));
  out["put"] = [p1.header!.revision, p2.header!.revision, p2.prevKv && kv(p2.prevKv)];
  const r = await c.range(create(RangeRequestSchema, { key: b("/"), rangeEnd: b("0") }));
  out["range"] = { rev: r.header!.revision, count: r.count, more: r.more, kvs: r.kvs.map(kv) };
  const r1 = await c.range(create(RangeRequestSchema, { key: b("/a"), revision: 2n }));
  out["rangeAtRev"] = r1.kvs.map(kv);
  const t = await c.txn(create(TxnRequestSchema, {
    compare: [{ key: b("/a"), target: Compare_CompareTarget.VALUE, result: Compare_CompareResult.EQUAL, targetUnion: { case: "value", value: b("2") } }],
    success: [
      { request: { case: "requestPut", value: { key: b("/a"), value: b("3") } } },
      { request: { case: "requestRange", value: { key: b("/a") } } },
    ],
    failure: [],
  }));
  out["txn"] = {
    ok: t.succeeded, rev: t.header!.revision,
    kinds: t.responses.map((x) => x.response.case),
    range: t.responses[1]?.response.case === "responseRange" ? t.responses[1].response.value.kvs.map(kv) : null,
  };
  const d = await c.deleteRange(create(DeleteRangeRequestSchema, { key: b("/b"), prevKv: true }));
  out["delete"] = { rev: d.header!.revision, deleted: d.deleted, prev: d.prevKvs.map(kv) };
  const lg = await c.leaseGrant(create(LeaseGrantRequestSchema, { TTL: 60n, ID: 7777n }));
  out["leaseGrant"] = { id: lg.ID, ttl: lg.TTL, error: lg.error };
  await c.put(create(PutRequestSchema, { key: b("/l"), value: b("v"), lease: 7777n }));
  const lr = await c.leaseRevoke(create(LeaseRevokeRequestSchema, { ID: 7777n }));
  out["leaseRevoke"] = lr.header!.revision;
  out["afterRevoke"] = (await c.range(create(RangeRequestSchema, { key: b("/l") }))).count;
  const cp = await c.compact(create(CompactionRequestSchema, { revision: 3n, physical: true }));
  out["compact"] = cp.header!.revision;
  const st = await c.status();
  out["status"] = { rev: st.header!.revision, leader: st.leader === st.header!.memberId, db: st.dbSize > 0n };

  // Errors: etcd's code and message.
  out["errEmptyKey"] = await errorOf(c.put(create(PutRequestSchema, { key: b(""), value: b("v") })));
  out["errFuture"] = await errorOf(c.range(create(RangeRequestSchema, { key: b("/a"), revision: 1000n })));
  out["errCompacted"] = await errorOf(c.range(create(RangeRequestSchema, { key: b("/a"), revision: 2n })));
  out["errLease"] = await errorOf(c.leaseRevoke(create(LeaseRevokeRequestSchema, { ID: 424242n })));

  // 200 concurrent puts on the one connection.
  const base = (await c.status()).header!.revision;
  const many = await Promise.all(
    Array.from({ length: 200 }, (_, i) => c.put(create(PutRequestSchema, { key: b(`/many/${i}`), value: Buffer.alloc(i * 10, 0x61) }))),
  );
  const revs = many.map((x) => x.header!.revision).sort((x, y) => (x < y ? -1 : 1));
  assert.deepEqual(revs, Array.from({ length: 200 }, (_, i) => base + BigInt(i + 1)));
  const mr = await c.range(create(RangeRequestSchema, { key: b("/many/"), rangeEnd: b("/many0") }));
  out["many"] = { count: mr.count, bytes: mr.kvs.reduce((n, k) => n + k.value.length, 0) };
  // A response larger than one frame and than the default window.
  const big = Buffer.alloc(200 * 1024, 0x62);
  await c.put(create(PutRequestSchema, { key: b("/big"), value: big }));
  const br = await c.range(create(RangeRequestSchema, { key: b("/big") }));
  assert.equal(Buffer.compare(Buffer.from(br.kvs[0]!.value), big), 0);
  return out;
}

async function watchScenario(c: EtcdClient): Promise<unknown[]> {
  const start = (await c.status()).header!.revision;
  const w = c.watchStream();
  const rec = recorder();
  w.onResponse((r) => rec.push(r));
  let closed: unknown = "open";
  w.onClose((e) => (closed = e));
  w.create(create(WatchCreateRequestSchema, { key: b("/w/"), rangeEnd: b("/w0"), startRevision: start + 1n, prevKv: true }));
  await rec.until(1);
  await c.put(create(PutRequestSchema, { key: b("/w/1"), value: b("a") }));
  await c.put(create(PutRequestSchema, { key: b("/w/1"), value: b("b") }));
  await c.deleteRange(create(DeleteRangeRequestSchema, { key: b("/w/1") }));
  // Events may come batched differently; count them.
  const events = () => rec.got.reduce((n, r) => n + r.events.length, 0);
  for (let i = 0; events() < 3 && i < 100; i++) await sleep(20);
  const n = rec.got.length;
  w.requestProgress();
  await rec.until(n + 1);
  const wid = rec.got[0]!.watchId;
  w.cancel(wid);
  await rec.until(n + 2);
  w.close();
  await sleep(20);
  assert.equal(closed, undefined);
  const evs = rec.got.flatMap((r) => r.events.map((e) => ({ type: e.type, kv: e.kv && kv(e.kv), prev: e.prevKv && kv(e.prevKv) })));
  const rel = (x: bigint) => x - start;
  return [
    { created: rec.got[0]!.created, id: wid },
    evs.map((e) => ({ ...e, kv: e.kv && { ...e.kv, mod: rel(e.kv.mod), create: e.kv.create && rel(e.kv.create) } , prev: e.prev && { ...e.prev, mod: rel(e.prev.mod), create: rel(e.prev.create) } })),
    { progressId: rec.got[n]!.watchId, progressRev: rel(rec.got[n]!.header!.revision), events: rec.got[n]!.events.length },
    { canceled: rec.got[n + 1]!.canceled, id: rec.got[n + 1]!.watchId },
  ];
}

const targets: Target[] = ["etcd", "kplane"];
const kplaneBuilt = existsSync(fileURLToPath(new URL("../../../bin/kplane.mjs", import.meta.url)));
const results = new Map<Target, { kv: Record<string, unknown>; watch: unknown[] }>();
const members = new Map<Target, Member>();
let dir: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "kplane-grpcc-"));
  await Promise.all(
    targets.map(async (t) => {
      if (t === "kplane" && !kplaneBuilt) return;
      members.set(t, await startMember(t, join(dir, t), []));
    }),
  );
});
after(async () => {
  await Promise.all([...members.values()].map((m) => m.stop()));
  rmSync(dir, { recursive: true, force: true });
});

for (const target of targets) {
  describe(`gRPC client against ${target}`, { skip: target === "kplane" && !kplaneBuilt ? "run node scripts/build.mjs" : false }, () => {
    test("unary calls, errors, 200 concurrent puts, watch", async () => {
      const c = grpcClient(`http://${members.get(target)!.clientAddr}`);
      try {
        results.set(target, { kv: await scenario(c), watch: await watchScenario(c) });
      } finally {
        await c.close();
      }
    });

    if (target === "kplane") {
      test("measurement: 64 concurrent puts", async (t) => {
        const c = grpcClient(members.get(target)!.clientAddr);
        await c.put(create(PutRequestSchema, { key: b("/m"), value: b("v") }));
        const req = create(PutRequestSchema, { key: b("/bench/k"), value: Buffer.alloc(128, 0x61) });
        const rounds = 60;
        // Warm up first: the figure is for steady state, not for JIT compilation.
        for (let i = 0; i < 20; i++) await Promise.all(Array.from({ length: 64 }, () => c.put(req)));
        const t0 = performance.now();
        const cpu0 = process.cpuUsage();
        for (let i = 0; i < rounds; i++) await Promise.all(Array.from({ length: 64 }, () => c.put(req)));
        const cpu = process.cpuUsage(cpu0);
        const ms = performance.now() - t0;
        const calls = rounds * 64;
        const line = `grpc client vs kplane, 64 concurrent puts: ${Math.round((calls / ms) * 1000)} calls/s, client CPU ${((cpu.user + cpu.system) / calls).toFixed(1)} µs/call`;
        t.diagnostic(line);
        console.log(line);
        await c.close();
      });
    }

    test("server killed mid-call: calls fail with 14, watch closes with an error", async () => {
      const m = members.get(target)!;
      const c = grpcClient(m.clientAddr);
      await c.status();
      const w = c.watchStream();
      const closed = new Promise<EtcdError | undefined>((r) => w.onClose(r));
      const rec = recorder();
      w.onResponse((r) => rec.push(r));
      w.create(create(WatchCreateRequestSchema, { key: b("/k") }));
      await rec.until(1);
      const calls = Array.from({ length: 300 }, (_, i) => c.put(create(PutRequestSchema, { key: b(`/k/${i}`), value: b("v") })));
      const stopped = m.stop();
      const settled = await Promise.allSettled(calls);
      await stopped;
      members.delete(target);
      const failed = settled.filter((s) => s.status === "rejected");
      assert.ok(failed.length > 0, "some calls were in flight at the kill");
      for (const f of failed) {
        assert.ok(f.reason instanceof EtcdError);
        assert.equal(f.reason.code, 14, f.reason.message);
      }
      const err = await closed;
      assert.ok(err instanceof EtcdError);
      assert.equal(err.code, 14);
      // The next call dials again and fails the same way.
      const again = await errorOf(c.status());
      assert.equal(again.code, 14);
      const w2 = c.watchStream();
      const e2 = await new Promise<EtcdError | undefined>((r) => w2.onClose(r));
      assert.equal(e2?.code, 14);
      await c.close();
    });
  });
}

describe("both servers", () => {
  test("give the same results", { skip: !kplaneBuilt }, () => {
    const e = results.get("etcd");
    const k = results.get("kplane");
    assert.ok(e && k, "both scenarios ran");
    if (process.env["GRPCC_DUMP"]) console.log(JSON.stringify({ e, k }, (_, v: unknown) => (typeof v === "bigint" ? `${v}n` : v), 1));
    assert.deepEqual(k.kv, e.kv);
    assert.deepEqual(k.watch, e.watch);
  });
});

/** Wire details real servers rarely show, from a scripted node:http2 server. */
describe("gRPC client against a scripted HTTP/2 server", () => {
  const sessions = new Set<Http2Session>();
  const server = createServer({ settings: { initialWindowSize: 1000 } });
  let addr = "";
  const hanging: ServerHttp2Stream[] = [];
  before(async () => {
    server.on("session", (s) => {
      sessions.add(s);
      s.on("close", () => sessions.delete(s));
    });
    server.on("stream", (st: ServerHttp2Stream, headers) => {
      const chunks: Buffer[] = [];
      st.on("data", (d: Buffer) => chunks.push(d));
      st.on("end", () => {
        const all = Buffer.concat(chunks);
        const req = fromBinary(RangeRequestSchema, all.subarray(5));
        const key = Buffer.from(req.key).toString();
        assert.equal(headers["content-type"], "application/grpc");
        assert.equal(headers["te"], "trailers");
        if (key === "err") {
          // Trailers-only, percent-encoded UTF-8 message.
          st.respond({ ":status": 200, "content-type": "application/grpc", "grpc-status": "9", "grpc-message": "caf%C3%A9 100%25 sure" }, { endStream: true });
          return;
        }
        if (key === "hang") return void hanging.push(st); // answers only by going away
        // GOAWAY, then still answer this call (it was processed).
        if (key === "goaway") st.session!.goaway(0);
        const resp = Buffer.from(toBinary(RangeResponseSchema, create(RangeResponseSchema, { count: BigInt(all.length), kvs: [{ key: b(key), value: Buffer.from(req.rangeEnd) }] })));
        const msg = Buffer.concat([Buffer.from([0, 0, 0, 0, 0]), resp]);
        msg.writeUInt32BE(resp.length, 1);
        st.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
        st.on("wantTrailers", () => st.sendTrailers({ "grpc-status": "0" }));
        // Two messages' worth of bytes split at odd places: a message spans frames.
        const step = 3;
        for (let i = 0; i < msg.length; i += step) st.write(msg.subarray(i, i + step));
        st.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    addr = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    for (const s of sessions) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  });

  test("messages split across frames, request larger than the server's window", async () => {
    const c = grpcClient(addr);
    const big = Buffer.alloc(5000, 0x7a); // the server grants only 1000 bytes at a time
    const rs = await Promise.all([c.range(create(RangeRequestSchema, { key: b("k1"), rangeEnd: big })), c.range(create(RangeRequestSchema, { key: b("k2") }))]);
    assert.equal(Buffer.compare(Buffer.from(rs[0].kvs[0]!.value), big), 0);
    assert.equal(Buffer.from(rs[1].kvs[0]!.key).toString(), "k2");
    await c.close();
  });

  test("trailers-only error with a percent-encoded message", async () => {
    const c = grpcClient(addr);
    assert.deepEqual(await errorOf(c.range(create(RangeRequestSchema, { key: b("err") }))), { code: 9, message: "café 100% sure" });
    await c.close();
  });

  test("GOAWAY: calls in flight finish, new ones dial again; a dropped connection fails calls with 14", async () => {
    const c = grpcClient(addr);
    const hang = c.range(create(RangeRequestSchema, { key: b("hang") }));
    const g = await c.range(create(RangeRequestSchema, { key: b("goaway") }));
    assert.equal(Buffer.from(g.kvs[0]!.key).toString(), "goaway");
    const r = await c.range(create(RangeRequestSchema, { key: b("again") }));
    assert.equal(Buffer.from(r.kvs[0]!.key).toString(), "again");
    assert.equal(sessions.size, 2, "a second connection");
    assert.equal(hanging.length, 1);
    hanging[0]!.session!.destroy();
    assert.equal((await errorOf(hang)).code, 14);
    await c.close();
  });
});
