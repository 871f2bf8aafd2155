// The watch cache's second encoding of items (ItemEncoding: the API server's protobuf): made once
// per object version, kept packed while the version is current, listed from what is kept.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { KObject } from "../api/types.js";
import { cacher, isCachedWatchEvent, type Cacher, type CacherOptions, type EncodedListStream, type ItemEncoding } from "./cacher.js";
import { etcd3Storage } from "./etcd3.js";
import type { Storage, WatchEvent } from "./interface.js";
import { pod, record, startBackend, type Backend } from "./testutil.js";

/** An encoding that says which object version it was made from, and counts its calls. */
function counting(id = "test", cost = 0) {
  let calls = 0;
  const enc: ItemEncoding = {
    id,
    encode(o: KObject) {
      calls++;
      if (cost) for (const end = performance.now() + cost; performance.now() < end; );
      // Long enough to be packed (delta.ts keeps items under 64 bytes verbatim).
      return Buffer.from(`<${o.metadata.name}@${o.metadata.resourceVersion}:${JSON.stringify(o["spec"])}:${"x".repeat(80)}>`);
    },
  };
  return { enc, calls: () => calls };
}

/** A list's items, read back from its pieces (each item is `<...>`). */
function text(l: EncodedListStream): string[] {
  const pieces = [...l.pieces()];
  const all = Buffer.concat(pieces).toString("latin1");
  assert.equal(all.length, l.size);
  return all === "" ? [] : all.split(/(?<=>)(?=<)/).map((s) => s.replace(/:x+>$/, ">"));
}

describe("cacher: items in another encoding", () => {
  let b: Backend;
  let store: Storage;
  let seq = 0;
  const open = new Set<Cacher>();
  before(async () => {
    b = await startBackend("kplane");
    store = etcd3Storage(b.client);
  });
  after(async () => {
    for (const c of open) await c.close();
    await b.stop();
  });
  const fresh = async (o: CacherOptions = {}): Promise<{ c: Cacher; p: string }> => {
    const p = `/registry/enc${++seq}/`;
    const c = cacher(store, b.client, p, { consistentReads: "cache", ...o });
    open.add(c);
    await c.ready();
    return { c, p };
  };
  const expected = async (c: Cacher, p: string) => (await c.getList(p, { resourceVersion: "0" })).items.map((o) => `<${o.metadata.name}@${o.metadata.resourceVersion}:${JSON.stringify(o["spec"])}>`);

  test("made once per object version, kept, and listed side by side from what is kept", async () => {
    const { c, p } = await fresh();
    for (let i = 0; i < 40; i++) await store.create(`${p}default/p${String(i).padStart(2, "0")}`, pod(`p${String(i).padStart(2, "0")}`));
    const { enc, calls } = counting();
    const first = await c.getListEncodedAs(p, {}, enc);
    assert.deepEqual(text(first), await expected(c, p));
    assert.equal(calls(), 40);
    const held = c.stats().encodedAsBytes;
    assert.ok(held > 0);
    const again = await c.getListEncodedAs(p, { resourceVersion: "0" }, enc);
    assert.deepEqual(text(again), await expected(c, p));
    assert.equal(calls(), 40, "nothing encoded twice");
    // Unpacked as the pieces are asked for, side by side: one piece for these few.
    assert.equal([...again.pieces()].length, 1);
    // A new version is encoded once; the replaced and deleted ones give their bytes back.
    const v2 = await store.guaranteedUpdate(`${p}default/p03`, (o) => ({ ...o!, spec: { n: 3 } }));
    await store.delete(`${p}default/p04`);
    const l3 = await c.getListEncodedAs(p, { resourceVersion: v2.metadata.resourceVersion!, resourceVersionMatch: "NotOlderThan" }, enc);
    assert.equal(text(l3).length, 39);
    assert.deepEqual(text(l3), await expected(c, p));
    assert.equal(calls(), 41);
    assert.ok(c.stats().encodedAsBytes < held);
    // Pages and selectors come from the same kept bytes.
    const page = await c.getListEncodedAs(p, { limit: 5 }, enc);
    assert.equal(text(page).length, 5);
    assert.ok(page.continue);
    assert.equal(calls(), 41);
  });

  test("pieces of about 1 MiB, made as they are read", async () => {
    const { c, p } = await fresh();
    for (let i = 0; i < 30; i++) await store.create(`${p}default/p${String(i).padStart(2, "0")}`, pod(`p${String(i).padStart(2, "0")}`));
    const big: ItemEncoding = { id: "big", encode: (o) => Buffer.from(`<${o.metadata.name}:${"y".repeat(90_000)}>`) };
    const l = await c.getListEncodedAs(p, {}, big);
    assert.equal(l.size, 30 * 90_006);
    const it = l.pieces();
    const first = it.next().value as Buffer;
    // 11 items fit in 1 MiB; the rest are not unpacked yet.
    assert.equal(first.length, 11 * 90_006);
    const rest = [...it];
    assert.deepEqual(rest.map((b) => b.length), [11 * 90_006, 8 * 90_006]);
    const names = Buffer.concat([first, ...rest]).toString("latin1").match(/<p\d\d/g);
    assert.deepEqual(names, Array.from({ length: 30 }, (_, i) => `<p${String(i).padStart(2, "0")}`));
  });

  test("watch events: made once and kept (a later list encodes nothing); initial events too", async () => {
    const { c, p } = await fresh();
    const { enc, calls } = counting();
    const w1 = record(c.watch(p, { recursive: true, resourceVersion: String(c.resourceVersion) }));
    const w2 = record(c.watch(p, { recursive: true, resourceVersion: String(c.resourceVersion) }));
    await store.create(`${p}default/a`, pod("a"));
    await store.guaranteedUpdate(`${p}default/a`, (o) => ({ ...o!, spec: { n: 1 } }));
    await Promise.all([w1.until(2), w2.until(2)]);
    const bytes = (ev: WatchEvent) => {
      assert.ok(isCachedWatchEvent(ev));
      return ev.encodedAs(enc).toString();
    };
    // Both watchers got the same event objects (the handler frames each once).
    assert.equal(w1.events[1], w2.events[1]);
    assert.equal(bytes(w1.events[1]!), bytes(w2.events[1]!));
    assert.match(bytes(w1.events[1]!), /^<a@\d+:\{"n":1\}:x+>$/);
    const made = calls();
    assert.equal(text(await c.getListEncodedAs(p, { resourceVersion: "0" }, enc)).join(), (await expected(c, p)).join());
    assert.equal(calls(), made, "the list took the bytes the event made");
    // ADDED for the current state on a new watch: from the kept bytes.
    const w3 = record(c.watch(p, { recursive: true, resourceVersion: "0" }));
    await w3.until(1);
    assert.equal(bytes(w3.events[0]!), bytes(w1.events[1]!));
    assert.equal(calls(), made);
    // DELETED carries the last state at the deletion's revision: encoded for the event, not kept.
    await store.delete(`${p}default/a`);
    await w1.until(3);
    assert.match(bytes(w1.events[2]!), new RegExp(`^<a@${w1.events[2]!.object.metadata.resourceVersion}:`));
  });

  test("only the first encoding asked for is kept, within the budget", async () => {
    const { c, p } = await fresh({ encodedAsBytes: 600 });
    for (let i = 0; i < 10; i++) await store.create(`${p}default/p${i}`, pod(`p${i}`));
    const a = counting("a");
    const other = counting("b");
    await c.getListEncodedAs(p, {}, a.enc);
    const second = await c.getListEncodedAs(p, {}, a.enc);
    // The budget (600 bytes, ~64 of overhead each) holds a few items; the others are encoded again.
    const kept = 20 - a.calls();
    assert.ok(kept > 0 && kept < 10, `${kept} kept`);
    assert.ok(c.stats().encodedAsBytes <= 600 + 200, String(c.stats().encodedAsBytes));
    assert.deepEqual(text(second), await expected(c, p));
    const l = await c.getListEncodedAs(p, {}, other.enc);
    await c.getListEncodedAs(p, {}, other.enc);
    assert.equal(other.calls(), 20, "another encoding is never kept");
    assert.deepEqual(text(l), await expected(c, p));
  });

  test("lists the cache hands to etcd are encoded from etcd's objects", async () => {
    const { c, p } = await fresh();
    const w = await store.create(`${p}default/a`, pod("a"));
    const { enc, calls } = counting();
    const l = await c.getListEncodedAs(p, { resourceVersion: w.metadata.resourceVersion!, resourceVersionMatch: "Exact" }, enc);
    assert.deepEqual(text(l), [`<a@${w.metadata.resourceVersion}:{"n":0}>`]);
    assert.equal(l.resourceVersion, w.metadata.resourceVersion);
    assert.equal(calls(), 1);
  });

  test("a long first encoding lets other work in between its slices", async () => {
    const { c, p } = await fresh();
    for (let i = 0; i < 48; i++) await store.create(`${p}default/p${i}`, pod(`p${i}`));
    const { enc } = counting("slow", 1);
    let ticks = 0;
    let done = false;
    const tick = () => {
      if (done) return;
      ticks++;
      setImmediate(tick);
    };
    const pending = c.getListEncodedAs(p, { resourceVersion: "0" }, enc).finally(() => (done = true));
    setImmediate(tick);
    const l = await pending;
    assert.equal(text(l).length, 48);
    // 48 ms of encoding in slices of ~10 ms (checked every 16 items).
    assert.ok(ticks >= 2, `other work ran ${ticks} times`);
  });
});
