// The etcd3 npm client against real etcd 3.4 and against kplane's store: the same tests, one
// describe per target, so every expectation is what the real system does. Auth is left out:
// kplane does not implement it yet.
//
// Run: cd /work/main && node scripts/build.mjs && node --import tsx --test test/store/etcd3.test.ts
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Etcd3, EtcdLockFailedError, STMConflictError, type IKeyValue, type ISTMOptions, type Namespace, type Watcher } from "etcd3";
import { startMember, type Member, type Target } from "../etcdctl/server.js";

// Short raft timers make etcd's minimum lease TTL 1 s instead of 2 s (both compute it the same).
const serverFlags = ["--heartbeat-interval=10", "--election-timeout=100"];

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function until(cond: () => boolean | Promise<boolean>, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) assert.fail(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(20);
  }
}

const rev = (r: { header: { revision: string } }): number => Number(r.header.revision);

/** A KeyValue in one line: key=value c<create> m<mod> v<version> [l<lease>]. */
function line(kv: IKeyValue): string {
  // (Single-key gets through a namespace return the full key; other results strip the prefix.)
  const key = kv.key.toString().replace(/^t\d+\//, "");
  return `${key}=${kv.value.toString()} c${kv.create_revision} m${kv.mod_revision} v${kv.version}${kv.lease !== "0" ? " l" : ""}`;
}

/**
 * Collects a watcher's events as "put k=v" / "delete k" lines. (A namespace hands out keys
 * without its prefix, in results and in events.)
 */
function collect(w: Watcher, prev = false): string[] {
  const out: string[] = [];
  const previous = (p: IKeyValue | undefined) => (prev ? ` prev=${p ? p.value.toString() : "-"}` : "");
  w.on("put", (kv, p) => out.push(`put ${kv.key.toString()}=${kv.value.toString()}${previous(p)}`));
  w.on("delete", (kv, p) => out.push(`delete ${kv.key.toString()}${previous(p)}`));
  return out;
}

/** A TCP relay to the server whose connections can be cut, to make clients reconnect. */
async function relay(to: string): Promise<{ addr: string; cut(): void; close(): Promise<void> }> {
  const [host, port] = [to.split(":")[0]!, Number(to.split(":")[1])];
  const socks = new Set<net.Socket>();
  const srv = net.createServer((down) => {
    const up = net.connect(port, host);
    for (const s of [down, up]) {
      socks.add(s);
      s.on("error", () => {});
      s.on("close", () => {
        socks.delete(s);
        down.destroy();
        up.destroy();
      });
    }
    down.pipe(up);
    up.pipe(down);
  });
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const a = srv.address() as net.AddressInfo;
  return {
    addr: `127.0.0.1:${a.port}`,
    cut: () => {
      for (const s of socks) s.destroy();
    },
    close: () => {
      for (const s of socks) s.destroy();
      return new Promise((r) => srv.close(() => r()));
    },
  };
}

function suite(target: Target): void {
  // Tests of one target share its server and run one at a time (subtests inherit concurrency).
  describe(target, { concurrency: 1 }, () => {
    let member: Member;
    let dir: string;
    let client: Etcd3;
    let n = 0;
    /** Each test works under its own prefix, so tests do not see each other's keys. */
    let p = "";
    let ns: Namespace;
    const fresh = () => {
      p = `t${++n}/`;
      ns = client.namespace(p);
    };
    const currentRev = async () => rev(await client.get("\u0000").exec());
    const extra: Etcd3[] = [];
    const newClient = (hosts = member.clientAddr) => {
      const c = new Etcd3({ hosts: `http://${hosts}` });
      extra.push(c);
      return c;
    };

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), `kplane-etcd3-${target}-`));
      member = await startMember(target, dir, serverFlags);
      client = new Etcd3({ hosts: `http://${member.clientAddr}` });
    });
    after(async () => {
      for (const c of extra) c.close();
      client?.close();
      await member?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    describe("kv", () => {
      it("put, get, overwrite, delete", async () => {
        fresh();
        const r0 = await currentRev();
        const put = await ns.put("a").value("1");
        assert.equal(rev(put), r0 + 1);
        assert.equal(await ns.get("a").string(), "1");
        assert.equal(await ns.get("missing").string(), null);
        assert.equal(await ns.get("a").exists(), true);
        await ns.put("a").value("2");
        const got = await ns.get("a").exec();
        assert.deepEqual(got.kvs.map((kv) => line(kv)), [`a=2 c${r0 + 1} m${r0 + 2} v2`]);
        assert.equal(got.count, "1");
        assert.equal(got.more, false);
        const d = await ns.delete().key("a");
        assert.equal(d.deleted, "1");
        assert.equal(rev(d), r0 + 3);
        assert.equal(await ns.get("a").string(), null);
        // Recreated: a new life, version 1 again.
        await ns.put("a").value("3");
        assert.deepEqual((await ns.get("a").exec()).kvs.map((kv) => line(kv)), [`a=3 c${r0 + 4} m${r0 + 4} v1`]);
      });

      it("only real changes bump the revision", async () => {
        fresh();
        await ns.put("a").value("1");
        const r = await currentRev();
        const d = await ns.delete().key("missing");
        assert.equal(d.deleted, "0");
        assert.equal(rev(d), r);
        const dr = await ns.delete().prefix("nothing-here/");
        assert.equal(rev(dr), r);
        assert.equal(await currentRev(), r);
        // The same value again is still a write.
        assert.equal(rev(await ns.put("a").value("1")), r + 1);
      });

      it("previous values on put and delete", async () => {
        fresh();
        await ns.put("a").value("1");
        const prev = await ns.put("a").value("2").getPrevious();
        assert.equal(prev.value.toString(), "1");
        assert.equal(prev.version, "1");
        await ns.put("b").value("x");
        const gone = await ns.delete().all().getPrevious();
        assert.deepEqual(gone.map((kv) => `${kv.key.toString()}=${kv.value.toString()}`), [`${p}a=2`, `${p}b=x`]);
        assert.deepEqual(await ns.getAll().keys(), []);
      });

      it("binary keys and values, and empty values", async () => {
        fresh();
        const key = Buffer.from([0x00, 0xff, 0x80, 0x0a]);
        const val = Buffer.from([0xde, 0xad, 0x00, 0xbe, 0xef]);
        await ns.put(key).value(val);
        await ns.put("empty").value("");
        assert.deepEqual(await ns.get(key).buffer(), val);
        assert.equal(await ns.get("empty").string(), "");
        assert.equal(await ns.get("empty").exists(), true);
        assert.deepEqual((await ns.getAll().keyBuffers()).map((k) => k.toString("hex")), [key.toString("hex"), Buffer.from("empty").toString("hex")]);
      });

      it("touch keeps the value (ignore_value); on a missing key it is an error", async () => {
        fresh();
        await ns.put("a").value("keep");
        const before = await currentRev();
        await ns.put("a").touch();
        const kv = (await ns.get("a").exec()).kvs[0]!;
        assert.equal(kv.value.toString(), "keep");
        assert.equal(kv.mod_revision, String(before + 1));
        await assert.rejects(ns.put("missing").touch(), /etcdserver: key not found/);
        await assert.rejects(client.kv.put({ key: Buffer.from(`${p}a`), value: Buffer.from("x"), ignore_value: true }), /etcdserver: value is provided/);
        await assert.rejects(client.kv.put({ key: Buffer.from(""), value: Buffer.from("x") }), /etcdserver: key is not provided/);
      });
    });

    describe("kv limits and ranges to the end", () => {
      it("a request over the size limit (1.5 MiB) is refused", async () => {
        fresh();
        const big = Buffer.alloc(1.7 * 1024 * 1024, 0x61);
        await assert.rejects(ns.put("big").value(big).exec(), /etcdserver: request is too large/);
        const fits = Buffer.alloc(1024 * 1024, 0x62);
        await ns.put("fits").value(fits);
        assert.equal((await ns.get("fits").buffer())?.length, fits.length);
      });

      it("range end \\0 means every key from the start key on", async () => {
        // Outside the t<n>/ prefixes, past all of them ("~" sorts after "t").
        const k = (s: string) => Buffer.from(`~fromkey/${s}`);
        for (const s of ["a", "b", "c"]) await client.put(k(s)).value(s);
        const r = await client.kv.range({ key: k("b"), range_end: Buffer.from([0]) });
        assert.deepEqual(r.kvs.map((kv) => kv.key.toString()), ["~fromkey/b", "~fromkey/c"]);
        const d = await client.kv.deleteRange({ key: k("b"), range_end: Buffer.from([0]) });
        assert.equal(d.deleted, "2");
        assert.deepEqual(await client.getAll().prefix("~fromkey/").keys(), ["~fromkey/a"]);
        await client.delete().prefix("~fromkey/");
      });

      it("put with prev_kv on a missing key has no previous value", async () => {
        fresh();
        const r = await client.kv.put({ key: Buffer.from(`${p}new`), value: Buffer.from("1"), prev_kv: true });
        assert.equal(r.prev_kv, null);
      });
    });

    describe("range", () => {
      it("prefix, range, count, limit and more", async () => {
        fresh();
        for (const k of ["b", "a", "c/1", "c/2", "d"]) await ns.put(k).value(k.toUpperCase());
        assert.deepEqual(await ns.getAll().keys(), ["a", "b", "c/1", "c/2", "d"]);
        assert.deepEqual(await ns.getAll().prefix("c/").strings(), { "c/1": "C/1", "c/2": "C/2" });
        assert.deepEqual(await ns.getAll().inRange({ start: "b", end: "c/2" }).keys(), ["b", "c/1"]);
        assert.equal(await ns.getAll().count(), 5);
        const lim = await ns.getAll().limit(2).exec();
        assert.deepEqual(lim.kvs.map((kv) => kv.key.toString()), ["a", "b"]);
        assert.equal(lim.more, true);
        assert.equal(lim.count, "5");
        const exact = await ns.getAll().limit(5).exec();
        assert.equal(exact.more, false);
        const keysOnly = await client.kv.range({ key: Buffer.from(`${p}a`), range_end: Buffer.from(`${p}b`), keys_only: true });
        assert.deepEqual(keysOnly.kvs.map((kv) => [kv.key.toString(), kv.value.length]), [[`${p}a`, 0]]);
        const countOnly = await client.kv.range({ key: Buffer.from(p), range_end: Buffer.from(`${p}\u00ff`), count_only: true });
        assert.deepEqual([countOnly.kvs.length, countOnly.count], [0, "5"]);
      });

      it("sort by key, value, version, create and mod revision", async () => {
        fresh();
        await ns.put("x").value("3"); // created first
        await ns.put("y").value("1");
        await ns.put("z").value("2");
        await ns.put("y").value("4"); // y: version 2, modified last
        const keys = (target: "Key" | "Value" | "Version" | "Create" | "Mod", order: "Ascend" | "Descend") => ns.getAll().sort(target, order).keys();
        assert.deepEqual(await keys("Key", "Descend"), ["z", "y", "x"]);
        assert.deepEqual(await keys("Value", "Ascend"), ["z", "x", "y"]);
        assert.deepEqual(await keys("Value", "Descend"), ["y", "x", "z"]);
        assert.deepEqual(await keys("Create", "Descend"), ["z", "y", "x"]);
        assert.deepEqual(await keys("Mod", "Ascend"), ["x", "z", "y"]);
        assert.deepEqual((await keys("Version", "Descend"))[0], "y");
        // Sorted and limited: the limit applies after sorting.
        const top = await ns.getAll().sort("Mod", "Descend").limit(1).exec();
        assert.deepEqual([top.kvs.map((kv) => kv.key.toString()), top.more, top.count], [["y"], true, "3"]);
      });

      it("a sort target without an order sorts ascending; count ignores revision filters", async () => {
        fresh();
        await ns.put("a").value("1");
        await ns.put("b").value("1");
        await ns.put("a").value("2"); // a: version 2
        const r = await client.kv.range({ key: Buffer.from(p), range_end: Buffer.from(`${p}\u00ff`), sort_target: "Version", sort_order: "None" });
        assert.deepEqual(r.kvs.map((kv) => kv.key.toString()), [`${p}b`, `${p}a`]);
        const mod = Number((await ns.get("b").exec()).kvs[0]!.mod_revision);
        const f = await ns.getAll().minModRevision(mod + 1).exec();
        assert.deepEqual([f.kvs.map((kv) => kv.key.toString()), f.count], [["a"], "2"]);
      });

      it("reads at past revisions and revision filters", async () => {
        fresh();
        const r1 = rev(await ns.put("a").value("1"));
        const r2 = rev(await ns.put("a").value("2"));
        await ns.put("b").value("1");
        await ns.delete().key("a");
        assert.equal(await ns.get("a").revision(r1).string(), "1");
        assert.equal(await ns.get("a").revision(r2).string(), "2");
        assert.equal(await ns.get("a").string(), null);
        assert.deepEqual(await ns.getAll().revision(r2).keys(), ["a"]);
        assert.deepEqual(await ns.getAll().minModRevision(r2 + 1).keys(), ["b"]);
        assert.deepEqual(await ns.getAll().revision(r2).maxCreateRevision(r1).keys(), ["a"]);
        assert.deepEqual(await ns.getAll().revision(r2 + 1).minCreateRevision(r1 + 1).keys(), ["b"]);
        await assert.rejects(ns.get("a").revision((await currentRev()) + 10).string(), /etcdserver: mvcc: required revision is a future revision/);
      });

      it("compaction: older revisions become unreadable, the compacted one stays readable", async () => {
        fresh();
        const r1 = rev(await ns.put("a").value("1"));
        const r2 = rev(await ns.put("a").value("2"));
        await ns.put("a").value("3");
        await client.kv.compact({ revision: String(r2), physical: true });
        await assert.rejects(ns.get("a").revision(r1).string(), /etcdserver: mvcc: required revision has been compacted/);
        assert.equal(await ns.get("a").revision(r2).string(), "2");
        assert.equal(await ns.get("a").string(), "3");
        await assert.rejects(client.kv.compact({ revision: String(r2) }), /etcdserver: mvcc: required revision has been compacted/);
        await assert.rejects(client.kv.compact({ revision: String((await currentRev()) + 5) }), /etcdserver: mvcc: required revision is a future revision/);
      });
    });

    describe("txn", () => {
      it("if/then/else on version: create-if-missing runs once", async () => {
        fresh();
        const create = () => ns.if("k", "Version", "==", 0).then(ns.put("k").value("first")).else(ns.get("k")).commit();
        const a = await create();
        assert.equal(a.succeeded, true);
        const b = await create();
        assert.equal(b.succeeded, false);
        assert.equal(b.responses[0]!.response_range.kvs[0]!.value.toString(), "first");
        assert.equal(rev(b), rev(a), "a txn that only reads does not bump the revision");
      });

      it("compares on create, mod, value and lease", async () => {
        fresh();
        const r = rev(await ns.put("k").value("v1"));
        const ok = async (col: "Create" | "Mod" | "Value" | "Version" | "Lease", cmp: "==" | "!=" | ">" | "<", v: string | number) =>
          (await ns.if("k", col, cmp, v).then(ns.get("k")).commit()).succeeded;
        assert.equal(await ok("Create", "==", r), true);
        assert.equal(await ok("Create", ">", r), false);
        assert.equal(await ok("Mod", "==", r), true);
        assert.equal(await ok("Mod", "<", r + 1), true);
        assert.equal(await ok("Value", "==", "v1"), true);
        assert.equal(await ok("Value", ">", "v0"), true);
        assert.equal(await ok("Value", "!=", "v1"), false);
        assert.equal(await ok("Version", "==", 1), true);
        assert.equal(await ok("Lease", "==", 0), true);
        const lease = ns.lease(30, { autoKeepAlive: false });
        const id = await lease.grant();
        await ns.put("k").value("v2").lease(id);
        assert.equal(await ok("Lease", "==", id), true);
        assert.equal(await ok("Lease", "==", 0), false);
        await lease.revoke();
      });

      it("compares on a missing key: zero revisions and version, but a value compare always fails", async () => {
        fresh();
        const ok = async (col: "Create" | "Mod" | "Value" | "Version", cmp: "==" | "!=", v: string | number) =>
          (await ns.if("nope", col, cmp, v).then(ns.get("nope")).commit()).succeeded;
        assert.equal(await ok("Version", "==", 0), true);
        assert.equal(await ok("Create", "==", 0), true);
        assert.equal(await ok("Mod", "==", 0), true);
        assert.equal(await ok("Value", "==", ""), false);
        assert.equal(await ok("Value", "!=", ""), false);
      });

      it("a compare over a range holds only if it holds for every key in it", async () => {
        fresh();
        await ns.put("r/a").value("1");
        await ns.put("r/b").value("2");
        const cmp = (value: string, result: "Equal" | "Greater") =>
          client.kv.txn({ compare: [{ key: Buffer.from(`${p}r/`), range_end: Buffer.from(`${p}r0`), target: "Value", result, value: Buffer.from(value) }] });
        assert.equal((await cmp("0", "Greater")).succeeded, true);
        assert.equal((await cmp("1", "Greater")).succeeded, false);
        assert.equal((await cmp("1", "Equal")).succeeded, false);
      });

      it("all writes of a txn share one revision", async () => {
        fresh();
        await ns.put("gone").value("x");
        const r0 = await currentRev();
        const t = await ns.if("a", "Version", "==", 0).then(ns.put("a").value("1"), ns.put("b").value("1"), ns.delete().key("gone"), ns.get("a")).commit();
        assert.equal(rev(t), r0 + 1);
        // A read inside the txn sees the txn's own earlier writes.
        assert.equal(t.responses[3]!.response_range.kvs[0]!.value.toString(), "1");
        const kvs = (await ns.getAll().exec()).kvs;
        assert.deepEqual(kvs.map((kv) => kv.mod_revision), [String(r0 + 1), String(r0 + 1)]);
      });

      it("nested txns and their responses", async () => {
        fresh();
        const key = (k: string) => Buffer.from(`${p}${k}`);
        const r = await client.kv.txn({
          compare: [{ key: key("x"), target: "Version", result: "Equal", version: "0" }],
          success: [
            { request_put: { key: key("a"), value: Buffer.from("1") } },
            {
              request_txn: {
                compare: [{ key: key("a"), target: "Version", result: "Equal", version: "1" }],
                success: [{ request_put: { key: key("b"), value: Buffer.from("inner") } }],
                failure: [{ request_put: { key: key("c"), value: Buffer.from("inner") } }],
              },
            },
          ],
        });
        assert.equal(r.succeeded, true);
        // The inner compare read the state before the txn: "a" did not exist yet.
        assert.equal(r.responses[1]!.response_txn.succeeded, false);
        // Only the outer response carries the revision; a nested txn's header is empty.
        assert.equal(r.responses[1]!.response_txn.header.revision, "0");
        assert.equal(r.responses[1]!.response_txn.responses[0]!.response_put.header.revision, r.header.revision);
        assert.deepEqual(await ns.getAll().keys(), ["a", "c"]);
      });

      it("request checks: duplicate keys, too many ops, empty keys", async () => {
        fresh();
        await assert.rejects(ns.if("a", "Version", "==", 0).then(ns.put("a").value("1"), ns.put("a").value("2")).commit(), /etcdserver: duplicate key given in txn request/);
        await assert.rejects(ns.if("a", "Version", "==", 0).then(ns.put("a/1").value("1"), ns.delete().prefix("a/")).commit(), /etcdserver: duplicate key given in txn request/);
        const many = Array.from({ length: 129 }, (_, i) => ns.put(`k${i}`).value("v"));
        await assert.rejects(ns.if("a", "Version", "==", 0).then(...many).commit(), /etcdserver: too many operations in txn request/);
        await assert.rejects(client.kv.txn({ success: [{ request_range: { key: Buffer.from("") } }] }), /etcdserver: key is not provided/);
        assert.deepEqual(await ns.getAll().keys(), [], "nothing of the refused txns was applied");
      });
    });

    describe("lease", () => {
      it("grant, attach keys, time-to-live, list, revoke deletes the keys", async () => {
        fresh();
        const lease = ns.lease(60, { autoKeepAlive: false });
        const id = await lease.grant();
        await lease.put("a").value("1");
        await ns.put("b").value("2").lease(id);
        await ns.put("c").value("3");
        assert.equal((await ns.get("a").exec()).kvs[0]!.lease, id);
        const ttl = await client.leaseClient.leaseTimeToLive({ ID: id, keys: true });
        assert.equal(ttl.grantedTTL, "60");
        assert.ok(Number(ttl.TTL) > 55 && Number(ttl.TTL) <= 60, `remaining ${ttl.TTL}`);
        // (etcd lists the keys in map order: sort them.)
        assert.deepEqual(ttl.keys.map((k) => k.toString()).sort(), [`${p}a`, `${p}b`]);
        const leases = await client.leaseClient.leaseLeases({});
        assert.ok(leases.leases.some((l) => l.ID === id));
        await lease.revoke();
        assert.deepEqual(await ns.getAll().keys(), ["c"]);
        const gone = await client.leaseClient.leaseTimeToLive({ ID: id });
        assert.equal(gone.TTL, "-1");
        await assert.rejects(client.leaseClient.leaseRevoke({ ID: id }), /etcdserver: requested lease not found/);
      });

      it("a key moved to another lease, or put without one, leaves the old lease", async () => {
        fresh();
        const l1 = ns.lease(60, { autoKeepAlive: false });
        const l2 = ns.lease(60, { autoKeepAlive: false });
        const [id1, id2] = [await l1.grant(), await l2.grant()];
        await ns.put("a").value("1").lease(id1);
        await ns.put("b").value("1").lease(id1);
        await ns.put("a").value("2").lease(id2);
        await ns.put("b").value("2");
        await l1.revoke();
        assert.deepEqual(await ns.getAll().keys(), ["a", "b"]);
        // ignore_lease keeps the key's lease on update.
        await ns.put("a").value("3").ignoreLease();
        assert.equal((await ns.get("a").exec()).kvs[0]!.lease, id2);
        await l2.revoke();
        assert.deepEqual(await ns.getAll().keys(), ["b"]);
      });

      it("grant errors: an id in use, a TTL too large; put with an unknown lease", async () => {
        fresh();
        const id = String(0x1234_5678 + n);
        const g = await client.leaseClient.leaseGrant({ ID: id, TTL: 60 });
        assert.equal(g.ID, id);
        await assert.rejects(client.leaseClient.leaseGrant({ ID: id, TTL: 60 }), /etcdserver: lease already exists/);
        await assert.rejects(client.leaseClient.leaseGrant({ TTL: 9_000_000_001 }), /etcdserver: too large lease TTL/);
        await assert.rejects(ns.put("a").value("1").lease("987654321").exec(), /etcdserver: requested lease not found/);
        // A TTL below the minimum is raised to it (1 s with these raft timers).
        const small = await client.leaseClient.leaseGrant({ TTL: 0 });
        assert.equal(small.TTL, "1");
        await client.leaseClient.leaseRevoke({ ID: id });
        await client.leaseClient.leaseRevoke({ ID: small.ID });
      });

      it("keep-alive holds a lease past its TTL", async () => {
        fresh();
        const lease = ns.lease(1); // the client renews every TTL/3
        await lease.put("a").value("1");
        const once = await lease.keepaliveOnce();
        assert.equal(once.TTL, "1");
        await sleep(2200);
        assert.equal(await ns.get("a").string(), "1");
        assert.equal(lease.revoked(), false);
        await lease.revoke();
        assert.equal(await ns.get("a").string(), null);
      });

      it("expiry deletes the keys, with DELETE events, and keep-alive then reports it lost", async () => {
        fresh();
        const w = await ns.watch().prefix("").create();
        const events = collect(w);
        const lease = ns.lease(1, { autoKeepAlive: false });
        const id = await lease.grant();
        await lease.put("a").value("1");
        await lease.put("b").value("2");
        await ns.put("c").value("3");
        await until(async () => (await ns.getAll().keys()).length === 1, "expiry", 6000);
        await until(() => events.length === 5, "delete events");
        assert.deepEqual(events, ["put a=1", "put b=2", "put c=3", "delete a", "delete b"]);
        assert.equal((await client.leaseClient.leaseTimeToLive({ ID: id })).TTL, "-1");
        const ka = await client.leaseClient.leaseKeepAlive();
        const resp = await new Promise<{ ID: string; TTL: string }>((resolve, reject) => {
          ka.on("data", resolve);
          ka.on("error", reject);
          ka.write({ ID: id });
        });
        ka.end();
        assert.equal(resp.TTL, "0", "a keep-alive for a lease that is gone answers TTL 0");
        await w.cancel();
      });
    });

    describe("watch", () => {
      it("a prefix: puts and deletes in order, one response per revision", async () => {
        fresh();
        const w = await ns.watch().prefix("w/").create();
        const events = collect(w);
        const responses: string[][] = [];
        w.on("data", (res) => responses.push(res.events.map((e) => `${e.type} ${e.kv.key.toString()}`)));
        await ns.put("w/a").value("1");
        await ns.put("other").value("1");
        await ns.if("w/b", "Version", "==", 0).then(ns.put("w/b").value("1"), ns.put("w/c").value("1"), ns.delete().key("w/a")).commit();
        await ns.delete().prefix("w/");
        await until(() => events.length === 6, "events");
        assert.deepEqual(events, ["put w/a=1", "put w/b=1", "put w/c=1", "delete w/a", "delete w/b", "delete w/c"]);
        assert.deepEqual(responses, [["Put w/a"], ["Put w/b", "Put w/c", "Delete w/a"], ["Delete w/b", "Delete w/c"]]);
        await w.cancel();
      });

      it("from a past revision replays history, then follows", async () => {
        fresh();
        await ns.put("k").value("0");
        const from = rev(await ns.put("k").value("1"));
        await ns.delete().key("k");
        const w = await ns.watch().key("k").startRevision(String(from)).create();
        const events = collect(w);
        await until(() => events.length === 2, "replay");
        await ns.put("k").value("2");
        await until(() => events.length === 3, "live event");
        assert.deepEqual(events, ["put k=1", "delete k", "put k=2"]);
        await w.cancel();
      });

      it("prev_kv and filters", async () => {
        fresh();
        const withPrev = await ns.watch().key("k").withPreviousKV().create();
        const onlyDeletes = await ns.watch().key("k").only("delete").create();
        const a = collect(withPrev, true);
        const b = collect(onlyDeletes);
        await ns.put("k").value("1");
        await ns.put("k").value("2");
        await ns.delete().key("k");
        await until(() => a.length === 3 && b.length === 1, `events, got ${JSON.stringify([a, b])}`);
        assert.deepEqual(a, ["put k=1 prev=-", "put k=2 prev=1", "delete k prev=2"]);
        assert.deepEqual(b, ["delete k"]);
        await withPrev.cancel();
        await onlyDeletes.cancel();
      });

      it("cancel stops events and ends the watcher", async () => {
        fresh();
        const w = await ns.watch().key("k").create();
        const events = collect(w);
        let ended = false;
        w.on("end", () => (ended = true));
        await ns.put("k").value("1");
        await until(() => events.length === 1, "first event");
        await w.cancel();
        assert.equal(ended, true);
        await ns.put("k").value("2");
        await sleep(200);
        assert.deepEqual(events, ["put k=1"]);
      });

      it("a start below the compacted revision is cancelled with the compact revision", async () => {
        fresh();
        const r1 = rev(await ns.put("k").value("1"));
        const r2 = rev(await ns.put("k").value("2"));
        await client.kv.compact({ revision: String(r2), physical: true });
        const stream = await client.watchClient.watch();
        const responses: Array<{ created: boolean; canceled: boolean; compact_revision: string; events: number }> = [];
        stream.on("data", (res) => responses.push({ created: res.created, canceled: res.canceled, compact_revision: res.compact_revision, events: res.events.length }));
        stream.write({ create_request: { key: Buffer.from(`${p}k`), start_revision: String(r1) } });
        await until(() => responses.length === 2, "created and canceled");
        stream.end();
        assert.deepEqual(responses, [
          { created: true, canceled: false, compact_revision: "0", events: 0 },
          { created: false, canceled: true, compact_revision: String(r2), events: 0 },
        ]);
        // Through the client, the watcher reports an error.
        const w = ns.watch().key("k").startRevision(String(r1)).watcher();
        const err = await new Promise<Error>((resolve) => w.on("error", resolve));
        assert.match(err.message, /canceled/i);
        // At the compacted revision itself the history is still there.
        const ok = await ns.watch().key("k").startRevision(String(r2)).create();
        const events = collect(ok);
        await until(() => events.length === 1, "replay from the compacted revision");
        assert.deepEqual(events, ["put k=2"]);
        await ok.cancel();
      });

      it("a replay comes in one response, at the current revision, with prev_kv", async () => {
        fresh();
        const from = rev(await ns.put("k").value("1"));
        await ns.put("k").value("2");
        await ns.put("other").value("x");
        await ns.delete().key("k");
        const now = await currentRev();
        const responses: Array<{ rev: string; events: string[] }> = [];
        const w = ns.watch().key("k").startRevision(String(from)).withPreviousKV().watcher();
        w.on("data", (res) =>
          responses.push({ rev: res.header.revision, events: res.events.map((e) => `${e.type} ${e.kv.value.toString()} prev=${e.prev_kv ? e.prev_kv.value.toString() : "-"}`) }),
        );
        await until(() => responses.length === 1, "replay");
        assert.deepEqual(responses, [{ rev: String(now), events: ["Put 1 prev=-", "Put 2 prev=1", "Delete  prev=2"] }]);
        await w.cancel();
      });

      it("revoking a lease deletes its keys in one revision, in key order", async () => {
        fresh();
        const lease = ns.lease(60, { autoKeepAlive: false });
        for (const k of ["c", "a", "b"]) await lease.put(k).value(k);
        const responses: Array<{ rev: string; events: string[] }> = [];
        const w = await ns.watch().prefix("").withPreviousKV().create();
        w.on("data", (res) => responses.push({ rev: res.header.revision, events: res.events.map((e) => `${e.type} ${e.kv.key.toString()} prev=${e.prev_kv?.value.toString()}`) }));
        await lease.revoke();
        const now = await currentRev();
        await until(() => responses.length === 1, "delete events");
        assert.deepEqual(responses, [{ rev: String(now), events: ["Delete a prev=a", "Delete b prev=b", "Delete c prev=c"] }]);
        await w.cancel();
      });

      it("a progress request is answered with the current revision and no events", async () => {
        fresh();
        await ns.put("k").value("1");
        const stream = await client.watchClient.watch();
        const got: Array<{ id: string; created: boolean; rev: string; events: number }> = [];
        stream.on("data", (res) => got.push({ id: res.watch_id, created: res.created, rev: res.header.revision, events: res.events.length }));
        stream.write({ create_request: { key: Buffer.from(`${p}k`) } });
        await until(() => got.length === 1, "created");
        stream.write({ progress_request: {} });
        await until(() => got.length === 2, "progress");
        stream.end();
        const now = String(await currentRev());
        assert.deepEqual(got, [
          { id: "0", created: true, rev: now, events: 0 },
          { id: "-1", created: false, rev: now, events: 0 },
        ]);
      });

      it("a watch from a future revision starts there", async () => {
        fresh();
        const start = (await currentRev()) + 2;
        const w = await ns.watch().key("k").startRevision(String(start)).create();
        const events = collect(w);
        for (const v of ["1", "2", "3"]) await ns.put("k").value(v);
        await until(() => events.length === 2, "events");
        assert.deepEqual(events, ["put k=2", "put k=3"]);
        await w.cancel();
      });

      it("a range to the end of the keyspace, and cancel by id on the raw stream", async () => {
        fresh();
        const stream = await client.watchClient.watch();
        const got: Array<{ id: string; created: boolean; canceled: boolean; keys: string[] }> = [];
        stream.on("data", (res) => got.push({ id: res.watch_id, created: res.created, canceled: res.canceled, keys: res.events.map((e) => e.kv.key.toString()) }));
        stream.write({ create_request: { key: Buffer.from(`${p}m`), range_end: Buffer.from([0]) } });
        await until(() => got.length === 1, "created");
        const id = got[0]!.id;
        await ns.put("a").value("1"); // before the range
        await ns.put("m").value("1");
        await ns.put("z").value("1");
        await until(() => got.length === 3, "events");
        stream.write({ cancel_request: { watch_id: id } });
        await until(() => got.length === 4, "cancel response");
        await ns.put("n").value("1");
        await sleep(100);
        stream.end();
        assert.deepEqual(got, [
          { id, created: true, canceled: false, keys: [] },
          { id, created: false, canceled: false, keys: [`${p}m`] },
          { id, created: false, canceled: false, keys: [`${p}z`] },
          { id, created: false, canceled: true, keys: [] },
        ]);
      });

      it("reconnects after the connection drops and resumes without missing events", async () => {
        fresh();
        const r = await relay(member.clientAddr);
        const viaRelay = newClient(r.addr).namespace(p);
        try {
          const w = await viaRelay.watch().prefix("").create();
          const events = collect(w);
          let disconnects = 0;
          w.on("disconnected", () => disconnects++);
          await ns.put("a").value("1");
          await until(() => events.length === 1, "first event");
          r.cut();
          // Written while the watcher is cut off: it must get these when it resumes.
          await ns.put("b").value("1");
          await ns.put("a").value("2");
          await until(() => events.length === 3, "events after reconnect", 10_000);
          await ns.delete().key("b");
          await until(() => events.length === 4, "live again");
          assert.deepEqual(events, ["put a=1", "put b=1", "put a=2", "delete b"]);
          assert.ok(disconnects >= 1, "the watcher noticed the drop");
          await w.cancel();
        } finally {
          await r.close();
        }
      });
    });

    describe("recipes", () => {
      it("locks: one holder at a time", async () => {
        fresh();
        const l1 = ns.lock("l").ttl(5);
        const l2 = ns.lock("l").ttl(5);
        await l1.acquire();
        await assert.rejects(l2.acquire(), EtcdLockFailedError);
        await l1.release();
        await l2.acquire();
        assert.ok(await l2.leaseId());
        const ran = await ns.lock("other").do(async () => "done");
        assert.equal(ran, "done");
        await l2.release();
        assert.deepEqual(await ns.getAll().keys(), [], "released locks leave no keys");
      });

      it("elections: leader, queueing, resign, proclaim, observe", async () => {
        fresh();
        const election = ns.election("e", 5);
        const first = election.campaign("one");
        await first.wait();
        assert.equal(await election.leader(), "one");
        const second = election.campaign("two");
        let secondElected = false;
        second.on("elected", () => (secondElected = true));
        const observer = await election.observe();
        const seen: Array<string | undefined> = [];
        observer.on("change", (v) => seen.push(v));
        await first.proclaim("uno");
        await until(() => seen.includes("uno"), "observer sees the proclaimed value");
        assert.equal(await election.leader(), "uno");
        assert.equal(secondElected, false);
        await first.resign();
        await until(() => secondElected, "second elected");
        assert.equal(await election.leader(), "two");
        await until(() => seen.includes("two"), "observer sees the new leader");
        await second.resign();
        await observer.cancel();
        assert.equal(await election.leader(), undefined);
      });

      it("namespaces: keys, ranges, deletes and watches stay inside the prefix", async () => {
        fresh();
        const inner = ns.namespace("in/");
        await ns.put("outside").value("x");
        await inner.put("a").value("1");
        await inner.put("b").value("2");
        assert.equal(await ns.get("in/a").string(), "1");
        assert.deepEqual(await inner.getAll().keys(), ["a", "b"]);
        const w = await inner.watch().prefix("").create();
        const events = collect(w);
        await ns.put("outside").value("y");
        await inner.put("c").value("3");
        await inner.delete().all();
        await until(() => events.length === 4, "events");
        assert.deepEqual(events, ["put c=3", "delete a", "delete b", "delete c"]);
        assert.deepEqual(await ns.getAll().keys(), ["outside"]);
        await w.cancel();
      });

      it("STM: concurrent read-modify-write transactions retry and lose nothing", async () => {
        fresh();
        await ns.put("counter").value(0);
        const incr = () =>
          ns.stm({ retries: 50 }).transact(async (tx) => {
            const v = Number(await tx.get("counter").string());
            await sleep(5); // widen the window for conflicts
            await tx.put("counter").value(v + 1);
            return v;
          });
        const seen = await Promise.all(Array.from({ length: 5 }, incr));
        assert.equal(await ns.get("counter").string(), "5");
        assert.deepEqual([...seen].sort(), [0, 1, 2, 3, 4]);
      });

      it("STM: isolation levels and giving up after the retries", async () => {
        fresh();
        await ns.put("a").value("1");
        // Read-committed never conflicts on reads.
        const readCommitted = 3 as ISTMOptions["isolation"];
        let attempts = 0;
        await ns.stm({ isolation: readCommitted, retries: 0 }).transact(async (tx) => {
          attempts++;
          await tx.get("a").string();
          await ns.put("a").value(`changed${attempts}`);
          await tx.put("b").value("x");
        });
        assert.equal(attempts, 1);
        // Serializable snapshot (the default): a key read and changed meanwhile is a conflict.
        attempts = 0;
        await assert.rejects(
          ns.stm({ retries: 2 }).transact(async (tx) => {
            attempts++;
            await tx.get("a").string();
            await ns.put("a").value(`again${attempts}`);
            await tx.put("b").value("y");
          }),
          STMConflictError,
        );
        assert.equal(attempts, 3);
        assert.equal(await ns.get("b").string(), "x");
      });
    });
  });
}

// The two targets are independent servers: run them side by side.
describe("etcd3 client", { concurrency: 2 }, () => {
  for (const target of ["etcd", "kplane"] as const) suite(target);
});
