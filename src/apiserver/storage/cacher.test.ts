// What only the watch cache does, on both backends: consistent reads from memory, waiting for a
// resourceVersion, its event window, slow watchers, bookmarks, frozen objects.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { KObject } from "../api/types.js";
import { cacher, progressTrustworthy, type Cacher, type CacherOptions } from "./cacher.js";
import { etcd3Storage } from "./etcd3.js";
import type { Predicate, Storage } from "./interface.js";
import { backendNames, pod, record, rvOf, sleep, startBackend, type Backend } from "./testutil.js";

test("which etcd versions answer progress requests only when synced (kube's check)", () => {
  assert.equal(progressTrustworthy("3.4.23"), false);
  assert.equal(progressTrustworthy("3.4.31"), true);
  assert.equal(progressTrustworthy("3.5.12"), false);
  assert.equal(progressTrustworthy("3.5.16"), true);
  assert.equal(progressTrustworthy("3.6.0"), true);
  assert.equal(progressTrustworthy("garbage"), false);
});

for (const bname of backendNames) {
  describe(`cacher on ${bname}`, () => {
    let b: Backend;
    let store: Storage;
    let seq = 0;
    const open = new Set<Cacher>();
    before(async () => {
      b = await startBackend(bname);
      store = etcd3Storage(b.client);
    });
    after(async () => {
      for (const c of open) await c.close();
      await b.stop();
    });
    const fresh = async (o: CacherOptions = {}): Promise<{ c: Cacher; p: string }> => {
      const p = `/registry/c${++seq}/`;
      const c = cacher(store, b.client, p, { freeze: "deep", consistentReads: "cache", ...o });
      open.add(c);
      await c.ready();
      return { c, p };
    };

    test("a write acknowledged before a consistent list is in it, also when other prefixes moved on", async () => {
      const { c, p } = await fresh();
      for (let i = 0; i < 10; i++) {
        const w = await store.create(`${p}default/p${i}`, pod(`p${i}`));
        const l = await c.getList(p);
        assert.ok(l.items.some((o) => o.metadata.name === `p${i}` && o.metadata.resourceVersion === w.metadata.resourceVersion), `p${i} missing`);
        assert.ok(BigInt(l.resourceVersion) >= rvOf(w));
        // A write elsewhere: the cache sees no event, a progress request tells it etcd moved on.
        const other = await store.create(`/registry/elsewhere${seq}/default/o${i}`, pod(`o${i}`));
        const l2 = await c.getList(p, { limit: 5 });
        assert.ok(BigInt(l2.resourceVersion) >= rvOf(other), `list at ${l2.resourceVersion}, write at ${rvOf(other)}`);
        assert.equal(l2.items.length, Math.min(5, i + 1));
      }
    });

    test("\"auto\" follows the server: from memory on kplane's store, from etcd on etcd 3.4", async () => {
      const { c, p } = await fresh({ consistentReads: "auto" });
      const w = await store.create(`${p}default/a`, pod("a"));
      const l = await c.getList(p);
      assert.equal(l.items.length, 1);
      assert.ok(BigInt(l.resourceVersion) >= rvOf(w));
      // From etcd the objects are fresh copies; from the cache they are the (frozen) cached ones.
      assert.equal(Object.isFrozen(l.items[0]), bname === "kplane");
    });

    test("writtenEncoded: a write's answer as item JSON, from the cache's entry or from the bytes stored", async () => {
      const { c, p } = await fresh();
      const k = `${p}default/h`;
      const strip = (o: KObject): Record<string, unknown> => {
        const { apiVersion: _a, kind: _k, ...rest } = o;
        return rest;
      };
      // Asked at once (the event may not be in yet) and once the cache has it.
      const created = await c.create(k, pod("h"));
      assert.deepEqual(JSON.parse(c.writtenEncoded!(k, created)!.toString()), strip(created));
      while (c.resourceVersion < rvOf(created)) await sleep(5);
      assert.deepEqual(JSON.parse(c.writtenEncoded!(k, created)!.toString()), strip(created));
      const updated = await c.guaranteedUpdate(k, (cur) => ({ ...cur!, spec: { n: 1 } }));
      assert.deepEqual(JSON.parse(c.writtenEncoded!(k, updated)!.toString()), strip(updated));
      // An update that changes nothing answers with the version in place.
      const same = await c.guaranteedUpdate(k, (cur) => cur!);
      assert.equal(same.metadata.resourceVersion, updated.metadata.resourceVersion);
      while (c.resourceVersion < rvOf(updated)) await sleep(5);
      assert.deepEqual(JSON.parse(c.writtenEncoded!(k, same)!.toString()), strip(updated));
      // The store alone (no cache) answers from the bytes it wrote.
      const direct = await store.guaranteedUpdate(k, (cur) => ({ ...cur!, spec: { n: 2 } }));
      assert.deepEqual(JSON.parse(store.writtenEncoded!(k, direct)!.toString()), strip(direct));
      // An object no write returned, at a version the cache does not hold: nothing.
      const stale = { ...created, metadata: { ...created.metadata } };
      assert.equal(c.writtenEncoded!(k, stale), undefined);
      assert.equal(c.writtenEncoded!(`${p}default/none`, stale), undefined);
    });

    test("writes through the cache: each update starts from the stored state, whatever the writer did with its objects", async () => {
      const { c, p } = await fresh();
      const k = `${p}default/w`;
      const created = await c.create(k, pod("w"));
      created.metadata.labels = { scribbled: "after the write" };
      let n = 0;
      for (const dryRun of [false, true, false, false]) {
        const before = await store.get(k, {});
        const out = await c.guaranteedUpdate(k, (cur) => {
          // What the writer is given equals what etcd holds (not the scribbles on a returned object).
          assert.deepEqual(cur, before);
          cur!.spec = { n: ++n };
          return cur!;
        }, { dryRun });
        out.metadata.annotations = { scribbled: "again" };
        if (!dryRun) {
          const stored = await store.get(k, {});
          assert.deepEqual(stored!.spec, { n });
          assert.deepEqual(await c.get(k, { resourceVersion: stored!.metadata.resourceVersion }), stored);
        }
      }
      await c.delete(k);
      assert.equal(await store.get(k, { ignoreNotFound: true }), undefined);
      // An update that changes nothing writes nothing, whatever order the writer's members had.
      const odd = { data: { a: "1" }, kind: "ConfigMap", metadata: { name: "odd", namespace: "default" }, apiVersion: "v1" } as unknown as KObject;
      const made = await c.create(`${p}default/odd`, odd);
      for (let i = 0; i < 2; i++) {
        const same = await c.guaranteedUpdate(`${p}default/odd`, (cur) => cur!);
        assert.equal(same.metadata.resourceVersion, made.metadata.resourceVersion);
      }
    });

    test("a read for a newer resourceVersion waits for the cache to get there", async () => {
      const { c, p } = await fresh({ waitTimeoutMs: 3000 });
      const v1 = await store.create(`${p}default/a`, pod("a"));
      const cur = await store.currentRevision();
      const pending = c.get(`${p}default/a`, { resourceVersion: String(cur + 1n) });
      const pendingList = c.getList(p, { resourceVersion: String(cur + 1n), resourceVersionMatch: "NotOlderThan" });
      await sleep(50);
      const v2 = await store.guaranteedUpdate(`${p}default/a`, (o) => ({ ...o!, spec: { n: 2 } }));
      assert.equal((await pending)!.metadata.resourceVersion, v2.metadata.resourceVersion);
      assert.equal((await pendingList).items[0]!.metadata.resourceVersion, v2.metadata.resourceVersion);
      assert.ok(rvOf(v2) > rvOf(v1));
    });

    test("the event window: replay within it, 410 before it; it grows while events are fresh", async () => {
      const small = await fresh({ minEvents: 4, maxEvents: 4 });
      const grows = await fresh({ minEvents: 4, maxEvents: 8 });
      const revs: bigint[] = [];
      for (let i = 0; i < 10; i++) {
        const o = await store.create(`${small.p}default/p${i}`, pod(`p${i}`));
        await store.create(`${grows.p}default/p${i}`, pod(`p${i}`));
        revs.push(rvOf(o));
      }
      const last = revs[9]! + 1n; // the write to `grows` after the last one
      while (small.c.resourceVersion < revs[9]! || grows.c.resourceVersion < last) await sleep(10);
      // `small` keeps the last 4 events (p6..p9), `grows` the last 8 of its own.
      const ok = record(small.c.watch(small.p, { resourceVersion: String(revs[6]! - 1n), recursive: true }));
      await ok.until(4);
      assert.deepEqual(ok.events.map((e) => e.object.metadata.name), ["p6", "p7", "p8", "p9"]);
      const old = record(small.c.watch(small.p, { resourceVersion: String(revs[5]!), recursive: true }));
      await old.untilEnded();
      assert.deepEqual(old.events.map((e) => [e.type, e.object["message"]]), [["ERROR", `too old resource version: ${revs[5]} (${revs[6]! - 1n})`]]);
      const g = record(grows.c.watch(grows.p, { resourceVersion: String(revs[2]!), recursive: true }));
      await g.until(8);
      assert.deepEqual(g.events.map((e) => e.object.metadata.name), ["p2", "p3", "p4", "p5", "p6", "p7", "p8", "p9"]);
      ok.events.length = 0;
      // A selector applies to the replay too.
      const sel = record(small.c.watch(small.p, {
        resourceVersion: String(revs[6]! - 1n), recursive: true, predicate: { matches: (o: KObject) => o.metadata.name === "p8" },
      }));
      await sel.until(1);
      await sleep(30);
      assert.deepEqual(sel.brief(), [`ADDED p8 ${revs[8]}`]);
    });

    test("a watcher that cannot keep up is ended; the others are not held back", async () => {
      const { c, p } = await fresh({ watchBufferSize: 3 });
      const slow = c.watch(p, { resourceVersion: "0", recursive: true });
      let slowSeen = 0;
      let slowEnded = false;
      slow.onEvent(() => {
        slowSeen++;
        return new Promise<void>(() => {}); // never drains
      });
      slow.onEnd(() => (slowEnded = true));
      const fast = record(c.watch(p, { resourceVersion: "0", recursive: true }));
      for (let i = 0; i < 6; i++) await store.create(`${p}default/p${i}`, pod(`p${i}`));
      await fast.until(6);
      for (let i = 0; i < 50 && !slowEnded; i++) await sleep(10);
      assert.equal(slowSeen, 1);
      assert.ok(slowEnded);
      assert.equal(fast.ended, false);
    });

    test("selectors from attributes: computed once per object version, matches() never called", async () => {
      let calls = 0;
      const { c, p } = await fresh({
        attrs: (o) => {
          calls++;
          return { labels: o.metadata.labels ?? {}, fields: { "metadata.name": o.metadata.name ?? "", "spec.n": String((o["spec"] as { n: number }).n) } };
        },
      });
      const sel: Predicate = {
        matches: () => assert.fail("the cache decoded an object to filter it"),
        matchesAttrs: (a) => a.labels["app"] === "web" && a.fields["spec.n"] === "0",
      };
      for (const [name, app] of [["a", "web"], ["b", "db"], ["c", "web"]]) await store.create(`${p}default/${name}`, pod(name!, { app: app! }));
      while (c.stats().objects < 3) await sleep(5);
      for (let i = 0; i < 2; i++) {
        assert.deepEqual((await c.getList(p, { resourceVersion: "0", predicate: sel })).items.map((o) => o.metadata.name), ["a", "c"]);
        assert.equal((await c.getListEncoded(p, { resourceVersion: "0", predicate: sel })).items.length, 2);
      }
      assert.equal(calls, 3);
      const w = record(c.watch(p, { resourceVersion: "0", recursive: true, predicate: sel }));
      await w.until(2);
      const v = await store.guaranteedUpdate(`${p}default/a`, (o) => ({ ...o!, spec: { n: 1 } }));
      await w.until(3);
      // a leaves the selector: DELETED, with its last state at the update's revision.
      assert.deepEqual(w.events.map((e) => `${e.type} ${e.object.metadata.name}`), ["ADDED a", "ADDED c", "DELETED a"]);
      assert.equal(rvOf(w.events[2]!.object), rvOf(v));
      assert.equal((w.events[2]!.object["spec"] as { n: number }).n, 0);
      assert.equal(calls, 4); // the new version of a
      assert.equal(c.stats().withAttrs, 3);
    });

    test("lazy objects: watchers that use the item JSON decode nothing; an event's object is decoded once, shared", async () => {
      const { c, p } = await fresh();
      const w1 = record(c.watch(p, { resourceVersion: "0", recursive: true }));
      const w2 = record(c.watch(p, { resourceVersion: "0", recursive: true }));
      const made = await store.create(`${p}default/a`, pod("a", {}, { spec: { n: 0, deep: { list: [1, 2] } } }));
      await w1.until(1);
      await w2.until(1);
      assert.equal(c.stats().decoded, 0);
      const [e1, e2] = [w1.events[0]!, w2.events[0]!];
      assert.equal(e1, e2); // one event for every watcher
      assert.equal(e1.encoded!.toString(), JSON.stringify((({ apiVersion: _a, kind: _k, ...rest }) => rest)(made)));
      const obj = e1.object;
      assert.equal(c.stats().decoded, 1);
      assert.equal(e2.object, obj);
      assert.equal(await c.get(`${p}default/a`, { resourceVersion: "0" }), obj);
      assert.deepEqual(obj, made);
      // freeze: "deep" reaches decoded objects' insides.
      assert.ok(Object.isFrozen((obj["spec"] as { deep: { list: number[] } }).deep.list));
      const listed = (await c.getList(p, { resourceVersion: "0" })).items[0]!;
      assert.ok(Object.isFrozen((listed["spec"] as { deep: object }).deep));
      assert.equal(c.stats().objects, 1);
      assert.equal(c.stats().itemBytes, e1.encoded!.length);
    });

    test("a watch from an old revision on a cache still making its first list: 410 from the cache, not etcd's history", async () => {
      const p = `/registry/c${++seq}/`;
      const objs: KObject[] = [];
      for (let i = 0; i < 3; i++) objs.push(await store.create(`${p}default/p${i}`, pod(`p${i}`)));
      // Caches start on first use: this watch is the first thing the new cache is asked.
      const c = cacher(store, b.client, p, { consistentReads: "cache" });
      open.add(c);
      const old = record(c.watch(p, { resourceVersion: "1", recursive: true }));
      await old.untilEnded(3000);
      assert.equal(old.events.length, 1);
      assert.equal(old.events[0]!.type, "ERROR");
      const st = old.events[0]!.object as KObject & { code: number; reason: string; message: string };
      assert.equal(st.code, 410);
      assert.equal(st.reason, "Expired");
      assert.match(st.message, /^too old resource version: 1 \(\d+\)$/);
      // From a revision within the window: the changes after it, from memory.
      const later = record(c.watch(p, { resourceVersion: String(c.resourceVersion), recursive: true }));
      const next = await store.create(`${p}default/p9`, pod("p9"));
      await later.until(1);
      assert.deepEqual(later.brief(), [`ADDED p9 ${rvOf(next)}`]);
      later.events.length = 0;
      const starting = cacher(store, b.client, p, { consistentReads: "cache" });
      open.add(starting);
      // A revision the cache's list covers (the newest): nothing to replay, then live events.
      const fromNow = record(starting.watch(p, { resourceVersion: String(rvOf(next)), recursive: true }));
      await starting.ready();
      const again = await store.create(`${p}default/p10`, pod("p10"));
      await fromNow.until(1);
      assert.deepEqual(fromNow.brief(), [`ADDED p10 ${rvOf(again)}`]);
      fromNow.events.length = 0;
      await c.close();
      await starting.close();
    });

    test("a watch from now (\"\" or \"0\") on a cache still making its first list waits for it and is served from memory", async () => {
      const p = `/registry/c${++seq}/`;
      await store.create(`${p}default/p0`, pod("p0"));
      const c = cacher(store, b.client, p, { consistentReads: "cache" });
      open.add(c);
      // The first things the new cache is asked: before it is ready.
      const fromNow = record(c.watch(p, { resourceVersion: "", recursive: true }));
      const fromAny = record(c.watch(p, { resourceVersion: "0", recursive: true }));
      await c.ready();
      const made = await store.create(`${p}default/p1`, pod("p1"));
      await fromNow.until(2);
      await fromAny.until(2);
      // Both begin with the state as synthetic ADDED events (kube's "get state and start at most
      // recent" for "", "start at any" for "0").
      const p0 = (await c.get(`${p}default/p0`, { resourceVersion: "0" }))!.metadata.resourceVersion;
      assert.deepEqual(fromNow.brief(), [`ADDED p0 ${p0}`, `ADDED p1 ${rvOf(made)}`]);
      assert.deepEqual(fromAny.brief(), [`ADDED p0 ${p0}`, `ADDED p1 ${rvOf(made)}`]);
      // From memory: the cache's one encoding of the event, shared by both watchers (a watch from
      // the store would carry a decoded object of its own and no encoding).
      const [e1, e2] = [fromNow.events[1]!, fromAny.events[1]!];
      assert.ok(e1.encoded !== undefined);
      assert.equal(e1, e2);
      await c.close();
    });

    for (const [mode, hotBytes] of [["packed", 0], ["some hot, some packed", 40_000]] as const) test(`objects kept ${mode}: reads, lists, events and selectors give their exact JSON`, async () => {
      const { c, p } = await fresh({ hotBytes });
      const big = (i: number, app: string): KObject => pod(`web-${String(i).padStart(5, "0")}`, { app, tier: "backend", instance: `i-${i % 7}` }, {
        spec: {
          containers: [{ name: "app", image: `registry.example.com/team/app:1.${i % 3}`, env: [{ name: "MODE", value: "production" }, { name: "INDEX", value: String(i) }],
            resources: { requests: { cpu: "100m", memory: "128Mi" } }, terminationMessagePath: "/dev/termination-log" }],
          nodeName: `node-${i % 5}`, restartPolicy: "Always", ünïcode: "日本語",
        },
      });
      const sel: Predicate = { matches: (o) => o.metadata.labels?.["app"] === "a", matchesAttrs: (a) => a.labels["app"] === "a" };
      const all = record(c.watch(p, { resourceVersion: String(c.resourceVersion), recursive: true }));
      const onlyA = record(c.watch(p, { resourceVersion: String(c.resourceVersion), recursive: true, predicate: sel }));
      const made: KObject[] = [];
      for (let i = 0; i < 60; i++) made.push(await store.create(`${p}default/web-${String(i).padStart(5, "0")}`, big(i, i % 2 ? "a" : "b")));
      // Some move out of the selector, some are deleted.
      const moved = await store.guaranteedUpdate(`${p}default/web-00001`, (cur) => ({ ...cur!, metadata: { ...cur!.metadata, labels: { app: "b" } } }));
      const gone = await store.delete(`${p}default/web-00003`);
      while (c.resourceVersion < rvOf(gone)) await sleep(5);
      await all.until(62);
      await onlyA.until(31);
      const want = await store.getList(p, { resourceVersion: "" });
      const strip = (o: KObject): Record<string, unknown> => {
        const { apiVersion: _a, kind: _k, ...rest } = o;
        return rest;
      };
      const enc = await c.getListEncoded(p, { resourceVersion: "0" });
      assert.deepEqual(enc.items.map((b) => JSON.parse(b.toString())), want.items.map(strip));
      assert.deepEqual((await c.getList(p, { resourceVersion: "0" })).items, want.items);
      for (const o of want.items.slice(0, 10)) {
        const k = `${p}default/${o.metadata.name}`;
        assert.deepEqual(JSON.parse((await c.getEncoded(k, { resourceVersion: "0" }))!.toString()), strip(o));
        assert.deepEqual(await c.get(k, { resourceVersion: "0" }), o);
      }
      // Events: each one's bytes are its object's, in order.
      for (const ev of all.events) assert.deepEqual(JSON.parse(ev.encoded!.toString()), strip(ev.object));
      assert.deepEqual(all.events.slice(-2).map((e) => [e.type, e.object.metadata.name, e.object.metadata.resourceVersion]),
        [["MODIFIED", "web-00001", moved.metadata.resourceVersion], ["DELETED", "web-00003", gone.metadata.resourceVersion]]);
      // web-00001 left the selector: DELETED with its last matching state at the update's revision.
      const left = onlyA.events.find((e) => e.type === "DELETED" && e.object.metadata.name === "web-00001")!;
      assert.equal(left.object.metadata.resourceVersion, moved.metadata.resourceVersion);
      assert.deepEqual(left.object.metadata.labels, made[1]!.metadata.labels);
      assert.deepEqual(JSON.parse(left.encoded!.toString()), strip(left.object));
      // The replay from the ring unpacks them again.
      const replay = record(c.watch(p, { resourceVersion: String(rvOf(made[57]!)), recursive: true }));
      await replay.until(4);
      assert.deepEqual(replay.events.map((e) => JSON.parse(e.encoded!.toString())), all.events.slice(-4).map((e) => strip(e.object)));
      const s = c.stats();
      assert.ok(s.heldBytes < s.itemBytes / 3, `held ${s.heldBytes} of ${s.itemBytes}`);
      assert.ok(s.hotBytes <= hotBytes && (hotBytes === 0 || s.hotBytes > hotBytes / 2), `hot ${s.hotBytes}`);
    });

    test("hot item JSON sits in slabs within the budget; bytes handed out stay as they were after their slab goes", async () => {
      const { c, p } = await fresh({ hotBytes: 40_000 });
      const key = (i: number) => `${p}default/s-${String(i).padStart(4, "0")}`;
      const make = (i: number) => pod(`s-${String(i).padStart(4, "0")}`, { app: "slab", n: String(i) }, { spec: { containers: [{ name: "c", image: `img:${i}` }], nodeName: `node-${i % 3}` } });
      let last = await store.create(key(0), make(0));
      for (let i = 1; i < 5; i++) last = await store.create(key(i), make(i));
      while (c.resourceVersion < rvOf(last)) await sleep(5);
      // Item JSON handed out while its entries are hot: views on the first slab.
      const early = (await c.getListEncoded(p, { resourceVersion: "0" })).items;
      const earlyText = early.map((b) => b.toString());
      // Ten times the budget goes through; some entries are replaced or deleted on the way.
      for (let i = 5; i < 400; i++) {
        last = await store.create(key(i), make(i));
        if (i % 5 === 0) last = await store.guaranteedUpdate(key(i - 3), (cur) => ({ ...cur!, metadata: { ...cur!.metadata, labels: { app: "slab", moved: "yes" } } }));
        if (i % 11 === 0) last = await store.delete(key(i - 7));
      }
      while (c.resourceVersion < rvOf(last)) await sleep(5);
      assert.deepEqual(early.map((b) => b.toString()), earlyText);
      const want = await store.getList(p, { resourceVersion: "" });
      const strip = (o: KObject): Record<string, unknown> => {
        const { apiVersion: _a, kind: _k, ...rest } = o;
        return rest;
      };
      assert.deepEqual((await c.getListEncoded(p, { resourceVersion: "0" })).items.map((b) => JSON.parse(b.toString())), want.items.map(strip));
      for (const o of want.items) assert.deepEqual(await c.get(`${p}default/${o.metadata.name}`, { resourceVersion: "0" }), o);
      const s = c.stats();
      assert.ok(s.hotBytes <= 40_000 && s.hotBytes > 20_000, `hot ${s.hotBytes}`);
    });

    test("bookmarks for watchers that allow them; objects handed out are frozen", async () => {
      const { c, p } = await fresh({ bookmarkIntervalMs: 100 });
      const withB = record(c.watch(p, { resourceVersion: "0", recursive: true, allowBookmarks: true }));
      const without = record(c.watch(p, { resourceVersion: "0", recursive: true }));
      const o = await store.create(`${p}default/a`, pod("a"));
      await withB.until(2, 3000);
      assert.deepEqual(withB.events.map((e) => e.type), ["ADDED", "BOOKMARK"]);
      assert.ok(rvOf(withB.events[1]!.object) >= rvOf(o));
      assert.deepEqual(Object.keys(withB.events[1]!.object), ["metadata"]);
      assert.deepEqual(without.events.map((e) => e.type), ["ADDED"]);
      const l = await c.getList(p, { resourceVersion: "0" });
      assert.throws(() => {
        (l.items[0]!.metadata as { name: string }).name = "changed";
      }, TypeError);
      await c.close();
      await withB.untilEnded();
      await without.untilEnded();
    });
  });
}
