import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { Backend } from "../mvcc/backend.js";
import { KvStore } from "../mvcc/kvstore.js";
import { ErrLeaseExists, ErrLeaseNotFound, ErrLeaseTTLTooLarge, Lessor, maxLeaseTTL } from "./lessor.js";

const dirs: string[] = [];
const backends: Backend[] = [];
after(async () => {
  for (const b of backends) await b.close().catch(() => {});
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function backend(dir?: string): Backend {
  if (!dir) {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "kplane-lessor-"));
    dirs.push(dir);
  }
  const b = new Backend(dir);
  backends.push(b);
  return b;
}

/** A lessor on a fresh backend with a hand-driven clock (ms). */
function setup(minTTL = 2) {
  const clock = { ms: 1000 };
  const b = backend();
  const lessor = new Lessor(b, minTTL, () => clock.ms);
  return { b, lessor, clock };
}

const ids = (ls: Array<{ id: bigint }>): bigint[] => ls.map((l) => l.id).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

describe("lessor grant", () => {
  it("keeps the granted TTL, raised to the minimum", () => {
    const { lessor } = setup(5);
    assert.equal(lessor.grant(1n, 60).ttl, 60);
    assert.equal(lessor.grant(2n, 5).ttl, 5);
    assert.equal(lessor.grant(3n, 1).ttl, 5);
    assert.equal(lessor.grant(4n, 0).ttl, 5);
    assert.deepEqual(ids(lessor.list()), [1n, 2n, 3n, 4n]);
  });

  it("refuses an id in use and a TTL past etcd's ceiling", () => {
    const { lessor } = setup();
    lessor.grant(7n, 10);
    assert.throws(() => lessor.grant(7n, 10), ErrLeaseExists);
    assert.throws(() => lessor.grant(8n, maxLeaseTTL + 1), ErrLeaseTTLTooLarge);
    assert.equal(lessor.grant(9n, maxLeaseTTL).ttl, maxLeaseTTL);
    assert.equal(lessor.lookup(8n), undefined);
  });

  it("ids are int64: negative and large ones round-trip through the backend", async () => {
    const { b, lessor } = setup();
    lessor.grant(-5n, 10);
    lessor.grant(0x7fff_ffff_ffff_ffffn, 20);
    await b.flushed();
    const again = new Lessor(b, 2);
    assert.deepEqual(ids(again.list()), [-5n, 0x7fff_ffff_ffff_ffffn]);
    assert.equal(again.lookup(0x7fff_ffff_ffff_ffffn)?.ttl, 20);
  });
});

describe("lessor expiry", () => {
  it("a follower's leases never expire: remaining is the full TTL", () => {
    const { lessor, clock } = setup();
    const l = lessor.grant(1n, 10);
    clock.ms += 60_000;
    assert.equal(lessor.remaining(l), 10);
    assert.deepEqual(lessor.expired(100), []);
  });

  it("on the leader a lease counts down from its grant; remaining seconds are truncated", () => {
    const { lessor, clock } = setup();
    lessor.promote();
    const l = lessor.grant(1n, 10);
    clock.ms += 2500;
    assert.equal(lessor.remaining(l), 7);
    clock.ms += 7499;
    assert.equal(lessor.remaining(l), 0);
    assert.deepEqual(lessor.expired(100), [], "not past its expiry yet");
    clock.ms += 2;
    assert.deepEqual(ids(lessor.expired(100)), [1n]);
    clock.ms += 60_000;
    assert.equal(lessor.remaining(l), 0, "never negative");
  });

  it("becoming leader gives every lease its full TTL from then", () => {
    const { lessor, clock } = setup();
    const l = lessor.grant(1n, 10);
    clock.ms += 100_000;
    lessor.promote();
    assert.equal(lessor.remaining(l), 10);
    clock.ms += 9000;
    assert.deepEqual(lessor.expired(100), []);
    clock.ms += 1001;
    assert.deepEqual(ids(lessor.expired(100)), [1n]);
  });

  it("stepping down stops every clock", () => {
    const { lessor, clock } = setup();
    lessor.promote();
    const l = lessor.grant(1n, 10);
    lessor.demote();
    clock.ms += 100_000;
    assert.deepEqual(lessor.expired(100), []);
    assert.equal(lessor.remaining(l), 10);
  });

  it("an expired lease is reported once, then again only after the retry interval", () => {
    const { lessor, clock } = setup();
    lessor.promote();
    lessor.grant(1n, 5);
    clock.ms += 6000;
    assert.deepEqual(ids(lessor.expired(100, 3000)), [1n]);
    assert.deepEqual(lessor.expired(100, 3000), [], "its revoke is in flight");
    clock.ms += 3001;
    assert.deepEqual(ids(lessor.expired(100, 3000)), [1n], "the revoke got lost: propose it again");
  });

  it("reports at most `limit` expired leases per call", () => {
    const { lessor, clock } = setup();
    lessor.promote();
    for (let i = 1n; i <= 5n; i++) lessor.grant(i, 5);
    clock.ms += 6000;
    const first = lessor.expired(3);
    const second = lessor.expired(3);
    assert.equal(first.length, 3);
    assert.equal(second.length, 2);
    assert.deepEqual(ids([...first, ...second]), [1n, 2n, 3n, 4n, 5n]);
  });
});

describe("lessor renew", () => {
  it("a keep-alive restarts the countdown and returns the granted TTL", () => {
    const { lessor, clock } = setup();
    lessor.promote();
    const l = lessor.grant(1n, 10);
    clock.ms += 8000;
    assert.equal(lessor.renew(1n), 10);
    assert.equal(lessor.remaining(l), 10);
    clock.ms += 9000;
    assert.deepEqual(lessor.expired(100), []);
  });

  it("an unknown lease is not found", () => {
    const { lessor } = setup();
    lessor.promote();
    assert.throws(() => lessor.renew(42n), ErrLeaseNotFound);
  });

  it("a lease past its expiry cannot be renewed: it is being revoked (as etcd answers)", () => {
    const { lessor, clock } = setup();
    lessor.promote();
    lessor.grant(1n, 5);
    clock.ms += 5001;
    assert.throws(() => lessor.renew(1n), ErrLeaseNotFound);
    assert.deepEqual(ids(lessor.expired(100)), [1n], "still to be revoked");
  });
});

describe("lessor revoke and keys", () => {
  it("revoke names the attached keys in order; forget drops the lease and its keys", async () => {
    const { b, lessor } = setup();
    lessor.grant(1n, 10);
    lessor.grant(2n, 10);
    for (const k of ["c", "a", "b"]) lessor.attach(1n, k);
    lessor.attach(2n, "z");
    assert.deepEqual(lessor.revoke(1n), ["a", "b", "c"]);
    assert.ok(lessor.lookup(1n), "revoke alone does not remove it: the caller deletes the keys first");
    lessor.forget(1n);
    assert.equal(lessor.lookup(1n), undefined);
    assert.equal(lessor.leaseOf("a"), 0n);
    assert.equal(lessor.leaseOf("z"), 2n);
    assert.throws(() => lessor.revoke(1n), ErrLeaseNotFound);
    lessor.forget(1n); // a second forget is harmless
    await b.flushed();
    assert.deepEqual(ids(new Lessor(b, 2).list()), [2n], "gone from the backend too");
  });

  it("attach to an unknown lease is ignored; detach only undoes its own lease", () => {
    const { lessor } = setup();
    lessor.grant(1n, 10);
    lessor.grant(2n, 10);
    lessor.attach(9n, "k");
    assert.equal(lessor.leaseOf("k"), 0n);
    lessor.attach(1n, "k");
    lessor.attach(2n, "k"); // moved (MVCC detaches the old lease first; this checks the index)
    lessor.detach(1n, "k");
    assert.equal(lessor.leaseOf("k"), 2n);
    lessor.detach(2n, "k");
    assert.equal(lessor.leaseOf("k"), 0n);
    assert.deepEqual(lessor.revoke(2n), []);
  });

  it("follows MVCC: puts attach, a put without the lease or a delete detaches", () => {
    const { b, lessor } = setup();
    const kv = new KvStore(b, lessor);
    lessor.grant(1n, 10);
    lessor.grant(2n, 10);
    const put = (k: string, lease: bigint) => {
      const t = kv.write();
      t.put(Buffer.from(k), Buffer.from("v"), lease);
      t.end();
    };
    put("a", 1n);
    put("b", 1n);
    put("c", 1n);
    put("b", 2n); // moves to lease 2
    put("c", 0n); // leaves its lease
    const t = kv.write();
    t.deleteRange({ key: "d", end: null }); // nothing to delete
    t.end();
    assert.deepEqual(lessor.revoke(1n), ["a"]);
    assert.deepEqual(lessor.revoke(2n), ["b"]);
    const d = kv.write();
    d.deleteRange({ key: "a", end: null });
    d.end();
    assert.deepEqual(lessor.revoke(1n), []);
  });

  it("after a restart, leases come back with their TTL and the store re-attaches their keys", async () => {
    const { b, lessor } = setup();
    const kv = new KvStore(b, lessor);
    lessor.grant(1n, 30);
    const t = kv.write();
    t.put(Buffer.from("k1"), Buffer.from("v"), 1n);
    t.put(Buffer.from("k2"), Buffer.from("v"), 1n);
    t.end();
    const dir = b.dir;
    await b.close();
    backends.splice(backends.indexOf(b), 1);

    const b2 = backend(dir);
    const kv2 = new KvStore(b2);
    const lessor2 = new Lessor(b2, 2);
    lessor2.restoreKeys(kv2.restoredLeases);
    const l = lessor2.lookup(1n);
    assert.equal(l?.ttl, 30);
    assert.equal(l?.expiry, Infinity, "no clock runs until this member leads");
    assert.deepEqual(lessor2.revoke(1n), ["k1", "k2"]);
  });
});
