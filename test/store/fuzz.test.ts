// Fuzzing the store's client port: every unary gRPC method gets random bytes, damaged valid
// messages and well-formed nonsense; the streams get garbage and abrupt cancels; the port gets
// raw TCP garbage, broken HTTP/2 and HTTP/1.1, and malformed JSON on the gateway. The store
// must answer with a status (or close the connection), stay healthy after every batch, and
// come back from a restart holding exactly what it held before.
//
// Cases that are well-formed enough to have a "right" answer also go to a real etcd; the
// differences are printed (diagnostics), not failed: etcd 3.4 is the reference here and kplane
// speaks 3.5 in places. Replay with KPLANE_FUZZ_SEED=<seed>; KPLANE_FUZZ_ETCD=0 skips etcd.
import { create, fromBinary, toBinary, type DescMessage, type MessageInitShape } from "@bufbuild/protobuf";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import * as pb from "../../src/store/api/gen/rpc_pb.js";
import { etcdctlOnce, startMember, type Member } from "../etcdctl/server.js";
import { allKeys, Client, rpcs, str, utf8, type Rpc } from "./client.js";
import { lenField, mutate, nestedTxn, tag, varint } from "./mutate.js";
import { Rng, seedFrom } from "./rng.js";
import { grpcFrame, grpcStatusOf, h2Frame, h2Request, PREFACE, rawExchange, type H2Result } from "./wire.js";

const seed = seedFrom("KPLANE_FUZZ_SEED");
const withEtcd = process.env["KPLANE_FUZZ_ETCD"] !== "0";

type AnyRpc = Rpc<DescMessage, DescMessage>;

interface Outcome {
  /** 0 = OK. */
  code: number;
  message: string;
}

interface UnaryTarget {
  name: string;
  rpc: AnyRpc;
  /** Valid requests the mutators start from. */
  seeds: Array<MessageInitShape<DescMessage>>;
  /** How many random/mutated requests (slow methods get fewer). */
  budget: number;
}

const u = (name: string, rpc: AnyRpc, seeds: Array<Record<string, unknown>>, budget = 1): UnaryTarget =>
  ({ name, rpc, seeds: seeds as Array<MessageInitShape<DescMessage>>, budget });

const k = (s: string) => utf8(s);
const rangeOp = (key: string) => ({ request: { case: "requestRange", value: { key: k(key) } } });
const putOp = (key: string, value: string) => ({ request: { case: "requestPut", value: { key: k(key), value: k(value) } } });
const delOp = (key: string) => ({ request: { case: "requestDeleteRange", value: { key: k(key) } } });

/** Every unary method with a few valid requests to damage. */
const unaries: UnaryTarget[] = [
  u("Range", rpcs.range as AnyRpc, [
    { key: k("fz/a"), rangeEnd: k("fz/z"), limit: 10n, sortOrder: 1, sortTarget: 2, keysOnly: true },
    { key: k("fz/a"), revision: 2n, serializable: true, countOnly: true, minModRevision: 1n, maxCreateRevision: 100n },
  ]),
  u("Put", rpcs.put as AnyRpc, [{ key: k("fz/p"), value: k("value"), prevKv: true }, { key: k("fz/q"), value: k(""), ignoreValue: false }]),
  u("DeleteRange", rpcs.deleteRange as AnyRpc, [{ key: k("fz/p"), rangeEnd: k("fz/q"), prevKv: true }]),
  u("Txn", rpcs.txn as AnyRpc, [{
    compare: [{ key: k("fz/c"), result: 0, target: 3, targetUnion: { case: "value", value: k("x") } },
      { key: k("fz/d"), result: 1, target: 0, targetUnion: { case: "version", value: 0n }, rangeEnd: k("fz/e") }],
    success: [putOp("fz/t1", "a"), rangeOp("fz/t1"), delOp("fz/t2"),
      { request: { case: "requestTxn", value: { success: [putOp("fz/t3", "b")], failure: [rangeOp("fz/t4")] } } }],
    failure: [putOp("fz/t5", "c")],
  }], 2),
  u("Compact", rpcs.compact as AnyRpc, [{ revision: 1n }, { revision: 3n, physical: true }]),
  u("LeaseGrant", rpcs.leaseGrant as AnyRpc, [{ TTL: 30n }, { TTL: 60n, ID: 12345n }]),
  u("LeaseRevoke", rpcs.leaseRevoke as AnyRpc, [{ ID: 12345n }]),
  u("LeaseTimeToLive", rpcs.leaseTimeToLive as AnyRpc, [{ ID: 12345n, keys: true }]),
  u("LeaseLeases", rpcs.leaseLeases as AnyRpc, [{}]),
  u("MemberList", rpcs.memberList as AnyRpc, [{}]),
  u("Alarm", rpcs.alarm as AnyRpc, [{ action: 0, alarm: 0 }, { action: 2, memberID: 1n, alarm: 1 }]),
  u("Status", rpcs.status as AnyRpc, [{}]),
  u("Defragment", rpcs.defragment as AnyRpc, [{}], 0.15),
  u("Hash", rpcs.hash as AnyRpc, [{}], 0.3),
  u("HashKV", rpcs.hashKV as AnyRpc, [{ revision: 0n }, { revision: 2n }], 0.5),
  u("MoveLeader", rpcs.moveLeader as AnyRpc, [{ targetID: 1n }]),
  u("AuthStatus", rpcs.authStatus as AnyRpc, [{}]),
  u("Authenticate", rpcs.authenticate as AnyRpc, [{ name: "root", password: "pw" }]),
  u("AuthEnable", rpcs.authEnable as AnyRpc, [{}]),
  u("AuthDisable", rpcs.authDisable as AnyRpc, [{}]),
  u("UserAdd", rpcs.userAdd as AnyRpc, [{ name: "fz", password: "pw" }]),
  u("UserGet", rpcs.userGet as AnyRpc, [{ name: "fz" }]),
  u("UserList", rpcs.userList as AnyRpc, [{}]),
  u("UserDelete", rpcs.userDelete as AnyRpc, [{ name: "fz" }]),
  u("UserChangePassword", rpcs.userChangePassword as AnyRpc, [{ name: "fz", password: "pw2" }]),
  u("UserGrantRole", rpcs.userGrantRole as AnyRpc, [{ user: "fz", role: "r" }]),
  u("UserRevokeRole", rpcs.userRevokeRole as AnyRpc, [{ name: "fz", role: "r" }]),
  u("RoleAdd", rpcs.roleAdd as AnyRpc, [{ name: "r" }]),
  u("RoleGet", rpcs.roleGet as AnyRpc, [{ role: "r" }]),
  u("RoleList", rpcs.roleList as AnyRpc, [{}]),
  u("RoleDelete", rpcs.roleDelete as AnyRpc, [{ role: "r" }]),
  u("RoleGrantPermission", rpcs.roleGrantPermission as AnyRpc, [{ name: "r", perm: { permType: 2, key: k("fz/"), rangeEnd: k("fz0") } }]),
  u("RoleRevokePermission", rpcs.roleRevokePermission as AnyRpc, [{ role: "r", key: k("fz/"), rangeEnd: k("fz0") }]),
];

const byName = new Map(unaries.map((x) => [x.name, x]));
const encode = (name: string, init: Record<string, unknown>): Buffer => {
  const t = byName.get(name)!;
  return Buffer.from(toBinary(t.rpc.input, create(t.rpc.input, init as MessageInitShape<DescMessage>)));
};

interface Case {
  name: string;
  path: string;
  bytes: Buffer;
  /** Not sent to etcd: etcd 3.4 panics on it (kplane answers). */
  etcdPanics?: boolean;
}

/** Well-formed requests that make no sense: these have a right answer, etcd's. */
function semanticCases(): Case[] {
  const c = (name: string, method: string, init: Record<string, unknown>): Case =>
    ({ name, path: byName.get(method)!.rpc.path, bytes: encode(method, init) });
  const big = (n: number) => Buffer.alloc(n, 0x61);
  const manyOps = (n: number) => Array.from({ length: n }, (_, i) => putOp(`fz/many/${i}`, "v"));
  return [
    c("range empty key", "Range", { key: new Uint8Array(0) }),
    c("range negative revision", "Range", { key: k("fz/a"), revision: -5n }),
    c("range future revision", "Range", { key: k("fz/a"), revision: 2n ** 62n }),
    c("range sort order 99", "Range", { key: k("fz/a"), sortOrder: 99 }),
    { ...c("range sort target 99", "Range", { key: k("fz/a"), sortTarget: 99 }), etcdPanics: true },
    c("range negative sort order", "Range", { key: k("fz/a"), sortOrder: -1 }),
    c("range negative limit", "Range", { key: k("fz/a"), rangeEnd: k("fz/z"), limit: -3n }),
    c("range end before key", "Range", { key: k("fz/z"), rangeEnd: k("fz/a") }),
    c("range min mod above max", "Range", { key: k("fz/a"), rangeEnd: k("\0"), minModRevision: 10n, maxModRevision: 2n }),
    c("range binary key", "Range", { key: Buffer.from([0, 255, 0, 1]) }),
    c("put empty key", "Put", { key: new Uint8Array(0), value: k("v") }),
    c("put 1.4 MB value", "Put", { key: k("fz/big"), value: big(1_400_000) }),
    c("put 1.6 MB value (over --max-request-bytes)", "Put", { key: k("fz/big"), value: big(1_600_000) }),
    c("put 2.5 MB value (over the gRPC limit)", "Put", { key: k("fz/big"), value: big(2_500_000) }),
    c("put unknown lease", "Put", { key: k("fz/l"), value: k("v"), lease: 987654321n }),
    c("put negative lease", "Put", { key: k("fz/l"), value: k("v"), lease: -1n }),
    c("put ignore value on a missing key", "Put", { key: k("fz/none"), ignoreValue: true }),
    c("put ignore value with a value", "Put", { key: k("fz/none"), value: k("v"), ignoreValue: true }),
    c("put ignore lease with a lease", "Put", { key: k("fz/none"), value: k("v"), ignoreLease: true, lease: 5n }),
    c("put ignore lease on a missing key", "Put", { key: k("fz/none2"), value: k("v"), ignoreLease: true }),
    c("delete empty key", "DeleteRange", { key: new Uint8Array(0) }),
    c("delete end before key", "DeleteRange", { key: k("fz/z"), rangeEnd: k("fz/a") }),
    c("txn 10000 ops", "Txn", { success: manyOps(10_000) }),
    c("txn 129 compares", "Txn", { compare: Array.from({ length: 129 }, (_, i) => ({ key: k(`fz/c${i}`), targetUnion: { case: "version", value: 0n } })) }),
    c("txn duplicate put", "Txn", { success: [putOp("fz/d", "1"), putOp("fz/d", "2")] }),
    c("txn put under a delete range", "Txn", { success: [{ request: { case: "requestDeleteRange", value: { key: k("fz/"), rangeEnd: k("fz0") } } }, putOp("fz/x", "1")] }),
    c("txn empty op", "Txn", { success: [{}] }),
    c("txn compare empty key", "Txn", { compare: [{ key: new Uint8Array(0), targetUnion: { case: "version", value: 0n } }] }),
    c("txn compare result 99", "Txn", { compare: [{ key: k("fz/c"), result: 99, target: 0, targetUnion: { case: "version", value: 0n } }], success: [rangeOp("fz/c")] }),
    c("txn compare target 99", "Txn", { compare: [{ key: k("fz/c"), result: 0, target: 99 }], success: [rangeOp("fz/c")] }),
    c("txn compare target without value", "Txn", { compare: [{ key: k("fz/c"), result: 0, target: 3 }], success: [rangeOp("fz/c")] }),
    c("txn range with sort order 99", "Txn", { success: [{ request: { case: "requestRange", value: { key: k("fz/a"), sortOrder: 99 } } }] }),
    c("txn range future revision", "Txn", { success: [{ request: { case: "requestRange", value: { key: k("fz/a"), revision: 2n ** 40n } } }] }),
    c("txn put empty key", "Txn", { success: [putOp("", "v")] }),
    c("compact 0", "Compact", { revision: 0n }),
    c("compact negative", "Compact", { revision: -1n }),
    c("compact future", "Compact", { revision: 2n ** 40n }),
    c("lease grant ttl 0", "LeaseGrant", { TTL: 0n }),
    c("lease grant negative ttl", "LeaseGrant", { TTL: -10n }),
    c("lease grant huge ttl", "LeaseGrant", { TTL: 2n ** 40n }),
    c("lease grant negative id", "LeaseGrant", { TTL: 60n, ID: -7n }),
    c("lease revoke 0", "LeaseRevoke", { ID: 0n }),
    c("lease revoke unknown", "LeaseRevoke", { ID: 424242n }),
    c("lease ttl unknown", "LeaseTimeToLive", { ID: 424242n, keys: true }),
    c("lease ttl negative", "LeaseTimeToLive", { ID: -1n }),
    { ...c("alarm action 99", "Alarm", { action: 99, alarm: 0 }), etcdPanics: true },
    c("alarm get type 99", "Alarm", { action: 0, alarm: 99 }),
    c("alarm deactivate unknown member", "Alarm", { action: 2, memberID: 42n, alarm: 1 }),
    c("hashkv negative", "HashKV", { revision: -1n }),
    c("hashkv future", "HashKV", { revision: 2n ** 40n }),
    c("move leader to 0", "MoveLeader", { targetID: 0n }),
    c("move leader to unknown", "MoveLeader", { targetID: 42n }),
    c("authenticate empty", "Authenticate", {}),
    c("user add empty name", "UserAdd", {}),
    c("user get unknown", "UserGet", { name: "nobody" }),
    c("role add empty", "RoleAdd", {}),
    c("role grant permission type 99", "RoleGrantPermission", { name: "nobody", perm: { permType: 99, key: k("a") } }),
    c("auth status", "AuthStatus", {}),
    c("auth disable while disabled", "AuthDisable", {}),
    { name: "txn nested 100 deep", path: rpcs.txn.path, bytes: nestedTxn(100, encode("Txn", { success: [putOp("fz/deep", "v")] })) },
    { name: "txn nested 130 deep", path: rpcs.txn.path, bytes: nestedTxn(130) },
    { name: "txn nested 5000 deep", path: rpcs.txn.path, bytes: nestedTxn(5000) },
    { name: "txn nested 100000 deep", path: rpcs.txn.path, bytes: nestedTxn(100_000) },
    { name: "empty message to Put", path: rpcs.put.path, bytes: Buffer.alloc(0) },
    { name: "field 0", path: rpcs.range.path, bytes: Buffer.from([0x00, 0x01]) },
    { name: "wire type 7", path: rpcs.range.path, bytes: Buffer.from([0x0f, 0x01]) },
    { name: "key length beyond the message", path: rpcs.range.path, bytes: Buffer.concat([tag(1, 2), varint(1000), Buffer.from("abc")]) },
    { name: "overlong varint", path: rpcs.range.path, bytes: Buffer.concat([tag(3, 0), Buffer.alloc(10, 0xff), Buffer.from([1])]) },
    { name: "unterminated group", path: rpcs.range.path, bytes: Buffer.concat([tag(20, 3), lenField(1, k("x"))]) },
    { name: "unknown method", path: "/etcdserverpb.KV/Nope", bytes: Buffer.alloc(0) },
    { name: "unknown service", path: "/nope.Svc/Nope", bytes: Buffer.alloc(0) },
  ];
}

/** Messages that are JavaScript failing, not the store answering. */
const jsFailure = /TypeError|RangeError|ReferenceError|SyntaxError|Cannot read prop|is not a function|is not iterable|undefined|NaN|Maximum call stack/;

class Fuzzer {
  /** code:message -> count, over every call to kplane. */
  readonly seen = new Map<string, number>();
  readonly problems: string[] = [];
  readonly diffs: string[] = [];
  /** Successful fuzz puts (value read back after the restart). */
  readonly puts: Array<{ key: Uint8Array; value: Uint8Array; rev: number }> = [];
  calls = 0;

  constructor(public kp: Client, public etcd: Client | undefined, readonly rng: Rng) {}

  async call(c: Client, path: string, bytes: Buffer, timeoutMs = 15_000): Promise<Outcome> {
    const r = await c.raw(path, bytes, timeoutMs);
    return r.ok ? { code: 0, message: "" } : { code: r.code, message: r.details };
  }

  /** One request to kplane, judged: any status is fine except a hang or a JS failure. */
  async kplane(label: string, path: string, bytes: Buffer): Promise<Outcome> {
    this.calls++;
    const r = await this.kp.raw(path, bytes, 15_000);
    const o: Outcome = r.ok ? { code: 0, message: "" } : { code: r.code, message: r.details };
    const key = `${o.code}:${o.message.replace(/\d+/g, "N").slice(0, 90)}`;
    this.seen.set(key, (this.seen.get(key) ?? 0) + 1);
    const where = `${label} ${path} [${bytes.length} bytes: ${bytes.subarray(0, 48).toString("hex")}]`;
    if (o.code === 4) this.problems.push(`${where}: no answer in 15 s (${o.message})`);
    else if (o.code === 14) this.problems.push(`${where}: connection lost (${o.message})`);
    else if (o.code !== 0 && jsFailure.test(o.message)) this.problems.push(`${where}: ${o.code} ${o.message}`);
    if (r.ok && path === rpcs.put.path) {
      const req = fromBinary(pb.PutRequestSchema, bytes);
      const resp = fromBinary(pb.PutResponseSchema, r.bytes);
      if (!req.ignoreValue) this.puts.push({ key: req.key, value: req.value, rev: Number(resp.header?.revision ?? 0) });
    }
    return o;
  }

  /** The same request to both; a difference in code (or message, if `exact`) is noted. */
  async compare(label: string, path: string, bytes: Buffer, exact: boolean, kplaneOnly = false): Promise<void> {
    const a = await this.kplane(label, path, bytes);
    if (!this.etcd || kplaneOnly) return;
    const b = await this.call(this.etcd, path, bytes);
    if (b.code === 14) {
      // etcd 3.4 panics on some requests; compare no more rather than list its absence.
      this.diffs.push(`${label}: etcd lost its connection (${b.message}); no more comparisons`);
      this.etcd = undefined;
      return;
    }
    const unmarshal = (o: Outcome) => o.message.startsWith("grpc: error unmarshalling request");
    const same = a.code === b.code && (!exact || a.message === b.message || (unmarshal(a) && unmarshal(b)));
    if (!same) this.diffs.push(`${label}: kplane ${a.code} ${JSON.stringify(a.message.slice(0, 120))} / etcd ${b.code} ${JSON.stringify(b.message.slice(0, 120))}`);
  }

  async pool<T>(items: T[], n: number, fn: (x: T) => Promise<void>): Promise<void> {
    let i = 0;
    await Promise.all(Array.from({ length: n }, async () => {
      while (i < items.length) await fn(items[i++]!);
    }));
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

test("fuzzing the client port: answers, stays healthy, loses nothing", { timeout: 180_000 }, async (t) => {
  t.diagnostic(`seed ${seed} (replay: KPLANE_FUZZ_SEED=${seed})`);
  const rng = new Rng(seed);
  const dir = mkdtempSync(join(tmpdir(), "kplane-fuzz-"));
  const t0 = Date.now();
  let kp: Member | undefined;
  let etcd: Member | undefined;
  const clients: Client[] = [];
  try {
    [kp, etcd] = await Promise.all([
      startMember("kplane", join(dir, "kplane"), []),
      withEtcd ? startMember("etcd", join(dir, "etcd"), []) : Promise.resolve(undefined),
    ]);
    const kpm = kp;
    const fz = new Fuzzer(new Client(kpm.clientAddr), etcd ? new Client(etcd.clientAddr) : undefined, rng);
    clients.push(fz.kp);
    if (fz.etcd) clients.push(fz.etcd);
    const probes: Array<{ key: string; value: string; rev: number }> = [];

    /** After every batch: alive, writable, readable, and etcdctl says healthy. */
    const healthy = async (batch: string) => {
      const where = `seed ${seed}, after ${batch}`;
      // A fresh connection: the batch may have broken the old one (that is allowed).
      const c = new Client(kpm.clientAddr);
      try {
        // Fuzzed Alarm requests may have raised alarms (that is their right): disarm them.
        const alarms = await c.call(rpcs.alarm, { action: pb.AlarmRequest_AlarmAction.GET });
        for (const a of alarms.alarms) await c.call(rpcs.alarm, { action: pb.AlarmRequest_AlarmAction.DEACTIVATE, memberID: a.memberID, alarm: a.alarm });
        const key = `probe/${probes.length}`;
        const value = `${batch}-${rng.next()}`;
        const put = await c.call(rpcs.put, { key: utf8(key), value: utf8(value) });
        probes.push({ key, value, rev: Number(put.header!.revision) });
        const got = await c.call(rpcs.range, { key: utf8(key) });
        assert.equal(got.kvs.length === 1 ? str(got.kvs[0]!.value) : "(missing)", value, `${where}: probe read back`);
      } catch (e) {
        throw new Error(`${where}: the store does not answer a normal put/get: ${e instanceof Error ? e.message : String(e)}\n--- server log ---\n${kpm.logTail()}`);
      } finally {
        c.close();
      }
      // The HTTP/1.1 side of the port too.
      const hr = await fetch(`http://${kpm.clientAddr}/health`, { signal: AbortSignal.timeout(5000) }).then((r) => r.json() as Promise<{ health?: string }>, (e: unknown) => ({ health: String(e) }));
      assert.equal(hr.health, "true", `${where}: GET /health`);
      const th = Date.now();
      const h = await etcdctlOnce([`--endpoints=${kpm.clientAddr}`, "endpoint", "health"], 15_000);
      if (Date.now() - th > 1000) t.diagnostic(`etcdctl endpoint health took ${Date.now() - th} ms: ${h.stdout}${h.stderr}`);
      assert.equal(h.code, 0, `${where}: etcdctl endpoint health: ${h.stdout}${h.stderr}\n--- server log ---\n${kpm.logTail()}`);
      // The old channel may be dead after a batch that broke connections: start a new one.
      fz.kp.close();
      fz.kp = new Client(kpm.clientAddr);
      clients.push(fz.kp);
    };
    const batch = async (name: string, fn: () => Promise<void>) => {
      const t1 = Date.now();
      const calls = fz.calls;
      await fn();
      const t2 = Date.now();
      await healthy(name);
      t.diagnostic(`${name}: ${fz.calls - calls} calls, ${t2 - t1} ms, health check ${Date.now() - t2} ms`);
    };

    await healthy("start");

    // (c) well-formed nonsense, compared with etcd (first, while both stores hold the same).
    await batch("semantic cases", async () => {
      for (const c of semanticCases()) {
        const t1 = Date.now();
        await fz.compare(c.name, c.path, c.bytes, true, c.etcdPanics);
        if (Date.now() - t1 > 500) t.diagnostic(`slow case: ${c.name} ${Date.now() - t1} ms`);
      }
    });

    // (a) random bytes to every unary method.
    await batch("random bytes", async () => {
      const work: Case[] = [];
      for (const m of unaries) {
        for (let i = Math.ceil(50 * m.budget); i > 0; i--) {
          const n = rng.chance(0.8) ? rng.int(0, 40) : rng.int(41, 3000);
          work.push({ name: `random ${m.name}`, path: m.rpc.path, bytes: rng.bytes(n) });
        }
      }
      await fz.pool(work, 16, async (w) => void (await fz.kplane(w.name, w.path, w.bytes)));
      // A sample on etcd too, read-only methods only (random bytes may decode to anything).
      for (const m of ["Range", "Status", "MemberList", "LeaseTimeToLive", "AuthStatus", "HashKV"]) {
        for (let i = 0; i < 3; i++) await fz.compare(`random ${m}`, byName.get(m)!.rpc.path, rng.bytes(rng.int(1, 30)), false);
      }
    });

    // (b) valid messages, damaged.
    await batch("mutated messages", async () => {
      const work: Case[] = [];
      for (const m of unaries) {
        for (let i = Math.ceil(100 * m.budget); i > 0; i--) {
          const base = Buffer.from(toBinary(m.rpc.input, create(m.rpc.input, rng.pick(m.seeds))));
          const { how, bytes } = mutate(base, rng);
          work.push({ name: `${how} ${m.name}`, path: m.rpc.path, bytes });
        }
      }
      await fz.pool(work, 16, async (w) => void (await fz.kplane(w.name, w.path, w.bytes)));
    });

    // Streams: garbage, odd requests, and cancels in every state.
    await batch("streams", async () => {
      const watchReq = (init: Record<string, unknown>) => Buffer.from(toBinary(pb.WatchRequestSchema, create(pb.WatchRequestSchema, init as never)));
      const create1 = watchReq({ requestUnion: { case: "createRequest", value: { key: k("fz/"), rangeEnd: k("fz0"), startRevision: 1n } } });
      const scripts: Array<{ name: string; path: string; msgs: Buffer[]; cancelAfterMs: number }> = [
        { name: "watch garbage", path: "/etcdserverpb.Watch/Watch", msgs: [rng.bytes(20)], cancelAfterMs: 300 },
        { name: "watch create then garbage", path: "/etcdserverpb.Watch/Watch", msgs: [create1, rng.bytes(9)], cancelAfterMs: 300 },
        { name: "watch empty request", path: "/etcdserverpb.Watch/Watch", msgs: [Buffer.alloc(0)], cancelAfterMs: 200 },
        { name: "watch cancel unknown id", path: "/etcdserverpb.Watch/Watch", msgs: [watchReq({ requestUnion: { case: "cancelRequest", value: { watchId: 99n } } })], cancelAfterMs: 200 },
        { name: "watch future revision", path: "/etcdserverpb.Watch/Watch", msgs: [watchReq({ requestUnion: { case: "createRequest", value: { key: k("a"), startRevision: 2n ** 50n } } })], cancelAfterMs: 200 },
        { name: "watch negative revision", path: "/etcdserverpb.Watch/Watch", msgs: [watchReq({ requestUnion: { case: "createRequest", value: { key: k("a"), startRevision: -5n } } })], cancelAfterMs: 200 },
        { name: "watch empty key", path: "/etcdserverpb.Watch/Watch", msgs: [watchReq({ requestUnion: { case: "createRequest", value: {} } })], cancelAfterMs: 200 },
        { name: "watch filter 99", path: "/etcdserverpb.Watch/Watch", msgs: [watchReq({ requestUnion: { case: "createRequest", value: { key: k("a"), filters: [99] } } })], cancelAfterMs: 200 },
        { name: "watch duplicate id", path: "/etcdserverpb.Watch/Watch", msgs: [1, 2].map(() => watchReq({ requestUnion: { case: "createRequest", value: { key: k("a"), watchId: 7n } } })), cancelAfterMs: 200 },
        { name: "watch 300 watchers then cancel", path: "/etcdserverpb.Watch/Watch", msgs: Array.from({ length: 300 }, () => create1), cancelAfterMs: 50 },
        { name: "watch create, instant cancel", path: "/etcdserverpb.Watch/Watch", msgs: [create1], cancelAfterMs: 0 },
        { name: "keepalive garbage", path: "/etcdserverpb.Lease/LeaseKeepAlive", msgs: [rng.bytes(15)], cancelAfterMs: 300 },
        { name: "keepalive unknown and negative ids", path: "/etcdserverpb.Lease/LeaseKeepAlive", msgs: [0n, -1n, 2n ** 62n].map((ID) => Buffer.from(toBinary(pb.LeaseKeepAliveRequestSchema, create(pb.LeaseKeepAliveRequestSchema, { ID })))), cancelAfterMs: 300 },
        { name: "keepalive instant cancel", path: "/etcdserverpb.Lease/LeaseKeepAlive", msgs: [Buffer.from([8, 1])], cancelAfterMs: 0 },
        { name: "snapshot then cancel", path: "/etcdserverpb.Maintenance/Snapshot", msgs: [Buffer.alloc(0)], cancelAfterMs: 5 },
      ];
      for (let i = 0; i < 20; i++) {
        scripts.push({ name: `watch random ${i}`, path: "/etcdserverpb.Watch/Watch", msgs: [rng.chance(0.5) ? mutate(create1, rng).bytes : rng.bytes(rng.int(0, 64))], cancelAfterMs: rng.int(0, 100) });
      }
      await fz.pool(scripts, 8, async (s) => {
        const st = fz.kp.stream(s.path);
        let status: string | undefined;
        const ended = new Promise<void>((resolve) => {
          st.on("error", (e: { code?: number; details?: string }) => {
            status = `${e.code} ${e.details}`;
            resolve();
          });
          st.on("end", () => resolve());
          st.on("close", () => resolve());
        });
        st.on("data", () => {});
        for (const m of s.msgs) st.write(m);
        await Promise.race([ended, sleep(s.cancelAfterMs)]);
        st.cancel();
        await Promise.race([ended, sleep(2000)]);
        const key = `stream ${s.path.split("/").pop()}: ${status?.replace(/\d+/g, "N").slice(0, 80) ?? "ended"}`;
        fz.seen.set(key, (fz.seen.get(key) ?? 0) + 1);
        if (status && !status.startsWith("1 ") && jsFailure.test(status)) fz.problems.push(`${s.name}: ${status}`);
        if (status?.startsWith("14 ")) fz.problems.push(`${s.name}: connection lost: ${status}`);
      });
    });

    // Raw TCP: garbage, partial prefaces, broken HTTP/2 frames, many idle connections.
    await batch("raw tcp and http/2 frames", async () => {
      const addr = kpm.clientAddr;
      const settings = h2Frame(4, 0, 0, Buffer.alloc(0));
      const jobs: Array<() => Promise<unknown>> = [];
      for (let i = 0; i < 10; i++) jobs.push(() => rawExchange(addr, [rng.bytes(rng.int(1, 4096))], { waitMs: 300 }));
      for (let n = 1; n < PREFACE.length; n += 3) {
        jobs.push(() => rawExchange(addr, [PREFACE.subarray(0, n)], { waitMs: 50 }));
        jobs.push(() => rawExchange(addr, [PREFACE.subarray(0, n)], { waitMs: 50, endAfterWrite: true }));
      }
      jobs.push(() => rawExchange(addr, [...PREFACE].map((b) => Buffer.from([b])), { gapMs: 2, waitMs: 300 }));
      for (let i = 0; i < 60; i++) {
        const frames = Array.from({ length: rng.int(1, 6) }, () =>
          h2Frame(rng.int(0, 12), rng.int(0, 255), rng.chance(0.5) ? rng.int(0, 7) : rng.next() >>> 1, rng.bytes(rng.int(0, 64))));
        jobs.push(() => rawExchange(addr, [PREFACE, ...(rng.chance(0.7) ? [settings] : []), ...frames], { waitMs: 300 }));
      }
      const fixed: Array<[string, Buffer[]]> = [
        ["frame longer than max", [PREFACE, settings, Buffer.from([0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0])]],
        ["settings initial window 2^31", [PREFACE, h2Frame(4, 0, 0, Buffer.from([0, 4, 0x80, 0, 0, 0]))]],
        ["settings max frame 1", [PREFACE, h2Frame(4, 0, 0, Buffer.from([0, 5, 0, 0, 0, 1]))]],
        ["settings odd length", [PREFACE, h2Frame(4, 0, 0, Buffer.from([0, 5, 0]))]],
        ["settings ack with payload", [PREFACE, settings, h2Frame(4, 1, 0, Buffer.alloc(6))]],
        ["window update 0", [PREFACE, settings, h2Frame(8, 0, 0, Buffer.alloc(4))]],
        ["window update overflow", [PREFACE, settings, h2Frame(8, 0, 0, Buffer.from([0x7f, 0xff, 0xff, 0xff])), h2Frame(8, 0, 0, Buffer.from([0x7f, 0xff, 0xff, 0xff]))]],
        ["ping on stream 1", [PREFACE, settings, h2Frame(6, 0, 1, Buffer.alloc(8))]],
        ["data on stream 0", [PREFACE, settings, h2Frame(0, 0, 0, Buffer.from("x"))]],
        ["data on idle stream", [PREFACE, settings, h2Frame(0, 1, 5, Buffer.from("x"))]],
        ["headers with garbage hpack", [PREFACE, settings, h2Frame(1, 4 | 1, 1, rng.bytes(40))]],
        ["headers index 0", [PREFACE, settings, h2Frame(1, 4 | 1, 1, Buffer.from([0x80]))]],
        ["headers huge dynamic table update", [PREFACE, settings, h2Frame(1, 4 | 1, 1, Buffer.from([0x3f, 0xff, 0xff, 0xff, 0x0f]))]],
        ["headers even stream", [PREFACE, settings, h2Frame(1, 4 | 1, 2, Buffer.from([0x83, 0x86, 0x84]))]],
        ["continuation without headers", [PREFACE, settings, h2Frame(9, 4, 1, Buffer.from([0x82]))]],
        ["headers without end_headers then data", [PREFACE, settings, h2Frame(1, 0, 1, Buffer.from([0x83])), h2Frame(0, 1, 1, Buffer.from("x"))]],
        ["endless continuation", [PREFACE, settings, h2Frame(1, 0, 1, Buffer.from([0x83])), ...Array.from({ length: 200 }, () => h2Frame(9, 0, 1, Buffer.alloc(1000, 0x40)))]],
        ["rst_stream on stream 0", [PREFACE, settings, h2Frame(3, 0, 0, Buffer.alloc(4))]],
        ["goaway then headers", [PREFACE, settings, h2Frame(7, 0, 0, Buffer.alloc(8)), h2Frame(1, 5, 1, Buffer.from([0x83, 0x86, 0x84]))]],
        ["priority self-dependency", [PREFACE, settings, h2Frame(2, 0, 1, Buffer.from([0, 0, 0, 1, 16]))]],
        ["padded headers, pad too long", [PREFACE, settings, h2Frame(1, 8 | 4 | 1, 1, Buffer.from([200, 0x83]))]],
        ["unknown frame type", [PREFACE, settings, h2Frame(0xbe, 0, 0, rng.bytes(10))]],
        ["1000 pings", [PREFACE, settings, ...Array.from({ length: 1000 }, () => h2Frame(6, 0, 0, Buffer.alloc(8)))]],
        ["http/1.1 then preface", [Buffer.from("GET / HTTP/1.1\r\n"), PREFACE]],
      ];
      for (const [, chunks] of fixed) jobs.push(() => rawExchange(addr, chunks, { waitMs: 300 }));
      // Many connections at once that never say anything (closed by us).
      jobs.push(async () => {
        const held = await Promise.all(Array.from({ length: 100 }, () => rawExchange(addr, [], { waitMs: 200 })));
        return held.length;
      });
      await fz.pool(jobs, 12, async (j) => void (await j()));
    });

    // HTTP/2 requests that break gRPC's rules, compared with etcd (grpc-go).
    await batch("grpc framing", async () => {
      const okBody = encode("Range", { key: k("fz/a") });
      const base = { ":method": "POST", ":path": rpcs.range.path, "content-type": "application/grpc", te: "trailers" };
      const cases: Array<{ name: string; headers: Record<string, string>; body: Buffer[]; opts?: { noEnd?: boolean; cancelAfterMs?: number } }> = [
        { name: "valid", headers: base, body: [grpcFrame(okBody)] },
        { name: "content-type json", headers: { ...base, "content-type": "application/json" }, body: [grpcFrame(okBody)] },
        { name: "no content-type", headers: { ":method": "POST", ":path": rpcs.range.path, te: "trailers" }, body: [grpcFrame(okBody)] },
        { name: "content-type application/grpc+proto", headers: { ...base, "content-type": "application/grpc+proto" }, body: [grpcFrame(okBody)] },
        { name: "method GET", headers: { ...base, ":method": "GET" }, body: [] },
        { name: "method PUT", headers: { ...base, ":method": "PUT" }, body: [grpcFrame(okBody)] },
        { name: "path without slash", headers: { ...base, ":path": "etcdserverpb.KV/Range" }, body: [grpcFrame(okBody)] },
        { name: "path with only service", headers: { ...base, ":path": "/etcdserverpb.KV" }, body: [grpcFrame(okBody)] },
        { name: "unknown method", headers: { ...base, ":path": "/etcdserverpb.KV/Nope" }, body: [grpcFrame(okBody)] },
        { name: "grpc-encoding snappy", headers: { ...base, "grpc-encoding": "snappy" }, body: [grpcFrame(okBody, 1)] },
        { name: "gzip flag with garbage", headers: { ...base, "grpc-encoding": "gzip" }, body: [grpcFrame(rng.bytes(20), 1)] },
        { name: "compressed flag without encoding", headers: base, body: [grpcFrame(okBody, 1)] },
        { name: "flag 2", headers: base, body: [grpcFrame(okBody, 2)] },
        { name: "declared 100, sent 10", headers: base, body: [grpcFrame(okBody.subarray(0, 10), 0, 100)] },
        { name: "declared 4 GiB", headers: base, body: [grpcFrame(okBody, 0, 0xffffffff)] },
        { name: "half a prefix", headers: base, body: [Buffer.from([0, 0])] },
        { name: "two messages to a unary method", headers: base, body: [grpcFrame(okBody), grpcFrame(okBody)] },
        { name: "no message", headers: base, body: [] },
        { name: "grpc-timeout garbage", headers: { ...base, "grpc-timeout": "soon" }, body: [grpcFrame(okBody)] },
        { name: "grpc-timeout 1n", headers: { ...base, "grpc-timeout": "1n" }, body: [grpcFrame(okBody)] },
        { name: "grpc-timeout 99999999H", headers: { ...base, "grpc-timeout": "99999999H" }, body: [grpcFrame(okBody)] },
        { name: "no te header", headers: { ":method": "POST", ":path": rpcs.range.path, "content-type": "application/grpc" }, body: [grpcFrame(okBody)] },
        { name: "60 KB header", headers: { ...base, "x-big": "a".repeat(60_000) }, body: [grpcFrame(okBody)] },
        { name: "binary metadata not base64", headers: { ...base, "x-bin": "!!!" }, body: [grpcFrame(okBody)] },
        { name: "cancel mid-message", headers: base, body: [grpcFrame(okBody).subarray(0, 7)], opts: { cancelAfterMs: 20 } },
        { name: "cancel after the message", headers: base, body: [grpcFrame(okBody)], opts: { cancelAfterMs: 0 } },
        { name: "no end of stream", headers: base, body: [grpcFrame(okBody)], opts: { noEnd: true } },
      ];
      const show = (r: H2Result) => {
        const s = grpcStatusOf(r);
        return `http ${r.status ?? "-"} grpc ${s.code ?? "-"} ${JSON.stringify(s.message.slice(0, 100))}${r.error ? ` (${r.error})` : ""}`;
      };
      for (const c of cases) {
        const opts = { ...c.opts, timeoutMs: c.opts?.noEnd ? 1500 : 5000 };
        const a = await h2Request(kpm.clientAddr, c.headers, c.body, opts);
        const s = grpcStatusOf(a);
        if (jsFailure.test(s.message)) fz.problems.push(`grpc framing ${c.name}: ${show(a)}`);
        if (a.error === "timeout" && !c.opts?.noEnd) fz.problems.push(`grpc framing ${c.name}: no answer`);
        if (etcd && fz.etcd) {
          const b = await h2Request(etcd.clientAddr, c.headers, c.body, opts);
          const sb = grpcStatusOf(b);
          if (a.status !== b.status || s.code !== sb.code || s.message !== sb.message) fz.diffs.push(`framing ${c.name}: kplane ${show(a)} / etcd ${show(b)}`);
        }
      }
    });

    // HTTP/1.1 garbage and the JSON gateway.
    await batch("http/1.1 and gateway", async () => {
      const addr = kpm.clientAddr;
      const reqs: Array<[string, string]> = [
        ["double slash path", "GET // HTTP/1.1\r\nHost: x\r\n\r\n"],
        ["scheme-relative path", "GET //a:b:c/v3/kv/range HTTP/1.1\r\nHost: x\r\n\r\n"],
        ["absolute-form bad host", "GET http://[/health HTTP/1.1\r\nHost: x\r\n\r\n"],
        ["not http", "GARBAGE\r\n\r\n"],
        ["bad content-length", "POST /v3/kv/range HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n{}"],
        ["negative content-length", "POST /v3/kv/range HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n{}"],
        ["two content-lengths", "POST /v3/kv/range HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}"],
        ["bad chunk size", "POST /v3/kv/range HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"],
        ["header without colon", "GET /health HTTP/1.1\r\nHost x\r\n\r\n"],
        ["http/9.9", "GET /health HTTP/9.9\r\nHost: x\r\n\r\n"],
        ["nul in path", "GET /he\0alth HTTP/1.1\r\nHost: x\r\n\r\n"],
        ["100 KB path", `GET /${"a".repeat(100_000)} HTTP/1.1\r\nHost: x\r\n\r\n`],
        ["200 headers", `GET /health HTTP/1.1\r\n${Array.from({ length: 200 }, (_, i) => `X-H${i}: v\r\n`).join("")}\r\n`],
        ["content-length larger than body, then close", "POST /v3/kv/put HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{\"key\":"],
        ["pipelined requests", "GET /health HTTP/1.1\r\nHost: x\r\n\r\nGET /version HTTP/1.1\r\nHost: x\r\n\r\nGET // HTTP/1.1\r\nHost: x\r\n\r\n"],
      ];
      for (const [, text] of reqs) await rawExchange(addr, [Buffer.from(text, "latin1")], { waitMs: 300, endAfterWrite: text.includes("then close") });
      for (let i = 0; i < 10; i++) await rawExchange(addr, [Buffer.concat([Buffer.from("POST /v3/kv/range HTTP/1.1\r\n"), rng.bytes(rng.int(1, 200))])], { waitMs: 100 });

      const bodies: Array<[string, string, string]> = [
        ["/v3/kv/range", "truncated", "{"],
        ["/v3/kv/range", "array", "[]"],
        ["/v3/kv/range", "string", "\"x\""],
        ["/v3/kv/range", "null", "null"],
        ["/v3/kv/range", "key not base64", "{\"key\":\"not base64!\"}"],
        ["/v3/kv/range", "key a number", "{\"key\":123}"],
        ["/v3/kv/range", "limit not a number", "{\"key\":\"YQ==\",\"limit\":\"abc\"}"],
        ["/v3/kv/range", "sort order unknown", "{\"key\":\"YQ==\",\"sort_order\":\"BOGUS\"}"],
        ["/v3/kv/range", "revision negative", "{\"key\":\"YQ==\",\"revision\":\"-5\"}"],
        ["/v3/kv/range", "empty key", "{}"],
        ["/v3/kv/range", "unknown field", "{\"key\":\"YQ==\",\"nope\":1}"],
        ["/v3/kv/range", "deep nesting", "[".repeat(100_000)],
        ["/v3/kv/put", "value is an object", "{\"key\":\"YQ==\",\"value\":{}}"],
        ["/v3/kv/put", "lease huge", "{\"key\":\"YQ==\",\"value\":\"YQ==\",\"lease\":\"99999999999999999999999\"}"],
        ["/v3/kv/txn", "success not a list", "{\"success\":5}"],
        ["/v3/kv/txn", "nested txn deep", `{"success":[${"{\"request_txn\":{\"success\":[".repeat(2000)}${"]}}".repeat(2000)}]}`],
        ["/v3/kv/deleterange", "truncated utf-8", "{\"key\":\"\u00ff"],
        ["/v3/lease/grant", "ttl a string", "{\"TTL\":\"ten\"}"],
        ["/v3/kv/compaction", "revision float", "{\"revision\":1.5}"],
        ["/v3/watch", "not json", "garbage\n"],
        ["/v3/watch", "create with bad key", "{\"create_request\":{\"key\":\"!!\"}}\n"],
        ["/v3/lease/keepalive", "bad id", "{\"ID\":\"x\"}\n"],
        ["/v3/maintenance/status", "truncated", "{\"a\""],
      ];
      const post = async (a: string, path: string, body: string) => {
        try {
          const r = await fetch(`http://${a}${path}`, { method: "POST", body, signal: AbortSignal.timeout(3000) });
          const text = (await r.text()).slice(0, 300);
          let code: unknown;
          try {
            const j = JSON.parse(text.split("\n")[0]!) as { code?: unknown; error?: { grpc_code?: unknown } };
            code = j.code ?? j.error?.grpc_code;
          } catch {
            code = undefined;
          }
          return { status: r.status, code, text };
        } catch (e) {
          return { status: 0, code: undefined, text: e instanceof Error ? e.message : String(e) };
        }
      };
      for (const [path, name, body] of bodies) {
        const a = await post(addr, path, body);
        if (jsFailure.test(a.text) && !/Unexpected|JSON|position/.test(a.text)) fz.problems.push(`gateway ${path} ${name}: ${a.status} ${a.text}`);
        if (etcd && fz.etcd) {
          const b = await post(etcd.clientAddr, path, body);
          if (a.status !== b.status || a.code !== b.code) {
            fz.diffs.push(`gateway ${path} ${name}: kplane ${a.status} code ${String(a.code)} ${JSON.stringify(a.text.slice(0, 100))} / etcd ${b.status} code ${String(b.code)} ${JSON.stringify(b.text.slice(0, 100))}`);
          }
        }
      }
    });

    t.diagnostic(`${fz.calls} gRPC calls; answers seen: ${[...fz.seen.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25).map(([s, n]) => `${n}× ${s}`).join(" | ")}`);
    for (const d of fz.diffs) t.diagnostic(`differs from etcd: ${d}`);
    assert.deepEqual(fz.problems, [], `seed ${seed}: answers that are failures`);

    // Uncorrupted: the whole state survives a kill -9 and restart, with every write that
    // succeeded still there. Leases are revoked first so that none expires in between.
    await restartCompare(t, kpm, join(dir, "kplane"), probes, fz.puts, (m) => (kp = m));
    t.diagnostic(`total ${Date.now() - t0} ms`);
  } finally {
    for (const c of clients) c.close();
    await Promise.all([kp?.stop(), etcd?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  }
});

async function restartCompare(
  t: TestContext,
  m: Member,
  dir: string,
  probes: Array<{ key: string; value: string; rev: number }>,
  puts: Array<{ key: Uint8Array; value: Uint8Array; rev: number }>,
  replaced: (m: Member) => void,
): Promise<void> {
  let c = new Client(m.clientAddr);
  const leases = await c.call(rpcs.leaseLeases, {});
  for (const l of leases.leases) await c.call(rpcs.leaseRevoke, { ID: l.ID }).catch(() => {});
  const before = await readAll(c);
  c.close();
  await m.stop();
  const m2 = await startMember("kplane", dir, []);
  replaced(m2);
  c = new Client(m2.clientAddr);
  try {
    const after = await readAll(c);
    assert.deepEqual(after, before, `seed ${seed}: the state changed across a restart`);
    let checked = 0;
    for (const p of [...probes.map((x) => ({ key: utf8(x.key), value: utf8(x.value), rev: x.rev })), ...puts]) {
      if (p.rev <= before.compactRev || p.key.length === 0) continue;
      const got = await c.call(rpcs.range, { key: p.key, revision: BigInt(p.rev) });
      assert.equal(got.kvs.length, 1, `seed ${seed}: ${str(p.key)} at revision ${p.rev} is gone`);
      assert.ok(Buffer.from(got.kvs[0]!.value).equals(p.value), `seed ${seed}: ${str(p.key)} at revision ${p.rev} changed`);
      checked++;
    }
    t.diagnostic(`after restart: revision ${before.rev}, ${before.kvs.length} keys, ${checked} successful puts read back at their revisions`);
  } finally {
    c.close();
  }
}

async function readAll(c: Client) {
  const now = await c.call(rpcs.range, { ...allKeys });
  const rev = Number(now.header!.revision);
  const hk = await c.call(rpcs.hashKV, { revision: 0n });
  const compactRev = Number(hk.compactRevision);
  const leases = (await c.call(rpcs.leaseLeases, {})).leases.map((l) => l.ID.toString()).sort();
  const kvs = now.kvs.map((kv) => `${Buffer.from(kv.key).toString("hex")}=${Buffer.from(kv.value).toString("hex").slice(0, 64)} c${kv.createRevision} m${kv.modRevision} v${kv.version} l${kv.lease}`);
  return { rev, compactRev, hash: hk.hash, leases, kvs };
}
