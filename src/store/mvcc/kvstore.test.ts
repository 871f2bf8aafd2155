import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { Backend } from "./backend.js";
import { ErrCompacted, ErrFutureRev } from "./errors.js";
import { KvStore, type Event, type LeaseLink } from "./kvstore.js";
import { bytesToRev, isTombstone, revToBytes } from "./revision.js";
import type { KeyRange } from "./treeIndex.js";

const dirs: string[] = [];
const open: Backend[] = [];
after(async () => {
  for (const b of open) await b.close().catch(() => {});
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function tmpdir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "kplane-kvstore-"));
  dirs.push(d);
  return d;
}

function openStore(dir = tmpdir(), leases?: LeaseLink): { dir: string; b: Backend; kv: KvStore } {
  const b = new Backend(dir);
  open.push(b);
  return { dir, b, kv: new KvStore(b, leases) };
}

/** Closes the backend and opens the same directory again, as a restart does. */
async function reopen(s: { dir: string; b: Backend }, leases?: LeaseLink): Promise<{ dir: string; b: Backend; kv: KvStore }> {
  await s.b.close();
  open.splice(open.indexOf(s.b), 1);
  return openStore(s.dir, leases);
}

const enc = (s: string): Uint8Array => Buffer.from(s, "latin1");
const str = (b: Uint8Array): string => Buffer.from(b).toString("latin1");
const one = (key: string): KeyRange => ({ key, end: null });
const all: KeyRange = { key: "", end: "" };

/** A KeyValue in one readable line: key=value c<create> m<mod> v<version> [l<lease>]. */
function line(kv: { key: Uint8Array; value: Uint8Array; createRevision: number; modRevision: number; version: number; lease: bigint }): string {
  return `${str(kv.key)}=${str(kv.value)} c${kv.createRevision} m${kv.modRevision} v${kv.version}${kv.lease ? ` l${kv.lease}` : ""}`;
}

function put(kv: KvStore, key: string, value: string, lease = 0n): number {
  const t = kv.write();
  const rev = t.put(enc(key), enc(value), lease);
  t.end();
  return rev;
}

function del(kv: KvStore, r: KeyRange): number {
  const t = kv.write();
  const n = t.deleteRange(r);
  t.end();
  return n;
}

/** What a range at `rev` reads, or the error's name. */
function read(kv: KvStore, r: KeyRange, rev = 0): string[] | string {
  try {
    return kv.range(r, { rev }).kvs.map(line);
  } catch (e) {
    if (e instanceof ErrCompacted || e instanceof ErrFutureRev) return e.constructor.name;
    throw e;
  }
}

/** Every revision in the backend's key bucket, "main.sub" with a "t" for tombstones. */
function stored(b: Backend): string[] {
  const out: string[] = [];
  b.forEach("key", undefined, undefined, (k) => {
    const r = bytesToRev(k);
    out.push(`${r.main}.${r.sub}${isTombstone(k) ? "t" : ""}`);
  });
  return out;
}

function events(kv: KvStore, from: number, to: number): string[] {
  const out: string[] = [];
  kv.eventsBetween(from, to, (ev: Event, r) => out.push(`${r.main}.${r.sub} ${ev.type} ${ev.type === "put" ? line(ev.kv) : `${str(ev.kv.key)} m${ev.kv.modRevision}`}`));
  return out;
}

/** Everything observable: the revisions, every read at every revision, and the raw history. */
function observe(kv: KvStore, b: Backend): unknown {
  const reads: Array<string[] | string> = [];
  for (let r = -1; r <= kv.currentRev + 1; r++) reads.push(read(kv, all, r));
  return { currentRev: kv.currentRev, compactMainRev: kv.compactMainRev, reads, stored: stored(b), events: events(kv, 0, kv.currentRev) };
}

describe("kvstore revisions", () => {
  it("a new store is at revision 1 with nothing in it and nothing compacted", () => {
    const { kv } = openStore();
    assert.equal(kv.currentRev, 1);
    assert.equal(kv.compactMainRev, -1);
    assert.deepEqual(kv.range(all), { kvs: [], rev: 1, count: 0 });
  });

  it("each put gets the next revision; version counts puts since creation", () => {
    const { kv } = openStore();
    assert.equal(put(kv, "a", "1"), 2);
    assert.equal(put(kv, "b", "1"), 3);
    assert.equal(put(kv, "a", "2"), 4);
    assert.deepEqual(read(kv, all), ["a=2 c2 m4 v2", "b=1 c3 m3 v1"]);
    assert.equal(kv.currentRev, 4);
  });

  it("writes that change nothing do not bump the revision", () => {
    const { kv, b } = openStore();
    put(kv, "a", "1");
    assert.equal(del(kv, one("missing")), 0);
    assert.equal(del(kv, { key: "x", end: "z" }), 0);
    const t = kv.write();
    assert.equal(t.rev, 2, "an empty transaction reports the current revision");
    t.end();
    assert.equal(kv.currentRev, 2);
    assert.deepEqual(stored(b), ["2.0"]);
  });

  it("a put with the same value is still a change", () => {
    const { kv } = openStore();
    put(kv, "a", "1");
    assert.equal(put(kv, "a", "1"), 3);
    assert.deepEqual(read(kv, one("a")), ["a=1 c2 m3 v2"]);
  });

  it("a transaction bumps the revision once; its changes are ordered by sub-revision", () => {
    const { kv, b } = openStore();
    put(kv, "c", "0");
    const committed: Array<[number, string[]]> = [];
    kv.onCommit = (evs, rev) => committed.push([rev, evs.map((e) => `${e.type} ${str(e.kv.key)}`)]);
    const t = kv.write();
    assert.equal(t.put(enc("a"), enc("1"), 0n), 3);
    assert.equal(t.put(enc("b"), enc("1"), 0n), 3);
    assert.equal(t.deleteRange(one("c")), 1);
    // The transaction reads its own writes before it ends.
    assert.deepEqual(t.range(all).kvs.map(line), ["a=1 c3 m3 v1", "b=1 c3 m3 v1"]);
    assert.equal(t.range(all).rev, 3);
    t.end();
    assert.equal(kv.currentRev, 3);
    assert.deepEqual(committed, [[3, ["put a", "put b", "delete c"]]]);
    assert.deepEqual(stored(b), ["2.0", "3.0", "3.1", "3.2t"]);
    assert.deepEqual(events(kv, 3, 3), ["3.0 put a=1 c3 m3 v1", "3.1 put b=1 c3 m3 v1", "3.2 delete c m3"]);
  });

  it("a transaction that only reads, or deletes nothing, commits no revision", () => {
    const { kv } = openStore();
    let commits = 0;
    kv.onCommit = () => commits++;
    const t = kv.write();
    t.range(all);
    t.deleteRange(all);
    t.end();
    assert.equal(commits, 0);
    assert.equal(kv.currentRev, 1);
  });
});

describe("kvstore deletes and tombstones", () => {
  it("a delete hides the key from then on; older revisions still see it", () => {
    const { kv, b } = openStore();
    put(kv, "a", "1"); // 2
    put(kv, "a", "2"); // 3
    assert.equal(del(kv, one("a")), 1); // 4
    assert.deepEqual(read(kv, one("a")), []);
    assert.deepEqual(read(kv, one("a"), 3), ["a=2 c2 m3 v2"]);
    assert.deepEqual(stored(b), ["2.0", "3.0", "4.0t"]);
    assert.deepEqual(events(kv, 4, 4), ["4.0 delete a m4"]);
  });

  it("a key created again starts over: new create revision, version 1", () => {
    const { kv } = openStore();
    put(kv, "a", "1"); // 2
    del(kv, one("a")); // 3
    put(kv, "a", "2"); // 4
    assert.deepEqual(read(kv, one("a")), ["a=2 c4 m4 v1"]);
    assert.deepEqual(read(kv, one("a"), 3), []);
    assert.deepEqual(read(kv, one("a"), 2), ["a=1 c2 m2 v1"]);
  });

  it("a range delete tombstones every live key in the range, in key order, in one revision", () => {
    const { kv, b } = openStore();
    for (const k of ["a", "b", "c", "d"]) put(kv, k, "x"); // 2..5
    del(kv, one("b")); // 6
    assert.equal(del(kv, { key: "a", end: "d" }), 2); // 7: a and c; b is already gone
    assert.deepEqual(read(kv, all), ["d=x c5 m5 v1"]);
    assert.deepEqual(stored(b).slice(-2), ["7.0t", "7.1t"]);
    assert.deepEqual(events(kv, 7, 7), ["7.0 delete a m7", "7.1 delete c m7"]);
  });

  it("an open-ended range delete (end '') removes every key from the start key on", () => {
    const { kv } = openStore();
    for (const k of ["a", "b", "c"]) put(kv, k, "x");
    assert.equal(del(kv, { key: "b", end: "" }), 2);
    assert.deepEqual(read(kv, all), ["a=x c2 m2 v1"]);
  });
});

describe("kvstore reads", () => {
  // a@2, b@3, a@4, c@5, b deleted @6
  function history() {
    const s = openStore();
    put(s.kv, "a", "1");
    put(s.kv, "b", "1");
    put(s.kv, "a", "2");
    put(s.kv, "c", "1");
    del(s.kv, one("b"));
    return s;
  }

  const atRev: Array<[number, string[] | string]> = [
    [-5, ["a=2 c2 m4 v2", "c=1 c5 m5 v1"]], // <= 0 reads the newest revision
    [0, ["a=2 c2 m4 v2", "c=1 c5 m5 v1"]],
    [1, []],
    [2, ["a=1 c2 m2 v1"]],
    [3, ["a=1 c2 m2 v1", "b=1 c3 m3 v1"]],
    [4, ["a=2 c2 m4 v2", "b=1 c3 m3 v1"]],
    [5, ["a=2 c2 m4 v2", "b=1 c3 m3 v1", "c=1 c5 m5 v1"]],
    [6, ["a=2 c2 m4 v2", "c=1 c5 m5 v1"]],
    [7, "ErrFutureRev"],
    [100, "ErrFutureRev"],
  ];
  for (const [rev, want] of atRev) {
    it(`every key at revision ${rev}`, () => {
      assert.deepEqual(read(history().kv, all, rev), want);
    });
  }

  it("the header revision is the store's, not the one read", () => {
    const { kv } = history();
    assert.equal(kv.range(all, { rev: 3 }).rev, 6);
  });

  it("limit cuts the kvs but count is every key in the range", () => {
    const { kv } = history();
    const cases: Array<[number, number]> = [[0, 2], [-1, 2], [1, 1], [2, 2], [3, 2], [100, 2]];
    for (const [limit, n] of cases) {
      const r = kv.range(all, { limit });
      assert.equal(r.kvs.length, n, `limit ${limit}`);
      assert.equal(r.count, 2, `limit ${limit}`);
    }
    const old = kv.range(all, { limit: 1, rev: 5 });
    assert.deepEqual([old.kvs.map(line), old.count], [["a=2 c2 m4 v2"], 3]);
  });

  it("count-only returns no kvs", () => {
    const { kv } = history();
    assert.deepEqual(kv.range(all, { count: true, rev: 5 }), { kvs: [], rev: 6, count: 3 });
  });

  it("ranges are half-open and in byte order, high bytes included", () => {
    const { kv } = openStore();
    for (const k of ["a", "a\u0000", "ab", "b", "\u00ff", "\u00ff\u00ff", "\u0001"]) put(kv, k, "v");
    const keys = (r: KeyRange) => kv.range(r).kvs.map((x) => str(x.key));
    assert.deepEqual(keys(all), ["\u0001", "a", "a\u0000", "ab", "b", "\u00ff", "\u00ff\u00ff"]);
    assert.deepEqual(keys({ key: "a", end: "b" }), ["a", "a\u0000", "ab"]);
    assert.deepEqual(keys({ key: "a", end: "ab" }), ["a", "a\u0000"]);
    assert.deepEqual(keys({ key: "\u00ff", end: "" }), ["\u00ff", "\u00ff\u00ff"]);
    assert.deepEqual(keys({ key: "b", end: "a" }), [], "end before start: nothing");
    assert.deepEqual(keys({ key: "a", end: "a" }), []);
  });
});

describe("kvstore compaction", () => {
  it("boundaries: reads below the compacted revision fail, at it succeed, past the newest fail", async () => {
    const { kv } = openStore();
    for (let i = 0; i < 5; i++) put(kv, "k", `${i}`); // 2..6
    await kv.compact(4);
    assert.equal(kv.compactMainRev, 4);
    assert.equal(read(kv, all, 3), "ErrCompacted");
    assert.equal(read(kv, all, 1), "ErrCompacted");
    assert.deepEqual(read(kv, all, 4), ["k=2 c2 m4 v3"]);
    assert.deepEqual(read(kv, all, 0), ["k=4 c2 m6 v5"]);
    assert.deepEqual(read(kv, all, -1), ["k=4 c2 m6 v5"]);
    assert.equal(read(kv, all, 7), "ErrFutureRev");
  });

  it("compacting at or below the compacted revision, or past the newest, is refused", async () => {
    const { kv } = openStore();
    for (let i = 0; i < 3; i++) put(kv, "k", `${i}`); // 2..4
    // [revision, error or "ok"], applied in turn to the same store.
    const steps: Array<[number, string]> = [
      [0, "ok"], // the first compaction may be at 0: nothing is compacted yet (-1)
      [0, "ErrCompacted"],
      [1, "ok"],
      [1, "ErrCompacted"],
      [5, "ErrFutureRev"],
      [4, "ok"],
      [3, "ErrCompacted"],
    ];
    for (const [rev, want] of steps) {
      let got = "ok";
      try {
        await kv.compact(rev);
      } catch (e) {
        got = (e as Error).constructor.name;
      }
      assert.equal(got, want, `compact(${rev})`);
    }
  });

  it("keeps the newest version at or below the compaction revision, unless it is a delete", async () => {
    const { kv } = openStore();
    put(kv, "k", "v0"); // 2
    put(kv, "k", "v1"); // 3
    del(kv, one("k")); // 4
    put(kv, "k", "v2"); // 5
    // [compaction revision, a read at it, a read just above it], compacted in turn on one store.
    const steps: Array<[number, string[], string[]]> = [
      [1, [], ["k=v0 c2 m2 v1"]],
      [2, ["k=v0 c2 m2 v1"], ["k=v1 c2 m3 v2"]],
      [3, ["k=v1 c2 m3 v2"], []],
      [4, [], ["k=v2 c5 m5 v1"]],
    ];
    for (const [rev, atIt, above] of steps) {
      await kv.compact(rev);
      assert.deepEqual(read(kv, all, rev), atIt, `at ${rev} after compact(${rev})`);
      assert.deepEqual(read(kv, all, rev + 1), above, `at ${rev + 1} after compact(${rev})`);
    }
  });

  it("physical compaction deletes history from the backend, including tombstone-only lives", async () => {
    const { kv, b } = openStore();
    put(kv, "a", "1"); // 2
    put(kv, "a", "2"); // 3
    put(kv, "gone", "1"); // 4
    del(kv, one("gone")); // 5
    put(kv, "a", "3"); // 6
    put(kv, "b", "1"); // 7
    assert.deepEqual(stored(b), ["2.0", "3.0", "4.0", "5.0t", "6.0", "7.0"]);
    await kv.compact(5);
    // a@3 is the newest version of a at 5; "gone" ended in a tombstone at 5: nothing of it stays.
    assert.deepEqual(stored(b), ["3.0", "6.0", "7.0"]);
    assert.equal(kv.index.keyIndex("gone"), undefined, "the key index forgets a key with no history left");
    assert.deepEqual(read(kv, all, 5), ["a=2 c2 m3 v2"]);
    await kv.compact(7);
    assert.deepEqual(stored(b), ["6.0", "7.0"]);
    assert.deepEqual(read(kv, all), ["a=3 c2 m6 v3", "b=1 c7 m7 v1"]);
  });

  it("a tombstone above the compaction revision stays, with the version it deleted", async () => {
    const { kv, b } = openStore();
    put(kv, "a", "1"); // 2
    put(kv, "a", "2"); // 3
    del(kv, one("a")); // 4
    await kv.compact(3);
    assert.deepEqual(stored(b), ["3.0", "4.0t"]);
    assert.deepEqual(read(kv, all, 3), ["a=2 c2 m3 v2"]);
    assert.deepEqual(events(kv, 3, 4), ["3.0 put a=2 c2 m3 v2", "4.0 delete a m4"]);
  });
});

describe("kvstore restore", () => {
  type Workload = (kv: KvStore) => Promise<void> | void;
  const workloads: Array<[string, Workload]> = [
    ["puts of several keys", (kv) => {
      put(kv, "foo", "0");
      put(kv, "foo", "1");
      put(kv, "bar", "0");
      put(kv, "foo", "2");
    }],
    ["delete and re-create", (kv) => {
      put(kv, "foo", "0");
      del(kv, one("foo"));
      put(kv, "foo", "1");
    }],
    ["a transaction with sub-revisions", (kv) => {
      put(kv, "c", "0");
      const t = kv.write();
      t.put(enc("a"), enc("1"), 0n);
      t.put(enc("b"), enc("1"), 0n);
      t.deleteRange(one("c"));
      t.end();
      put(kv, "a", "2");
    }],
    ["compacted history", async (kv) => {
      put(kv, "foo", "0");
      put(kv, "foo", "1");
      put(kv, "x", "0");
      del(kv, one("x"));
      put(kv, "foo", "2");
      await kv.compact(4);
    }],
    ["compacted at a delete", async (kv) => {
      put(kv, "foo", "0");
      put(kv, "bar", "0");
      del(kv, one("bar"));
      await kv.compact(4);
    }],
  ];

  for (const [name, work] of workloads) {
    for (const saveMeta of [false, true]) {
      it(`${name}: the reopened store is identical${saveMeta ? " (with meta saved)" : ""}`, async () => {
        const s = openStore();
        await work(s.kv);
        if (saveMeta) s.kv.saveConsistentIndex(42);
        const before = observe(s.kv, s.b);
        const r = await reopen(s);
        await r.kv.compactionDone();
        assert.deepEqual(observe(r.kv, r.b), before);
        assert.equal(r.kv.consistentIndex, saveMeta ? 42 : 0);
        // Writes continue from the restored revision, and versions from the restored history.
        const next = put(r.kv, "foo", "after");
        assert.equal(next, (before as { currentRev: number }).currentRev + 1);
      });
    }
  }

  it("history compacted away entirely: the revision does not go back below the compaction", async () => {
    const s = openStore();
    put(s.kv, "a", "1"); // 2
    del(s.kv, one("a")); // 3
    await s.kv.compact(3);
    assert.deepEqual(stored(s.b), []);
    const r = await reopen(s);
    assert.equal(r.kv.compactMainRev, 3);
    assert.equal(r.kv.currentRev, 3);
    assert.equal(put(r.kv, "a", "2"), 4);
  });

  it("revisions past the saved current revision are dropped (their batch is replayed from the WAL)", async () => {
    const s = openStore();
    put(s.kv, "a", "1"); // 2
    s.kv.saveConsistentIndex(7);
    put(s.kv, "a", "2"); // 3, never covered by saved meta
    put(s.kv, "b", "1"); // 4
    const r = await reopen(s);
    assert.equal(r.kv.currentRev, 2);
    assert.equal(r.kv.consistentIndex, 7);
    assert.deepEqual(read(r.kv, all), ["a=1 c2 m2 v1"]);
    assert.deepEqual(stored(r.b), ["2.0"]);
    // Applying the batch again gives the same revisions.
    assert.equal(put(r.kv, "a", "2"), 3);
    assert.deepEqual(read(r.kv, one("a")), ["a=2 c2 m3 v2"]);
  });

  it("a compaction scheduled but not finished before the restart finishes after it", async () => {
    const s = openStore();
    for (let i = 0; i < 4; i++) put(s.kv, "k", `${i}`); // 2..5
    // As if the process died after recording the compaction and before deleting anything.
    const rev8 = Buffer.alloc(8);
    rev8.writeBigUInt64BE(4n);
    s.b.put("meta", Buffer.from("scheduledCompactRev"), rev8);
    const r = await reopen(s);
    assert.equal(r.kv.compactMainRev, 4);
    await r.kv.compactionDone();
    assert.deepEqual(stored(r.b), ["4.0", "5.0"]);
    assert.equal(read(r.kv, all, 3), "ErrCompacted");
    assert.deepEqual(read(r.kv, all, 4), ["k=2 c2 m4 v3"]);
  });

  it("reports which live keys hold leases, from the newest version of each", async () => {
    const s = openStore();
    put(s.kv, "a", "1", 7n);
    put(s.kv, "b", "1", 7n);
    put(s.kv, "b", "2"); // b drops its lease
    put(s.kv, "c", "1", 9n);
    put(s.kv, "d", "1", 9n);
    del(s.kv, one("d")); // a deleted key holds nothing
    const r = await reopen(s);
    assert.deepEqual([...r.kv.restoredLeases].sort(), [["a", 7n], ["c", 9n]]);
  });
});

describe("kvstore and leases", () => {
  function recorder(): LeaseLink & { log: string[]; held: Map<string, bigint> } {
    const held = new Map<string, bigint>();
    const log: string[] = [];
    return {
      log,
      held,
      leaseOf: (k) => held.get(k) ?? 0n,
      attach: (id, k) => {
        log.push(`attach ${id} ${k}`);
        held.set(k, id);
      },
      detach: (id, k) => {
        log.push(`detach ${id} ${k}`);
        if (held.get(k) === id) held.delete(k);
      },
    };
  }

  it("puts attach and detach keys; deletes detach them", () => {
    const leases = recorder();
    const { kv } = openStore(undefined, leases);
    put(kv, "a", "1", 5n);
    put(kv, "a", "2", 6n); // moves to another lease
    put(kv, "a", "3"); // leaves its lease
    put(kv, "b", "1", 5n);
    del(kv, { key: "a", end: "c" });
    assert.deepEqual(leases.log, ["attach 5 a", "detach 5 a", "attach 6 a", "detach 6 a", "attach 5 b", "detach 5 b"]);
    assert.equal(leases.held.size, 0);
  });

  it("the lease is stored with the version", () => {
    const { kv } = openStore();
    put(kv, "a", "1", 0x7fff_ffff_ffff_ffffn);
    assert.deepEqual(read(kv, all), [`a=1 c2 m2 v1 l${0x7fff_ffff_ffff_ffffn}`]);
  });
});

describe("revision encoding", () => {
  it("orders revisions by bytes as by number, past 2^32", () => {
    const revs = [{ main: 1, sub: 0 }, { main: 1, sub: 1 }, { main: 255, sub: 0 }, { main: 2 ** 32, sub: 0 }, { main: 2 ** 40 + 1, sub: 3 }];
    const bytes = revs.map((r) => revToBytes(r));
    for (let i = 1; i < bytes.length; i++) assert.ok(Buffer.compare(bytes[i - 1]!, bytes[i]!) < 0);
    for (const r of revs) assert.deepEqual(bytesToRev(revToBytes(r)), r);
    assert.equal(isTombstone(revToBytes(revs[0]!, true)), true);
    assert.equal(isTombstone(revToBytes(revs[0]!)), false);
  });
});
