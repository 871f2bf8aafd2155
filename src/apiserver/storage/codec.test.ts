import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  compareKeys, decodeContinue, decodeObject, encodeContinue, encodeObject, errorStatus, prefixEnd, tooLargeResourceVersion,
} from "./codec.js";
import type { WatchEvent } from "./interface.js";
import { WatchQueue } from "./watchQueue.js";

describe("codec", () => {
  test("the stored form drops resourceVersion and selfLink; decoding puts resourceVersion after uid", () => {
    const obj = { apiVersion: "v1", kind: "Pod", metadata: { name: "a", uid: "u", selfLink: "/x", resourceVersion: "9", labels: { a: "b" } }, spec: {} };
    const data = encodeObject(obj);
    assert.equal(data, '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a","uid":"u","labels":{"a":"b"}},"spec":{}}');
    assert.equal(obj.metadata.resourceVersion, "9"); // the caller's object is left alone
    const back = decodeObject("/k", data, 12n);
    assert.deepEqual(Object.keys(back.metadata), ["name", "uid", "resourceVersion", "labels"]);
    assert.equal(back.metadata.resourceVersion, "12");
    assert.throws(() => decodeObject("/k", "[1]", 1n), /unable to decode \/k: not a JSON object/);
  });

  test("keys compare as UTF-8 bytes, as etcd orders them", () => {
    const keys = ["/a/\u{1F600}", "/a/\uFFFD", "/a/b", "/a/", "/a/ab", "/a"];
    const bytes = [...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    assert.deepEqual([...keys].sort(compareKeys), bytes);
    // Random pairs over ASCII, Latin-1, BMP chars below and above the surrogates, and astral ones.
    const alphabet = ["a", "b", "/", "-", "\u00e9", "\u4e2d", "\ud7ff", "\ue000", "\uffff", "\u{10000}", "\u{1F600}"];
    let seed = 7;
    const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
    const key = (): string => "/registry/x/" + Array.from({ length: rnd(6) }, () => alphabet[rnd(alphabet.length)]).join("");
    for (let i = 0; i < 3000; i++) {
      const a = key();
      const b = rnd(4) === 0 ? a : key();
      assert.equal(Math.sign(compareKeys(a, b)), Buffer.compare(Buffer.from(a), Buffer.from(b)), JSON.stringify([a, b]));
    }
    assert.deepEqual([...prefixEnd(Buffer.from("/a/"))], [...Buffer.from("/a0")]);
    assert.deepEqual([...prefixEnd(Uint8Array.of(0x61, 0xff))], [0x62]);
  });

  test("continue tokens: kube's encoding, and its checks", () => {
    const t = encodeContinue("/registry/pods/ns/a<b\x00", "/registry/pods/", 42n);
    assert.equal(Buffer.from(t, "base64url").toString(), '{"v":"meta.k8s.io/v1","rv":42,"start":"ns/a\\u003cb\\u0000"}');
    assert.doesNotMatch(t, /[=+/]/);
    assert.deepEqual(decodeContinue(t, "/registry/pods/"), { startKey: "/registry/pods/ns/a<b\x00", rv: 42n });
    const tok = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
    const bad = (o: unknown, msg: RegExp) => assert.throws(() => decodeContinue(typeof o === "string" ? o : tok(o), "/p/"), msg);
    bad({ v: "meta.k8s.io/v1", rv: 0, start: "a" }, /invalid continue token: continue key is not valid: incorrect encoded start resourceVersion \(version meta.k8s.io\/v1\)/);
    bad({ v: "meta.k8s.io/v1", rv: 3, start: "" }, /encoded start key empty/);
    bad({ v: "v2", rv: 3, start: "a" }, /server does not recognize this encoded version v2/);
    bad({ v: "meta.k8s.io/v1", rv: 3, start: "a/../../b" }, /continue key is not valid: a\/..\/..\/b/);
    bad("!!", /illegal base64 data/);
    assert.deepEqual(decodeContinue(tok({ v: "meta.k8s.io/v1", rv: -1, start: "x" }), "/p/"), { startKey: "/p/x", rv: -1n });
  });

  test("ERROR event objects are kube's Status", () => {
    assert.deepEqual(errorStatus(tooLargeResourceVersion("/k", 10n, 5n)), {
      kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: "Timeout: Too large resource version: 10, current: 5",
      reason: "Timeout", details: { causes: [{ reason: "ResourceVersionTooLarge", message: "Too large resource version" }], retryAfterSeconds: 1 }, code: 504,
    });
    assert.deepEqual(errorStatus(new Error("boom")), {
      kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: "Internal error occurred: boom",
      reason: "InternalError", details: { causes: [{ message: "boom" }] }, code: 500,
    });
  });
});

describe("WatchQueue", () => {
  const ev = (name: string): WatchEvent => ({ type: "ADDED", object: { metadata: { name } } });
  const tick = () => new Promise<void>((r) => setImmediate(r));

  test("initial events first, in order, to a handler attached after the events; then the end", async () => {
    const q = new WatchQueue(10);
    q.setInitial([ev("i1"), ev("i2")].values());
    q.push(ev("l1"));
    q.end();
    const got: string[] = [];
    let ended = false;
    await tick();
    q.onEvent((e) => void got.push(e.object.metadata.name!));
    q.onEnd(() => (ended = true));
    await tick();
    assert.deepEqual(got, ["i1", "i2", "l1"]);
    assert.ok(ended);
  });

  test("a handler's promise holds later events back; past the bound the watcher ends", async () => {
    let cleaned = 0;
    const q = new WatchQueue(2, () => cleaned++);
    const got: string[] = [];
    let release!: () => void;
    q.onEvent((e) => {
      got.push(e.object.metadata.name!);
      if (got.length === 1) return new Promise<void>((r) => (release = r));
    });
    q.push(ev("a"));
    await tick();
    q.push(ev("b"));
    q.push(ev("c"));
    await tick();
    assert.deepEqual(got, ["a"]);
    release();
    await tick();
    assert.deepEqual(got, ["a", "b", "c"]);
    // Now block for good: two may wait, the third is one too many.
    q.onEvent(() => new Promise<void>(() => {}));
    q.push(ev("d"));
    await tick();
    q.push(ev("e"));
    q.push(ev("f"));
    assert.equal(q.ended, false);
    q.push(ev("g"));
    assert.equal(q.ended, true);
    assert.equal(cleaned, 1);
    q.stop();
    assert.equal(cleaned, 1);
  });
});
