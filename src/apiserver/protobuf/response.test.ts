import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeProtobuf, encodeProtobuf, encodeWatchEvent, hasProtobufType } from "./index.js";
import { ENVELOPE_TAIL, encodeItem, listHead, listOfItems, objectHead, watchFrame } from "./response.js";
import { apiVersions, kinds } from "./schema.js";

const join = (...parts: Uint8Array[]) => Buffer.concat(parts);
const itemsLength = (items: readonly Uint8Array[]) => items.reduce((n, it) => n + it.length, 0);

const pod = (name: string) => ({
  metadata: { name, namespace: "default", uid: `uid-${name}`, resourceVersion: "12", creationTimestamp: "2024-05-06T07:08:09Z", labels: { app: "web" } },
  spec: { containers: [{ name: "app", image: "nginx", resources: { requests: { cpu: "100m" } } }], restartPolicy: "Always" },
  status: { phase: "Pending" },
});

test("an object is objectHead + its item + the envelope's tail, as encodeProtobuf writes it", () => {
  const cases: Record<string, unknown>[] = [
    { apiVersion: "v1", kind: "Pod", ...pod("a") },
    { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: { k: "v".repeat(300) } },
    { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d" }, spec: { replicas: 3, selector: { matchLabels: { a: "b" } } } },
    { apiVersion: "v1", kind: "Status", metadata: {}, status: "Failure", message: "nope", reason: "NotFound", code: 404 },
  ];
  for (const obj of cases) {
    const { apiVersion, kind } = obj as { apiVersion: string; kind: string };
    const item = encodeItem(apiVersion, kind, obj)!;
    assert.deepEqual(join(objectHead(apiVersion, kind), item, ENVELOPE_TAIL), Buffer.from(encodeProtobuf(obj)!), kind);
    // Reusing memory gives the same bytes.
    assert.deepEqual(Buffer.from(encodeItem(apiVersion, kind, obj, true)!), Buffer.from(item));
    // The item: field 2's tag, the message's length, the message.
    assert.equal(item[0], 0x12);
    assert.deepEqual(decodeProtobuf(join(objectHead(apiVersion, kind), item, ENVELOPE_TAIL)).object, decodeProtobuf(encodeProtobuf(obj)!).object);
  }
  assert.equal(encodeItem("example.com/v1", "Widget", {}), undefined);
});

test("a list joined from items is the list encoded whole: ListMeta, continue, counts, none", () => {
  const items = ["a", "b", "c"].map((n) => encodeItem("v1", "Pod", pod(n))!);
  const metas: Record<string, unknown>[] = [
    { resourceVersion: "42" },
    { resourceVersion: "42", continue: "eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ", remainingItemCount: 17 },
  ];
  for (const metadata of metas) {
    for (const list of [items, []]) {
      const head = listHead("v1", "PodList", metadata, itemsLength(list))!;
      const whole = encodeProtobuf({ kind: "PodList", apiVersion: "v1", metadata, items: list.length ? ["a", "b", "c"].map(pod) : [] })!;
      assert.deepEqual(join(head, ...list, ENVELOPE_TAIL), Buffer.from(whole));
    }
  }
  // A large list: the list message's length takes several bytes.
  const many = Array.from({ length: 300 }, (_, i) => encodeItem("v1", "Pod", pod(`p${i}`))!);
  const whole = encodeProtobuf({ kind: "PodList", apiVersion: "v1", metadata: { resourceVersion: "1" }, items: many.map((_, i) => pod(`p${i}`)) })!;
  assert.deepEqual(join(listHead("v1", "PodList", { resourceVersion: "1" }, itemsLength(many))!, ...many, ENVELOPE_TAIL), Buffer.from(whole));
});

test("every resource list is metadata (1) + items (2): lists of any resource can be joined from items", () => {
  const byPkg = new Map(Object.entries(apiVersions).map(([v, pkg]) => [pkg, v]));
  let count = 0;
  for (const [pkg, list] of Object.entries(kinds)) {
    const apiVersion = byPkg.get(pkg)!;
    for (const kind of list.split(" ")) {
      if (!kind.endsWith("List") || kind === "List" || (pkg.startsWith("meta/") && kind !== "PartialObjectMetadataList") || !hasProtobufType(apiVersion, kind)) continue;
      // meta.k8s.io/v1beta1's PartialObjectMetadataList numbers them the other way round.
      assert.equal(listOfItems(apiVersion, kind), apiVersion !== "meta.k8s.io/v1beta1", `${apiVersion} ${kind}`);
      count++;
    }
  }
  assert.ok(count > 50, `only ${count} list kinds`);
  assert.equal(listOfItems("v1", "Pod"), false);
  assert.equal(listOfItems("example.com/v1", "WidgetList"), false);
  assert.equal(listHead("v1", "Pod", {}, 0), undefined);
});

test("a watch frame from an item is encodeWatchEvent's frame", () => {
  const obj = { apiVersion: "v1", kind: "Pod", ...pod("w") };
  const item = encodeItem("v1", "Pod", obj)!;
  for (const type of ["ADDED", "MODIFIED", "DELETED"]) {
    assert.deepEqual(Buffer.from(watchFrame("v1", type, objectHead("v1", "Pod"), item)), Buffer.from(encodeWatchEvent(type, obj, "v1")!));
  }
  // Objects whose length needs a longer varint than the head's guess.
  const big = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "big" }, data: { k: "x".repeat(70_000) } };
  const bigItem = encodeItem("v1", "ConfigMap", big)!;
  const frame = watchFrame("v1", "MODIFIED", objectHead("v1", "ConfigMap"), bigItem);
  assert.deepEqual(Buffer.from(frame), Buffer.from(encodeWatchEvent("MODIFIED", big, "v1")!));
  assert.equal(new DataView(frame.buffer, frame.byteOffset).getUint32(0), frame.length - 4);
});
