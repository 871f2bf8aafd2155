import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { PutRequestSchema, RangeRequestSchema } from "../store/api/gen/rpc_pb.js";
import { startStore, storeDefaults } from "../store/index.js";
import { EtcdError } from "../store/client/types.js";
import { startCompactor } from "./compactor.js";

test("compacts to the revision seen one interval earlier; two compactors do not both compact", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kplane-compact-"));
  const store = await startStore({ ...storeDefaults, name: "c", dataDir: dir, listenClientUrls: [], initialCluster: "c=http://localhost:2380", walSegmentBytes: 1 << 20 });
  const etcd = store.client();
  const put = (k: string) => etcd.put(create(PutRequestSchema, { key: Buffer.from(k), value: Buffer.from("v") }));
  try {
    const first = await put("/a");
    const logs: string[] = [];
    const stopA = startCompactor(etcd, 100, (m) => logs.push(m));
    const stopB = startCompactor(etcd, 100, (m) => logs.push(m));
    for (let i = 0; i < 6; i++) {
      await put(`/k${i}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    stopA();
    stopB();
    const err = await etcd.range(create(RangeRequestSchema, { key: Buffer.from("/a"), revision: first.header!.revision })).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof EtcdError, "the first revision was compacted away");
    assert.equal(err.message, "etcdserver: mvcc: required revision has been compacted");
    // History of the last interval is kept: the newest revision still reads.
    const latest = await etcd.range(create(RangeRequestSchema, { key: Buffer.from("/k5") }));
    assert.equal(latest.kvs.length, 1);
    assert.deepEqual(logs.filter((l) => l.includes("failed")), []);
  } finally {
    await store.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
