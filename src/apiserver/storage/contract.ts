// The storage contract as tests, for both implementations (etcd3, cacher) on one backend;
// storage.kplane.test.ts and storage.etcd.test.ts run it on kplane's store and on real etcd.
import { create } from "@bufbuild/protobuf";
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { PutRequestSchema, RangeRequestSchema } from "../../store/api/gen/rpc_pb.js";
import type { KObject } from "../api/types.js";
import { cacher } from "./cacher.js";
import { decodeContinue, encodeContinue } from "./codec.js";
import { etcd3Storage } from "./etcd3.js";
import type { EncodedListResult, ListOptions, Predicate, Storage, WatchEvent } from "./interface.js";
import { compact, pod, record, rejectsWith, rvOf, sleep, startBackend, type Backend, type BackendName } from "./testutil.js";

const labelIs = (k: string, v: string): Predicate => ({ matches: (o: KObject) => o.metadata.labels?.[k] === v });
/** The same selector, also answerable from attributes (the cache filters without decoding). */
const labelIsAttrs = (k: string, v: string): Predicate => ({ ...labelIs(k, v), matchesAttrs: (a) => a.labels[k] === v });
/** What item JSON must parse to: the object without apiVersion and kind. */
const itemOf = (o: KObject): Record<string, unknown> => {
  const { apiVersion: _a, kind: _k, ...rest } = o;
  return rest;
};
const parsed = (b: Buffer): unknown => JSON.parse(b.toString("utf8"));
/** Every event with item JSON has the same object in it (the cache must give it; etcd3 may not). */
function checkEncoded(events: WatchEvent[], required: boolean): void {
  for (const e of events) {
    if (e.type === "BOOKMARK" || e.type === "ERROR") continue;
    if (required) assert.ok(e.encoded, `${e.type} ${e.object.metadata.name} has no item JSON`);
    if (e.encoded) assert.deepEqual(parsed(e.encoded), itemOf(e.object));
  }
}
const n = (o: KObject) => (o["spec"] as { n: number }).n;
const names = (items: KObject[]) => items.map((o) => o.metadata.name);

export function storageContract(bname: BackendName): void {
  describe(`storage on ${bname}`, () => {
    let b: Backend;
    before(async () => {
      b = await startBackend(bname);
    });
    after(async () => {
      await b.stop();
    });

    // "cacher, packed": no item JSON kept as it is (hotBytes 0), every read unpacks.
    for (const impl of ["etcd3", "cacher", "cacher, packed"] as const) {
      describe(impl, () => {
        let seq = 0;
        const open = new Set<Storage>();
        /** A fresh storage for a fresh prefix (the cacher is per prefix). */
        const fresh = async (): Promise<{ s: Storage; p: string }> => {
          const p = `/registry/${impl === "etcd3" ? "etcd3" : impl === "cacher" ? "cacher" : "packed"}${++seq}/`;
          const base = etcd3Storage(b.client);
          const s = impl === "etcd3" ? base : cacher(base, b.client, p, {
            freeze: "deep", waitTimeoutMs: 400, consistentReads: "cache", ...(impl === "cacher, packed" ? { hotBytes: 0 } : {}),
          });
          if (impl !== "etcd3") await (s as ReturnType<typeof cacher>).ready();
          open.add(s);
          return { s, p };
        };
        after(async () => {
          for (const s of open) await s.close();
        });

        // Leases expire in seconds: start early, check at the end.
        let ttlKey = "";
        let ttlStore: Storage;
        test("create with a TTL attaches a lease, shared by nearby creates and kept by updates", async () => {
          const { s, p } = await fresh();
          ttlStore = s;
          ttlKey = p + "default/ev1";
          await s.create(ttlKey, pod("ev1"), { ttlSeconds: 1 });
          // A lease is reused while it outlives the new TTL by at most 5% of it (kube's lease manager),
          // also by a create within the same millisecond (Date.now() stands still here).
          const realNow = Date.now;
          const frozen = realNow();
          Date.now = () => frozen;
          try {
            await s.create(p + "default/ev2", pod("ev2"), { ttlSeconds: 100 });
            await s.create(p + "default/ev3", pod("ev3"), { ttlSeconds: 100 });
          } finally {
            Date.now = realNow;
          }
          await s.guaranteedUpdate(p + "default/ev2", (cur) => ({ ...cur!, spec: { n: 1 } }));
          const r = await b.client.range(create(RangeRequestSchema, { key: Buffer.from(p), rangeEnd: Buffer.from(p.slice(0, -1) + "0") }));
          assert.deepEqual(r.kvs.map((kv) => Buffer.from(kv.key).toString().slice(p.length)), ["default/ev1", "default/ev2", "default/ev3"]);
          assert.ok(r.kvs.every((kv) => kv.lease !== 0n));
          assert.notEqual(r.kvs[0]!.lease, r.kvs[1]!.lease);
          assert.equal(r.kvs[1]!.lease, r.kvs[2]!.lease);
        });

        test("create, get, KeyExists, KeyNotFound; the stored JSON has no resourceVersion", async () => {
          const { s, p } = await fresh();
          const k = p + "default/a";
          const made = await s.create(k, { ...pod("a"), metadata: { ...pod("a").metadata, resourceVersion: "" } });
          assert.ok(rvOf(made) > 0n);
          assert.deepEqual(Object.keys(made.metadata), ["name", "namespace", "uid", "resourceVersion", "labels"]);
          assert.deepEqual(await s.get(k), made);
          // At the create's revision first: a cache waits until it has seen it. "0" (any) may
          // answer from a cache the event has not reached yet (kube's too): asked after.
          assert.deepEqual(await s.get(k, { resourceVersion: made.metadata.resourceVersion! }), made);
          assert.deepEqual(await s.get(k, { resourceVersion: "0" }), made);
          const raw = await b.client.range(create(RangeRequestSchema, { key: Buffer.from(k) }));
          assert.equal(Buffer.from(raw.kvs[0]!.value).toString(), JSON.stringify(pod("a")));
          await rejectsWith(s.create(k, pod("a")), "KeyExists", `StorageError: key exists, Code: 2, Key: ${k}, ResourceVersion: 0, AdditionalErrorMsg: <nil>`);
          await rejectsWith(s.get(p + "default/none"), "KeyNotFound");
          assert.equal(await s.get(p + "default/none", { ignoreNotFound: true }), undefined);
          await rejectsWith(s.get(k, { resourceVersion: "abc" }), "BadRequest", /invalid resource version/);
          const cur = await s.currentRevision();
          await rejectsWith(s.get(k, { resourceVersion: String(cur + 100n) }), "TooLargeResourceVersion",
            impl === "etcd3" ? `Too large resource version: ${cur + 100n}, current: ${cur}` : new RegExp(`^Too large resource version: ${cur + 100n}, current: \\d+$`));
          // dry run: nothing written
          const dry = await s.create(p + "default/dry", pod("dry"), { dryRun: true });
          assert.equal(dry.metadata.name, "dry");
          assert.equal(await s.get(p + "default/dry", { ignoreNotFound: true }), undefined);
          await rejectsWith(s.create(k, pod("a"), { dryRun: true }), "KeyExists");
          assert.equal(await s.count(p), 1);
          assert.ok((await s.currentRevision()) >= rvOf(made));
        });

        test("getList: everything, a predicate, sub-prefixes, resourceVersion of the list", async () => {
          const { s, p } = await fresh();
          for (let i = 0; i < 6; i++) await s.create(`${p}ns${i % 2}/p${i}`, pod(`p${i}`, { even: String(i % 2 === 0) }));
          await s.create(p.slice(0, -1) + "x/other", pod("other")); // a sibling prefix that must not show
          const all = await s.getList(p);
          assert.deepEqual(names(all.items), ["p0", "p2", "p4", "p1", "p3", "p5"]);
          assert.equal(all.continue, undefined);
          assert.ok(BigInt(all.resourceVersion) >= rvOf(all.items[5]));
          assert.deepEqual(names((await s.getList(p + "ns1")).items), ["p1", "p3", "p5"]);
          assert.deepEqual(names((await s.getList(p, { predicate: labelIs("even", "true") })).items), ["p0", "p2", "p4"]);
          assert.deepEqual(names((await s.getList(p, { resourceVersion: "0" })).items).length, 6);
          const nt = await s.getList(p, { resourceVersion: all.resourceVersion, resourceVersionMatch: "NotOlderThan" });
          assert.equal(nt.items.length, 6);
          const cur = await s.currentRevision();
          await rejectsWith(s.getList(p, { resourceVersion: String(cur + 50n), resourceVersionMatch: "NotOlderThan" }), "TooLargeResourceVersion");
          await rejectsWith(s.getList(p, { resourceVersion: "x1" }), "BadRequest",
            'invalid resource version: resourceVersion: Invalid value: "x1": strconv.ParseUint: parsing "x1": invalid syntax');
        });

        test("pagination: limit, continue at the first page's revision, remainingItemCount, filtered pages", async () => {
          const { s, p } = await fresh();
          for (let i = 0; i < 7; i++) await s.create(`${p}default/p${i}`, pod(`p${i}`, { third: String(i % 3 === 0) }));
          const first = await s.getList(p, { limit: 3 });
          assert.deepEqual(names(first.items), ["p0", "p1", "p2"]);
          assert.equal(first.remainingItemCount, 4);
          const tok = decodeContinue(first.continue!, p);
          assert.equal(tok.startKey, `${p}default/p2\x00`);
          assert.equal(tok.rv, BigInt(first.resourceVersion));
          assert.equal(first.continue, encodeContinue(`${p}default/p2\x00`, p, BigInt(first.resourceVersion)));
          // A write between pages does not show: every page is read at the first page's revision.
          await s.create(`${p}default/p9`, pod("p9"));
          await s.guaranteedUpdate(`${p}default/p4`, (c) => ({ ...c!, spec: { n: 44 } }));
          const second = await s.getList(p, { limit: 3, continue: first.continue });
          assert.deepEqual(names(second.items), ["p3", "p4", "p5"]);
          assert.equal(n(second.items[1]!), 0);
          assert.equal(second.resourceVersion, first.resourceVersion);
          assert.equal(second.remainingItemCount, 1);
          const third = await s.getList(p, { limit: 3, continue: second.continue });
          assert.deepEqual(names(third.items), ["p6"]);
          assert.equal(third.continue, undefined);
          assert.equal(third.remainingItemCount, undefined);
          // With a predicate the store reads on until the page is full; no remainingItemCount.
          const f1 = await s.getList(p, { limit: 2, predicate: labelIs("third", "true") });
          assert.deepEqual(names(f1.items), ["p0", "p3"]);
          assert.equal(f1.remainingItemCount, undefined);
          assert.ok(f1.continue);
          const f2 = await s.getList(p, { limit: 2, predicate: labelIs("third", "true"), continue: f1.continue });
          assert.deepEqual(names(f2.items), ["p6"]);
          // resourceVersion "0" ignores the limit in the cache (kube), not in etcd.
          const any = await s.getList(p, { limit: 3, resourceVersion: "0" });
          assert.equal(any.items.length, impl !== "etcd3" ? 8 : 3);
          await rejectsWith(s.getList(p, { continue: "%%%" }), "BadRequest", /^invalid continue token: continue key is not valid/);
          await rejectsWith(s.getList(p, { continue: first.continue, resourceVersion: "5" }), "BadRequest", "specifying resource version is not allowed when using continue");
          const bad = Buffer.from('{"v":"meta.k8s.io/v1","rv":5,"start":"../../secrets/x"}').toString("base64url");
          await rejectsWith(s.getList(p, { continue: bad }), "BadRequest", /continue key is not valid/);
        });

        test("encoded reads: each object's item JSON, with getList's pages, predicates and errors", async () => {
          const { s, p } = await fresh();
          assert.ok(s.getEncoded && s.getListEncoded, "both implementations have the encoded reads");
          for (let i = 0; i < 5; i++) await s.create(`${p}ns${i % 2}/p${i}`, pod(`p${i}`, { even: String(i % 2 === 0) }, { status: { note: `é "${i}" \u2028` } }));
          // A value written by someone else: other key order, whitespace, escapes, resourceVersion missing.
          const odd = '{ "metadata" : {"labels":{"even":"true"}, "name" : "p\u0035","namespace":"ns0"},\n "spec": {"n": 5}, "kind":"Pod", "apiVersion":"v1" }';
          const put = await b.client.put(create(PutRequestSchema, { key: Buffer.from(`${p}ns0/p5`), value: Buffer.from(odd) }));
          if (impl !== "etcd3") while ((s as ReturnType<typeof cacher>).resourceVersion < put.header!.revision) await sleep(5);
          const cases: ListOptions[] = [{}, { resourceVersion: "0" }, { predicate: labelIs("even", "true") }, { predicate: labelIsAttrs("even", "true") }, { limit: 2 }, { limit: 2, predicate: labelIsAttrs("even", "false") }];
          for (const o of cases) {
            const l = await s.getList(p, o);
            const e: EncodedListResult = await s.getListEncoded!(p, o);
            const what = JSON.stringify(o);
            assert.deepEqual(e.items.map(parsed), l.items.map(itemOf), what);
            assert.equal(e.resourceVersion, l.resourceVersion, what);
            assert.equal(e.continue, l.continue, what);
            assert.equal(e.remainingItemCount, l.remainingItemCount, what);
            if (l.continue) {
              const l2 = await s.getList(p, { ...o, continue: l.continue });
              const e2: EncodedListResult = await s.getListEncoded!(p, { ...o, continue: e.continue! });
              assert.deepEqual(e2.items.map(parsed), l2.items.map(itemOf), what);
            }
          }
          assert.deepEqual(names((await s.getList(p, { predicate: labelIsAttrs("even", "true") })).items), ["p0", "p2", "p4", "p5"]);
          for (const name of ["ns0/p0", "ns0/p5", "ns1/p1"]) {
            const obj = (await s.get(p + name))!;
            for (const rv of [undefined, "0", obj.metadata.resourceVersion!]) {
              const enc = await s.getEncoded!(p + name, rv === undefined ? {} : { resourceVersion: rv });
              assert.deepEqual(parsed(enc!), itemOf(obj), `${name} at ${rv}`);
            }
          }
          assert.equal(((await s.get(`${p}ns0/p5`))!["spec"] as { n: number }).n, 5);
          await rejectsWith(s.getEncoded!(`${p}ns0/none`), "KeyNotFound");
          await rejectsWith(s.getEncoded!(`${p}ns0/none`, { resourceVersion: "0" }), "KeyNotFound");
          assert.equal(await s.getEncoded!(`${p}ns0/none`, { ignoreNotFound: true, resourceVersion: "0" }), undefined);
          await rejectsWith(s.getEncoded!(`${p}ns0/p0`, { resourceVersion: "x" }), "BadRequest");
          const cur = await s.currentRevision();
          await rejectsWith(s.getListEncoded!(p, { resourceVersion: String(cur + 50n), resourceVersionMatch: "NotOlderThan" }), "TooLargeResourceVersion");
          await rejectsWith(s.getListEncoded!(p, { continue: "%%%" }), "BadRequest", /^invalid continue token/);
        });

        test("continue and exact reads after compaction: ResourceExpired, with kube's inconsistent token", async () => {
          const { s, p } = await fresh();
          for (let i = 0; i < 4; i++) await s.create(`${p}default/p${i}`, pod(`p${i}`));
          const first = await s.getList(p, { limit: 2 });
          await s.guaranteedUpdate(`${p}default/p3`, (c) => ({ ...c!, spec: { n: 3 } }));
          await compact(b.client, await s.currentRevision());
          const err = await rejectsWith(s.getList(p, { limit: 2, continue: first.continue }), "ResourceExpired", /^The provided continue parameter is too old to display a consistent list result\. You can start a new list without the continue parameter, or use the continue token/);
          const tok = decodeContinue(err.continueToken!, p);
          assert.equal(tok.rv, -1n);
          assert.equal(tok.startKey, `${p}default/p1\x00`);
          const rest = await s.getList(p, { limit: 2, continue: err.continueToken });
          assert.deepEqual(names(rest.items), ["p2", "p3"]);
          assert.equal(n(rest.items[1]!), 3); // the latest state
          await rejectsWith(s.getList(p, { resourceVersion: first.resourceVersion, resourceVersionMatch: "Exact" }), "ResourceExpired", "The resourceVersion for the provided list is too old.");
        });

        test("guaranteedUpdate: writes, skips a no-op, retries on conflict, ignoreNotFound creates, deletes", async () => {
          const { s, p } = await fresh();
          const k = `${p}default/u`;
          const v1 = await s.create(k, pod("u"));
          const v2 = await s.guaranteedUpdate(k, (cur) => {
            assert.ok(!Object.isFrozen(cur)); // tryUpdate gets its own copy
            (cur!["spec"] as { n: number }).n = 1;
            return cur!;
          });
          assert.ok(rvOf(v2) > rvOf(v1));
          assert.equal(n(v2), 1);
          // Returning the object unchanged writes nothing.
          const before = await s.currentRevision();
          const same = await s.guaranteedUpdate(k, (cur) => cur!);
          assert.equal(same.metadata.resourceVersion, v2.metadata.resourceVersion);
          assert.equal(await s.currentRevision(), before);
          // A concurrent write between read and write: retried with the fresh object.
          let calls = 0;
          const v3 = await s.guaranteedUpdate(k, async (cur) => {
            calls++;
            if (calls === 1) await etcd3Storage(b.client).guaranteedUpdate(k, (c) => ({ ...c!, spec: { n: 100 } }));
            return { ...cur!, spec: { n: n(cur!) + 1 } };
          });
          assert.equal(calls, 2);
          assert.equal(n(v3), 101);
          // Preconditions, with kube's texts (the registry turns them into 409 Conflict).
          await rejectsWith(s.guaranteedUpdate(k, (c) => c!, { preconditions: { uid: "other" } }), "InvalidObj",
            `StorageError: invalid object, Code: 4, Key: ${k}, ResourceVersion: 0, AdditionalErrorMsg: Precondition failed: UID in precondition: other, UID in object meta: uid-u`);
          await rejectsWith(s.guaranteedUpdate(k, (c) => c!, { preconditions: { resourceVersion: "1" } }), "InvalidObj",
            new RegExp(`Precondition failed: ResourceVersion in precondition: 1, ResourceVersion in object meta: ${v3.metadata.resourceVersion}$`));
          // Errors from tryUpdate come through.
          await assert.rejects(s.guaranteedUpdate(k, () => {
            throw new Error("refused");
          }), /refused/);
          await rejectsWith(s.guaranteedUpdate(`${p}default/missing`, (c) => c!), "KeyNotFound");
          const made = await s.guaranteedUpdate(`${p}default/new`, (c) => {
            assert.equal(c, undefined);
            return pod("new");
          }, { ignoreNotFound: true });
          assert.ok(rvOf(made) > rvOf(v3));
          // Dry run: computed, not written.
          const dry = await s.guaranteedUpdate(k, (c) => ({ ...c!, spec: { n: -1 } }), { dryRun: true });
          assert.equal(n(dry), -1);
          assert.equal(n((await s.get(k))!), 101);
          // {delete: true}: gone, the last state comes back at the deletion's revision.
          const gone = await s.guaranteedUpdate(k, () => ({ delete: true }));
          assert.equal(n(gone), 101);
          assert.ok(rvOf(gone) > rvOf(made));
          assert.equal(await s.get(k, { ignoreNotFound: true }), undefined);
        });

        test("guaranteedUpdate: 10 concurrent increments all land", async () => {
          const { s, p } = await fresh();
          const k = `${p}default/counter`;
          await s.create(k, pod("counter"));
          await Promise.all(Array.from({ length: 10 }, () => s.guaranteedUpdate(k, (c) => ({ ...c!, spec: { n: n(c!) + 1 } }))));
          assert.equal(n((await s.get(k))!), 10);
        });

        test("delete: last state at the deletion's revision, preconditions, validateDeletion, retry", async () => {
          const { s, p } = await fresh();
          const k = `${p}default/d`;
          const v1 = await s.create(k, pod("d"));
          await rejectsWith(s.delete(k, { preconditions: { uid: "nope" } }), "InvalidObj", /Precondition failed: UID in precondition: nope, UID in object meta: uid-d$/);
          await assert.rejects(s.delete(k, { validateDeletion: () => Promise.reject(new Error("has finalizers")) }), /has finalizers/);
          const dry = await s.delete(k, { dryRun: true });
          assert.equal(dry.metadata.resourceVersion, v1.metadata.resourceVersion);
          assert.ok(await s.get(k));
          // The object changes under the first attempt: the validation runs again on the new state.
          const seen: number[] = [];
          const gone = await s.delete(k, {
            async validateDeletion(cur) {
              seen.push(n(cur));
              if (seen.length === 1) await etcd3Storage(b.client).guaranteedUpdate(k, (c) => ({ ...c!, spec: { n: 7 } }));
            },
          });
          assert.deepEqual(seen, [0, 7]);
          assert.equal(n(gone), 7);
          assert.ok(rvOf(gone) > rvOf(v1) + 1n);
          await rejectsWith(s.delete(k), "KeyNotFound");
          assert.equal(await s.count(p), 0);
        });

        test("watch from a resourceVersion: ADDED, MODIFIED, DELETED with the last state", async () => {
          const { s, p } = await fresh();
          const start = await s.currentRevision();
          const a = await s.create(`${p}default/a`, pod("a"));
          const a2 = await s.guaranteedUpdate(`${p}default/a`, (c) => ({ ...c!, spec: { n: 2 } }));
          const gone = await s.delete(`${p}default/a`);
          const w = record(s.watch(p, { resourceVersion: String(rvOf(a)), recursive: true }));
          await w.until(2);
          const b1 = await s.create(`${p}other/b`, pod("b"));
          await w.until(3);
          assert.deepEqual(w.brief(), [`MODIFIED a ${rvOf(a2)}`, `DELETED a ${rvOf(gone)}`, `ADDED b ${rvOf(b1)}`]);
          assert.equal(n(w.events[1]!.object), 2);
          w.events.length = 0;
          // From before everything, and a single key.
          const all = record(s.watch(p, { resourceVersion: String(start), recursive: true }));
          const one = record(s.watch(`${p}other/b`, { resourceVersion: String(start), recursive: false }));
          await all.until(4);
          await one.until(1);
          assert.deepEqual(all.events.map((e) => e.type), ["ADDED", "MODIFIED", "DELETED", "ADDED"]);
          assert.deepEqual(one.brief(), [`ADDED b ${rvOf(b1)}`]);
          // The DELETED event's item JSON is the last state at the deletion's revision.
          checkEncoded([...w.events, ...all.events, ...one.events], impl !== "etcd3");
          for (const x of [s.watch(p, { recursive: true, resourceVersion: String(start) })]) x.stop();
        });

        test("watch with resourceVersion \"\" and \"0\": the current state as ADDED, then changes", async () => {
          const { s, p } = await fresh();
          await s.create(`${p}default/a`, pod("a"));
          const b1 = await s.create(`${p}default/b`, pod("b"));
          for (const rv of ["", "0"]) {
            const w = record(s.watch(p, { resourceVersion: rv, recursive: true }));
            await w.until(2);
            assert.deepEqual(w.events.map((e) => `${e.type} ${e.object.metadata.name}`), ["ADDED a", "ADDED b"]);
            w.events.length = 0;
            await s.guaranteedUpdate(`${p}default/b`, (c) => ({ ...c!, spec: { n: n(c!) + 1 } }));
            await w.until(1);
            assert.equal(w.events[0]!.type, "MODIFIED");
            assert.ok(rvOf(w.events[0]!.object) > rvOf(b1));
            checkEncoded(w.events, impl !== "etcd3");
          }
        });

        test("watch-list: ADDED, then a BOOKMARK marking the end of initial events", async () => {
          const { s, p } = await fresh();
          await s.create(`${p}default/a`, pod("a"));
          const w = record(s.watch(p, { resourceVersion: "", recursive: true, sendInitialEvents: true, allowBookmarks: true }));
          await w.until(2);
          assert.equal(w.events[0]!.type, "ADDED");
          assert.equal(w.events[1]!.type, "BOOKMARK");
          assert.deepEqual(w.events[1]!.object.metadata.annotations, { "k8s.io/initial-events-end": "true" });
          assert.ok(rvOf(w.events[1]!.object) >= rvOf(w.events[0]!.object));
          const c = await s.create(`${p}default/b`, pod("b"));
          await w.until(3);
          assert.deepEqual(w.brief()[2], `ADDED b ${rvOf(c)}`);
        });

        for (const [how, sel] of [["matches", labelIs], ["matchesAttrs", labelIsAttrs]] as const) test(`watch with a selector (${how}): leaving it is DELETED, entering it is ADDED`, async () => {
          const { s, p } = await fresh();
          const k = `${p}default/a`;
          const v0 = await s.create(k, pod("a", { app: "web" }));
          const w = record(s.watch(p, { resourceVersion: String(rvOf(v0)), recursive: true, predicate: sel("app", "web") }));
          const set = (app: string) => s.guaranteedUpdate(k, (c) => ({ ...c!, metadata: { ...c!.metadata, labels: { app } } }));
          const v1 = await set("web"); // no change: nothing written
          const v2 = await set("db");
          const v3 = await set("api");
          const v4 = await set("web");
          const v5 = await s.guaranteedUpdate(k, (c) => ({ ...c!, spec: { n: 5 } }));
          const v6 = await s.delete(k);
          await w.until(4);
          assert.equal(v1.metadata.resourceVersion, v0.metadata.resourceVersion);
          assert.deepEqual(w.brief(), [`DELETED a ${rvOf(v2)}`, `ADDED a ${rvOf(v4)}`, `MODIFIED a ${rvOf(v5)}`, `DELETED a ${rvOf(v6)}`]);
          // The DELETED for leaving the selector carries the last matching state.
          assert.deepEqual(w.events[0]!.object.metadata.labels, { app: "web" });
          assert.ok(rvOf(v3) > rvOf(v2));
          checkEncoded(w.events, impl !== "etcd3");
        });

        test("watch from a resourceVersion that is gone: one ERROR 410 Expired, then the end", async () => {
          const { s, p } = await fresh();
          const v = await s.create(`${p}default/a`, pod("a"));
          await s.guaranteedUpdate(`${p}default/a`, (c) => ({ ...c!, spec: { n: 1 } }));
          // etcd3 needs etcd's history; the cacher its own (which starts at its list).
          await compact(b.client, await s.currentRevision());
          let s2 = s;
          if (impl !== "etcd3") {
            s2 = cacher(etcd3Storage(b.client), b.client, p);
            open.add(s2);
            await (s2 as ReturnType<typeof cacher>).ready();
          }
          const w = record(s2.watch(p, { resourceVersion: String(rvOf(v) - 1n), recursive: true }));
          await w.untilEnded();
          assert.equal(w.events.length, 1);
          assert.equal(w.events[0]!.type, "ERROR");
          const { message, ...rest } = w.events[0]!.object;
          assert.deepEqual(rest, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", reason: "Expired", code: 410 });
          if (impl === "etcd3") assert.equal(message, "The resourceVersion for the provided watch is too old.");
          else assert.match(message as string, new RegExp(`^too old resource version: ${rvOf(v) - 1n} \\((\\d+)\\)$`));
        });

        test("values that are not JSON objects fail the read, not the process", async () => {
          const { s, p } = await fresh();
          await b.client.put(create(PutRequestSchema, { key: Buffer.from(`${p}default/junk`), value: Buffer.from("k8s\x00proto") }));
          if (impl === "etcd3") await assert.rejects(s.get(`${p}default/junk`), /unable to decode/);
          await assert.rejects(s.getList(p), /unable to decode/);
        });

        test("the TTL objects expire", async () => {
          const deadline = Date.now() + 8000;
          while ((await ttlStore.get(ttlKey, { ignoreNotFound: true })) !== undefined) {
            assert.ok(Date.now() < deadline, "the lease did not expire");
            await sleep(200);
          }
        });
      });
    }
  });
}
