import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { Backend } from "./backend.js";
import { KvStore } from "./kvstore.js";
import type { KeyRange } from "./treeIndex.js";
import { WatchableStore, type WatchEvent, type WatchOptions, type WatchSink, type Watcher } from "./watchableStore.js";

const dirs: string[] = [];
const cleanups: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const c of cleanups) await c();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function setup(): { kv: KvStore; ws: WatchableStore } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kplane-watch-"));
  dirs.push(dir);
  const b = new Backend(dir);
  const kv = new KvStore(b);
  const ws = new WatchableStore(kv);
  cleanups.push(() => ws.close(), () => b.close());
  return { kv, ws };
}

const enc = (s: string): Uint8Array => Buffer.from(s, "latin1");
const str = (b: Uint8Array): string => Buffer.from(b).toString("latin1");

function put(kv: KvStore, key: string, value: string): number {
  const t = kv.write();
  const rev = t.put(enc(key), enc(value), 0n);
  t.end();
  return rev;
}

function del(kv: KvStore, key: string, end: string | null = null): void {
  const t = kv.write();
  t.deleteRange({ key, end });
  t.end();
}

/** An event in one line: "put k=v m5" / "delete k m6", with " prev=v m4" when prev_kv came along. */
function line(ev: WatchEvent): string {
  const base = ev.type === "put" ? `put ${str(ev.kv.key)}=${str(ev.kv.value)} m${ev.kv.modRevision}` : `delete ${str(ev.kv.key)} m${ev.kv.modRevision}`;
  return ev.prevKv ? `${base} prev=${str(ev.prevKv.value)} m${ev.prevKv.modRevision}` : base;
}

/** Records what a watch stream would send. */
class Recorder implements WatchSink {
  /** One entry per events() call: the header revision and the events. */
  batches: Array<{ rev: number; events: string[] }> = [];
  compactedAt: number | undefined;
  busy = false;

  congested(): boolean {
    return this.busy;
  }
  events(_w: Watcher, events: WatchEvent[], rev: number): void {
    this.batches.push({ rev, events: events.map(line) });
  }
  compacted(_w: Watcher, compactRev: number): void {
    this.compactedAt = compactRev;
  }
  get all(): string[] {
    return this.batches.flatMap((b) => b.events);
  }
}

function opts(range: KeyRange, more: Partial<WatchOptions> = {}): WatchOptions {
  return { range, startRev: 0, noPut: false, noDelete: false, prevKv: false, ...more };
}

const turn = () => new Promise<void>((r) => setImmediate(r));

/** Lets scheduled catch-up passes run until cond holds (or fails after many turns). */
async function until(cond: () => boolean, what: string, turns = 200): Promise<void> {
  for (let i = 0; i < turns && !cond(); i++) await turn();
  assert.ok(cond(), `timed out waiting for: ${what}`);
}

describe("watchableStore synced watchers", () => {
  it("a watch from now is synced and gets each change as it commits", () => {
    const { kv, ws } = setup();
    put(kv, "a", "0"); // 2, before the watch
    const rec = new Recorder();
    const w = ws.watch(1, opts({ key: "a", end: null }), rec);
    assert.equal(ws.isSynced(w), true);
    put(kv, "a", "1"); // 3
    put(kv, "b", "1"); // 4, other key
    del(kv, "a"); // 5
    assert.deepEqual(rec.batches, [
      { rev: 3, events: ["put a=1 m3"] },
      { rev: 5, events: ["delete a m5"] },
    ]);
  });

  it("a delete event carries only the key and the delete's revision", () => {
    const { kv, ws } = setup();
    put(kv, "a", "0");
    let got: WatchEvent | undefined;
    const sink: WatchSink = { congested: () => false, events: (_w, evs) => (got = evs[0]), compacted: () => {} };
    ws.watch(1, opts({ key: "a", end: null }), sink);
    del(kv, "a");
    assert.equal(got?.type, "delete");
    assert.deepEqual({ ...got!.kv, key: str(got!.kv.key), value: str(got!.kv.value) }, { key: "a", value: "", createRevision: 0, modRevision: 3, version: 0, lease: 0n });
  });

  it("the changes of one transaction arrive together, in order", () => {
    const { kv, ws } = setup();
    put(kv, "p/c", "0"); // 2
    const rec = new Recorder();
    ws.watch(1, opts({ key: "p/", end: "p0" }), rec);
    const t = kv.write();
    t.put(enc("p/a"), enc("1"), 0n);
    t.put(enc("q"), enc("1"), 0n);
    t.put(enc("p/b"), enc("1"), 0n);
    t.deleteRange({ key: "p/c", end: null });
    t.end();
    assert.deepEqual(rec.batches, [{ rev: 3, events: ["put p/a=1 m3", "put p/b=1 m3", "delete p/c m3"] }]);
  });

  it("ranges: a prefix, an open end, and an empty range", () => {
    const { kv, ws } = setup();
    const prefix = new Recorder();
    const fromB = new Recorder();
    const nothing = new Recorder();
    ws.watch(1, opts({ key: "a/", end: "a0" }), prefix);
    ws.watch(2, opts({ key: "b", end: "" }), fromB);
    ws.watch(3, opts({ key: "z", end: "a" }), nothing);
    for (const k of ["a", "a/", "a/x", "a0", "b", "zz", "\u00ff"]) put(kv, k, "v");
    assert.deepEqual(prefix.all.map((e) => e.split(" ")[1]), ["a/=v", "a/x=v"]);
    assert.deepEqual(fromB.all.map((e) => e.split(" ")[1]), ["b=v", "zz=v", "\u00ff=v"]);
    assert.deepEqual(nothing.all, []);
  });

  it("watchers of the same range each get the events", () => {
    const { kv, ws } = setup();
    const r1 = new Recorder();
    const r2 = new Recorder();
    ws.watch(1, opts({ key: "k", end: null }), r1);
    const w2 = ws.watch(2, opts({ key: "k", end: null }), r2);
    put(kv, "k", "1");
    ws.cancel(w2);
    put(kv, "k", "2");
    assert.deepEqual(r1.all, ["put k=1 m2", "put k=2 m3"]);
    assert.deepEqual(r2.all, ["put k=1 m2"]);
    assert.equal(ws.watcherCount, 1);
  });

  it("a watch from a future revision waits for it and starts exactly there", () => {
    const { kv, ws } = setup();
    const rec = new Recorder();
    const w = ws.watch(1, opts({ key: "k", end: null }, { startRev: 5 }), rec);
    assert.equal(ws.isSynced(w), true);
    for (let i = 0; i < 5; i++) put(kv, "k", `${i}`); // 2..6
    assert.deepEqual(rec.batches, [
      { rev: 5, events: ["put k=3 m5"] },
      { rev: 6, events: ["put k=4 m6"] },
    ]);
  });

  it("filters drop puts or deletes; a filtered-out revision sends nothing", () => {
    const { kv, ws } = setup();
    const noPut = new Recorder();
    const noDelete = new Recorder();
    ws.watch(1, opts({ key: "k", end: null }, { noPut: true }), noPut);
    ws.watch(2, opts({ key: "k", end: null }, { noDelete: true }), noDelete);
    put(kv, "k", "1"); // 2
    del(kv, "k"); // 3
    put(kv, "k", "2"); // 4
    assert.deepEqual(noPut.batches, [{ rev: 3, events: ["delete k m3"] }]);
    assert.deepEqual(noDelete.batches, [{ rev: 2, events: ["put k=1 m2"] }, { rev: 4, events: ["put k=2 m4"] }]);
  });

  it("prev_kv: the version before an update or delete, none for a create", () => {
    const { kv, ws } = setup();
    const rec = new Recorder();
    ws.watch(1, opts({ key: "k", end: null }, { prevKv: true }), rec);
    put(kv, "k", "1"); // 2: create
    put(kv, "k", "2"); // 3
    del(kv, "k"); // 4
    put(kv, "k", "3"); // 5: created again, nothing before it
    assert.deepEqual(rec.all, ["put k=1 m2", "put k=2 m3 prev=1 m2", "delete k m4 prev=2 m3", "put k=3 m5"]);
  });

  it("prev_kv is left out when the previous version was compacted", async () => {
    const { kv, ws } = setup();
    put(kv, "k", "1"); // 2
    put(kv, "x", "1"); // 3
    put(kv, "x", "2"); // 4
    await kv.compact(4);
    const rec = new Recorder();
    ws.watch(1, opts({ key: "", end: "" }, { prevKv: true }), rec);
    put(kv, "k", "2"); // 5: its previous version (2) is still readable at 4
    put(kv, "x", "3"); // 6: its previous version (4) too
    assert.deepEqual(rec.all, ["put k=2 m5 prev=1 m2", "put x=3 m6 prev=2 m4"]);
  });

  it("a cancelled watcher gets nothing more", () => {
    const { kv, ws } = setup();
    const rec = new Recorder();
    const w = ws.watch(1, opts({ key: "k", end: null }), rec);
    put(kv, "k", "1");
    ws.cancel(w);
    put(kv, "k", "2");
    assert.deepEqual(rec.all, ["put k=1 m2"]);
    assert.equal(ws.watcherCount, 0);
  });
});

describe("watchableStore unsynced watchers", () => {
  it("a watch from a past revision replays history from it, then follows live changes", async () => {
    const { kv, ws } = setup();
    put(kv, "k", "1"); // 2
    put(kv, "other", "1"); // 3
    put(kv, "k", "2"); // 4
    del(kv, "k"); // 5
    const w = ws.watch(1, opts({ key: "k", end: null }), new Recorder());
    const past = new Recorder();
    const wp = ws.watch(2, opts({ key: "k", end: null }, { startRev: 3, prevKv: true }), past);
    assert.equal(ws.isSynced(wp), false);
    assert.equal(ws.isSynced(w), true);
    await until(() => ws.isSynced(wp), "catch-up");
    // Catch-up sends everything at once, with the store's revision in the header.
    assert.deepEqual(past.batches, [{ rev: 5, events: ["put k=2 m4 prev=1 m2", "delete k m5 prev=2 m4"] }]);
    put(kv, "k", "3"); // 6
    assert.deepEqual(past.all.slice(2), ["put k=3 m6"]);
  });

  it("a watch from the current revision includes the change at it", async () => {
    const { kv, ws } = setup();
    put(kv, "k", "1"); // 2
    const rec = new Recorder();
    ws.watch(1, opts({ key: "k", end: null }, { startRev: 2 }), rec);
    await until(() => rec.batches.length > 0, "replay");
    assert.deepEqual(rec.all, ["put k=1 m2"]);
  });

  it("a watch from revision 1 replays every change of a transaction, in sub-revision order", async () => {
    const { kv, ws } = setup();
    const t = kv.write();
    t.put(enc("b"), enc("1"), 0n);
    t.put(enc("a"), enc("1"), 0n);
    t.end();
    del(kv, "a", "c");
    const rec = new Recorder();
    const w = ws.watch(1, opts({ key: "", end: "" }, { startRev: 1 }), rec);
    await until(() => ws.isSynced(w), "catch-up");
    assert.deepEqual(rec.all, ["put b=1 m2", "put a=1 m2", "delete a m3", "delete b m3"]);
  });

  it("filters apply to replayed history too", async () => {
    const { kv, ws } = setup();
    put(kv, "k", "1");
    del(kv, "k");
    const rec = new Recorder();
    const w = ws.watch(1, opts({ key: "k", end: null }, { startRev: 1, noPut: true }), rec);
    await until(() => ws.isSynced(w), "catch-up");
    assert.deepEqual(rec.all, ["delete k m3"]);
  });

  it("a start at the compacted revision replays from it; below it the watch is cancelled", async () => {
    const { kv, ws } = setup();
    for (let i = 0; i < 6; i++) put(kv, "k", `${i}`); // 2..7
    await kv.compact(5);
    const atCompact = new Recorder();
    const below = new Recorder();
    const wa = ws.watch(1, opts({ key: "k", end: null }, { startRev: 5 }), atCompact);
    ws.watch(2, opts({ key: "k", end: null }, { startRev: 4 }), below);
    await until(() => ws.isSynced(wa) && below.compactedAt !== undefined, "sync and cancel");
    assert.deepEqual(atCompact.all, ["put k=3 m5", "put k=4 m6", "put k=5 m7"]);
    assert.equal(below.compactedAt, 5);
    assert.deepEqual(below.batches, []);
    assert.equal(ws.watcherCount, 1, "the compacted watcher is gone");
  });

  it("a watcher cancelled before it caught up sends nothing", async () => {
    const { kv, ws } = setup();
    put(kv, "k", "1");
    const rec = new Recorder();
    const w = ws.watch(1, opts({ key: "k", end: null }, { startRev: 1 }), rec);
    ws.cancel(w);
    await turn();
    await turn();
    put(kv, "k", "2");
    assert.deepEqual(rec.batches, []);
    assert.equal(ws.watcherCount, 0);
  });

  it("long histories are replayed in passes of at most 1000 revisions", async () => {
    const { kv, ws } = setup();
    const n = 2500;
    for (let i = 0; i < n; i++) put(kv, "k", `${i}`); // 2..2501
    const rec = new Recorder();
    const w = ws.watch(1, opts({ key: "k", end: null }, { startRev: 1 }), rec);
    await until(() => ws.isSynced(w), "catch-up");
    assert.deepEqual(rec.batches.map((b) => b.events.length), [999, 1000, 501]); // revision 1 has no change
    const mods = rec.all.map((e) => Number(/ m(\d+)$/.exec(e)![1]));
    assert.deepEqual(mods, Array.from({ length: n }, (_, i) => i + 2));
  });

  it("a congested consumer falls behind, then catches up without gaps once it drains", async () => {
    const { kv, ws } = setup();
    const rec = new Recorder();
    const w = ws.watch(1, opts({ key: "k", end: null }), rec);
    put(kv, "k", "1"); // 2
    rec.busy = true;
    put(kv, "k", "2"); // 3
    put(kv, "k", "3"); // 4
    assert.equal(ws.isSynced(w), false, "left behind");
    assert.deepEqual(rec.all, ["put k=1 m2"]);
    rec.busy = false;
    put(kv, "k", "4"); // 5, while still unsynced: not sent live
    // The retry tick (every 100 ms) catches it up.
    const deadline = Date.now() + 3000;
    while (!ws.isSynced(w) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(ws.isSynced(w), true);
    assert.deepEqual(rec.all, ["put k=1 m2", "put k=2 m3", "put k=3 m4", "put k=4 m5"]);
    put(kv, "k", "5"); // 6, live again
    assert.deepEqual(rec.all.at(-1), "put k=5 m6");
  });
});
