// Delta packing (delta.ts): every packed item unpacks to exactly its bytes, whatever the input.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Dictionary, itemLength, MAX_DICT_BYTES, MAX_SEEDS, Packer, unpack } from "./delta.js";
import { seededRandom as rng } from "../../util/random.js";

/** A pod-like item: mostly the same text, with a name, uid, labels and timestamps that differ. */
function podItem(i: number, variant = 0): Buffer {
  const name = `web-${variant}-${String(i).padStart(6, "0")}`;
  const uid = `6d1c9a2e-0b7f-4e55-8c3a-${String(i * 7919).padStart(12, "0")}`;
  return Buffer.from(JSON.stringify({
    metadata: {
      name, namespace: `ns${i % 3}`, uid, resourceVersion: String(1000 + i), creationTimestamp: `2026-11-21T16:${String(i % 60).padStart(2, "0")}:00Z`,
      labels: { app: `app${variant}`, "pod-template-hash": "7d9c6b5f4d", instance: `i-${i % 100}` },
      managedFields: [{ manager: "kubectl", operation: "Update", apiVersion: "v1", fieldsType: "FieldsV1", fieldsV1: { "f:metadata": { "f:labels": { ".": {}, "f:app": {} } }, "f:spec": { "f:containers": { [`k:{"name":"c${variant}"}`]: { ".": {}, "f:image": {}, "f:name": {} } } } } }],
    },
    spec: { containers: [{ name: `c${variant}`, image: `registry.example.com/team/img${variant}:1.${i % 5}`, resources: { requests: { cpu: "100m" } } }], nodeName: `node-${i % 13}` },
    status: { phase: i % 2 ? "Running" : "Pending" },
  }));
}

function roundTrip(d: Dictionary, src: Buffer): string {
  const packed = d.pack(src, Infinity);
  assert.ok(packed !== undefined, "packs with no limit");
  assert.equal(itemLength({ packed, dict: d }), src.length);
  const out = Buffer.alloc(src.length + 8, 0xee);
  assert.equal(d.unpackInto(packed, out, 3), src.length);
  assert.ok(out.subarray(3, 3 + src.length).equals(src), "unpacks to the same bytes");
  assert.equal(out[2], 0xee, "nothing written before");
  assert.equal(out[3 + src.length], 0xee, "nothing written after");
  return packed;
}

describe("delta packing", () => {
  test("pod-like items pack to a small fraction and unpack exactly", () => {
    const d = new Dictionary([podItem(0)]);
    let packed = 0;
    let raw = 0;
    for (let i = 1; i < 200; i++) {
      const src = podItem(i);
      packed += roundTrip(d, src)!.length;
      raw += src.length;
    }
    assert.ok(packed < raw / 5, `packed ${packed} of ${raw}`);
  });

  test("random bytes, random mutations of a seed, edge lengths", () => {
    const r = rng(7);
    const seed = podItem(1);
    const d = new Dictionary([seed, Buffer.from("a short second seed"), podItem(2, 3)]);
    for (let k = 0; k < 400; k++) {
      let src: Buffer;
      const kind = k % 4;
      if (kind === 0) {
        src = Buffer.alloc(Math.floor(r() * 3000));
        for (let i = 0; i < src.length; i++) src[i] = Math.floor(r() * 256);
      } else if (kind === 1) {
        // The seed with bytes changed, cut and inserted.
        const parts: Buffer[] = [];
        let at = 0;
        while (at < seed.length) {
          const len = Math.floor(r() * 200);
          parts.push(seed.subarray(at, at + len));
          at += len;
          if (r() < 0.5) parts.push(Buffer.from([Math.floor(r() * 256), Math.floor(r() * 256)]));
          if (r() < 0.2) at += Math.floor(r() * 20);
        }
        src = Buffer.concat(parts);
      } else if (kind === 2) {
        // Repeats of seed pieces in another order (explicit offsets, crossing seeds in the source).
        src = Buffer.concat(Array.from({ length: 10 }, () => {
          const s = Math.floor(r() * seed.length);
          return seed.subarray(s, s + Math.floor(r() * 300));
        }));
      } else {
        src = Buffer.from("x".repeat(Math.floor(r() * 5)));
      }
      roundTrip(d, src);
    }
  });

  test("UTF-8 items (multi-byte characters) round-trip byte for byte", () => {
    const d = new Dictionary([Buffer.from(JSON.stringify({ metadata: { name: "ünïcödé-😀", annotations: { a: "日本語のテキスト" } } }))]);
    roundTrip(d, Buffer.from(JSON.stringify({ metadata: { name: "ünïcödé-😃", annotations: { a: "日本語のテキスト、もっと" } } })));
    const p = new Packer();
    for (const t of ["ß".repeat(40), "€uro ".repeat(30), "😀".repeat(50)]) {
      const b = Buffer.from(JSON.stringify({ x: t }));
      assert.ok(unpack(p.pack(b)).equals(b));
    }
  });

  test("copies never run past a seed's end", () => {
    // "abcdefgh" + "ijkl" laid end to end: the source runs across the boundary.
    const d = new Dictionary([Buffer.from("0123456789abcdefgh"), Buffer.from("ijklmnopqrstuvwxyz")]);
    roundTrip(d, Buffer.from("0123456789abcdefghijklmnopqrstuvwxyz0123456789"));
    roundTrip(d, Buffer.from("abcdefghijklmnop"));
  });

  test("a limit: undefined when the packed form would not be smaller", () => {
    const d = new Dictionary([podItem(0)]);
    const noise = Buffer.alloc(500);
    const r = rng(3);
    for (let i = 0; i < noise.length; i++) noise[i] = Math.floor(r() * 256);
    assert.equal(d.pack(noise, noise.length), undefined);
    const src = podItem(5);
    const size = roundTrip(d, src).length;
    assert.equal(d.pack(src, size), undefined);
    assert.equal(d.pack(src, size + 1)!.length, size);
  });

  test("a retired dictionary still unpacks; with() keeps the newest seeds within the limits", () => {
    let d = new Dictionary([podItem(0)]);
    const kept: Array<[Dictionary, Buffer, string]> = [];
    for (let v = 1; v < 20; v++) {
      const src = podItem(v, v);
      const next = d.with(Buffer.from(src));
      d.retire();
      d = next;
      assert.ok(d.seeds.length <= MAX_SEEDS && (d.seeds.length === 1 || d.size <= MAX_DICT_BYTES));
      kept.push([d, src, d.pack(src, Infinity)!]);
    }
    for (const [dict, src, packed] of kept) assert.ok(unpack({ packed, dict }).equals(src));
  });
});

describe("Packer", () => {
  test("items of a few kinds: each kind becomes a seed, all pack well", () => {
    const p = new Packer();
    let raw = 0;
    let held = 0;
    const all: Array<[Buffer, ReturnType<Packer["pack"]>]> = [];
    for (let i = 0; i < 2000; i++) {
      const src = podItem(i, i % 4);
      const packed = p.pack(src);
      all.push([src, packed]);
      raw += src.length;
      held += packed.packed.length;
    }
    for (const [src, packed] of all) assert.ok(unpack(packed).equals(src));
    assert.ok(held < raw / 8, `held ${held} of ${raw}`);
  });

  test("small, large and unlike items are kept verbatim", () => {
    const p = new Packer();
    const tiny = Buffer.from('{"metadata":{}}');
    assert.equal(p.pack(tiny).dict, undefined);
    assert.ok(unpack(p.pack(tiny)).equals(tiny));
    const r = rng(11);
    for (let i = 0; i < 100; i++) {
      const noise = Buffer.alloc(200 + Math.floor(r() * 2000));
      for (let k = 0; k < noise.length; k++) noise[k] = 0x20 + Math.floor(r() * 90);
      const packed = p.pack(noise);
      assert.ok(unpack(packed).equals(noise));
      assert.ok(packed.packed.length <= noise.length);
    }
    const big = Buffer.from(JSON.stringify({ data: "y".repeat(100_000) }));
    const packed = p.pack(big);
    assert.ok(unpack(packed).equals(big));
  });
});
