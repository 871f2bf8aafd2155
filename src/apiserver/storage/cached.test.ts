// The stored form recovered from a cache item (cached.ts) equals encoding the item's object again.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { KObject } from "../api/types.js";
import { encodeObject } from "./codec.js";
import { storedText } from "./cached.js";
import { decodeItem, encodeItem, itemOf } from "./item.js";

const objects: KObject[] = [
  {
    apiVersion: "v1", kind: "Pod",
    metadata: { name: "a", namespace: "ns", uid: "u", creationTimestamp: "2026-01-01T00:00:00Z", labels: { app: "x" } },
    spec: { containers: [{ name: "c", image: "i", args: ["--a=\"b\""] }] }, status: { phase: "Pending" },
  },
  // resourceVersion the last member of metadata, and the only one.
  { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "b", uid: "u2" }, data: { k: "v" } },
  { apiVersion: "v1", kind: "ConfigMap", metadata: {} },
  // No apiVersion or kind; members in another order; metadata not first.
  { data: { x: "1" }, metadata: { namespace: "n", name: "c", labels: { a: "b" } } } as unknown as KObject,
  // Non-ASCII after the revision, then before it.
  { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "d", uid: "u" }, data: { k: "héllo ✓" } },
  { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "é", uid: "u" }, data: { k: "v" } },
];

test("storedText gives what encodeObject gives for the item's object", () => {
  for (const obj of objects) {
    for (const rev of [1n, 42n, 1234567890n]) {
      const it = encodeItem("/k", Buffer.from(encodeObject(obj)), rev);
      const want = encodeObject(decodeItem("/k", it));
      const got = storedText(it);
      // Undefined only where byte and character offsets differ before the revision.
      if (got === undefined) assert.equal(obj.metadata.name, "é");
      else assert.equal(got, want, JSON.stringify(obj));
      const slow = itemOf(decodeItem("/k", it));
      const got2 = storedText(slow);
      if (got2 !== undefined) assert.equal(got2, want);
    }
  }
});
