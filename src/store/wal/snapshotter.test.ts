import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import type { Snapshot } from "../raft/types.js";
import { Snapshotter } from "./snapshotter.js";

const roots: string[] = [];
function tmpdir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "kplane-snap-"));
  roots.push(d);
  return d;
}
after(() => {
  for (const d of roots) fs.rmSync(d, { recursive: true, force: true });
});

function snap(index: number, term: number, size = 100): Snapshot {
  return {
    meta: { index, term, confState: { voters: [1n, 2n, 2n ** 64n - 1n], learners: [9n] } },
    data: new Uint8Array(size).map((_, i) => (index + i) & 0xff),
  };
}

describe("Snapshotter", () => {
  it("saves atomically and loads the newest", async () => {
    const dir = path.join(tmpdir(), "snap"); // created on first save
    const s = new Snapshotter(dir);
    assert.equal(s.load(), undefined);
    assert.deepEqual(s.list(), []);
    await s.save(snap(10, 1));
    await s.save(snap(20, 2, 0));
    await s.save(snap(15, 2)); // not the newest by (term, index)
    assert.deepEqual(s.list().map((f) => f.name), [
      "0000000000000001-000000000000000a.snap",
      "0000000000000002-000000000000000f.snap",
      "0000000000000002-0000000000000014.snap",
    ]);
    assert.deepEqual(s.load(), snap(20, 2, 0));
    assert.deepEqual(fs.readdirSync(dir).filter((n) => n.endsWith(".tmp")), []);
  });

  it("skips broken files", async () => {
    const dir = tmpdir();
    const s = new Snapshotter(dir);
    await s.save(snap(10, 1));
    await s.save(snap(20, 1));
    await s.save(snap(30, 1));
    const f30 = path.join(dir, s.list()[2]!.name);
    const b = fs.readFileSync(f30);
    b[b.length - 1]! ^= 1;
    fs.writeFileSync(f30, b);
    fs.truncateSync(path.join(dir, s.list()[1]!.name), 20);
    assert.deepEqual(s.load(), snap(10, 1));
    // A file whose name disagrees with its contents is not trusted either.
    fs.copyFileSync(path.join(dir, s.list()[0]!.name), path.join(dir, "0000000000000001-0000000000000028.snap"));
    assert.deepEqual(s.load(), snap(10, 1));
  });

  it("load(known) only considers snapshots the WAL has markers for", async () => {
    const s = new Snapshotter(tmpdir());
    await s.save(snap(10, 1));
    await s.save(snap(20, 1));
    assert.deepEqual(s.load([{ index: 10, term: 1 }]), snap(10, 1));
    assert.equal(s.load([{ index: 20, term: 2 }]), undefined);
    assert.deepEqual(s.load([{ index: 10, term: 1 }, { index: 20, term: 1 }]), snap(20, 1));
  });

  it("purge keeps the newest n", async () => {
    const s = new Snapshotter(tmpdir());
    for (let i = 1; i <= 5; i++) await s.save(snap(i * 10, 1));
    assert.equal(await s.purge(2), 3);
    assert.deepEqual(s.list().map((f) => f.index), [40, 50]);
    assert.equal(await s.purge(5), 0);
    assert.equal(await s.purge(0), 2);
    assert.equal(s.load(), undefined);
  });
});
