// The member's in-memory raft log: a lone voter keeps no applied entries in memory, snapshots
// still release the WAL, and restarts replay the same state.
import { create } from "@bufbuild/protobuf";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { PutRequestSchema, RangeRequestSchema } from "../api/gen/rpc_pb.js";
import { startStore, storeDefaults, type RunningStore } from "../index.js";
import type { MemoryStorage } from "../raft/index.js";

const start = (dir: string, snapshotCount: number): Promise<RunningStore> =>
  startStore({
    ...storeDefaults,
    dataDir: dir,
    listenClientUrls: [],
    advertiseClientUrls: ["http://127.0.0.1:0"],
    snapshotCount,
    walSegmentBytes: 64 * 1024,
  });

/** The member's raft log as held in memory (a test-only look at a private field). */
const raftLog = (s: RunningStore) => (s.member as unknown as { storage: MemoryStorage }).storage;

const value = (i: number) => Buffer.from(`value-${i}-`.padEnd(2000, String(i % 10)));

test("a lone voter keeps no applied entries in memory; the WAL and restarts are unchanged", { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "kplane-member-"));
  try {
    let s = await start(dir, 100);
    let c = s.client();
    await Promise.all(Array.from({ length: 400 }, (_, i) => c.put(create(PutRequestSchema, { key: Buffer.from(`/k/${i}`), value: value(i) }))));
    // Without further writes (a snapshot may have been under way, holding the trim back).
    const log = raftLog(s);
    const held = () => log.lastIndex() - log.firstIndex() + 1;
    for (let i = 0; i < 100 && held() > 1; i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(held() <= 1, `entries held: ${held()}`);
    assert.equal(log.lastIndex(), s.member.applied);
    // Snapshots are taken (every 100 entries; in the background) and the store reads what it wrote.
    const snaps = () => readdirSync(join(dir, "member", "snap")).filter((f) => f.endsWith(".snap"));
    for (let i = 0; i < 100 && snaps().length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(snaps().length > 0, "a snapshot file");
    const r = await c.range(create(RangeRequestSchema, { key: Buffer.from("/k/"), rangeEnd: Buffer.from("/k0") }));
    assert.equal(r.kvs.length, 400);
    await c.close();
    await s.stop();

    // A restart replays the WAL from the last snapshot: same data, and writes go on.
    s = await start(dir, 100);
    c = s.client();
    for (let i = 0; i < 400; i += 37) {
      const got = await c.range(create(RangeRequestSchema, { key: Buffer.from(`/k/${i}`) }));
      assert.deepEqual(Buffer.from(got.kvs[0]!.value), value(i));
    }
    await c.put(create(PutRequestSchema, { key: Buffer.from("/k/after"), value: Buffer.from("x") }));
    const after = raftLog(s);
    assert.ok(after.lastIndex() - after.firstIndex() + 1 <= 1);
    await c.close();
    await s.stop();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("snapshots still release WAL segments 5,000 entries behind them", { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "kplane-member-"));
  try {
    const s = await start(dir, 100);
    const c = s.client();
    const wals = () => readdirSync(join(dir, "member", "wal")).filter((f) => f.endsWith(".wal")).length;
    let most = 0;
    for (let round = 0; round < 90; round++) {
      await Promise.all(Array.from({ length: 100 }, (_, i) => c.put(create(PutRequestSchema, { key: Buffer.from(`/k/${i}`), value: value(round) }))));
      most = Math.max(most, wals());
    }
    // 9,000 entries of ~2 KiB in 64 KiB segments: ~280 segments written, the oldest of them
    // behind the last snapshot's catch-up window (as before the in-memory log was trimmed).
    // (Snapshots are taken one at a time, after applies: a few more writes let them catch up.)
    for (let i = 0; i < 200 && wals() > 240; i++) {
      await c.put(create(PutRequestSchema, { key: Buffer.from("/k/tick"), value: Buffer.from(String(i)) }));
      await new Promise((r) => setTimeout(r, 20));
    }
    // Segment names start with their sequence number: how many were ever made.
    const made = Math.max(...readdirSync(join(dir, "member", "wal")).filter((f) => f.endsWith(".wal")).map((f) => parseInt(f.slice(0, 16), 16))) + 1;
    assert.ok(made >= 250 && wals() <= 240, `${wals()} of ${made} WAL segments left (at most ${most} at once)`);
    await c.close();
    await s.stop();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
