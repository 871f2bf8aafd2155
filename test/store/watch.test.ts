// The Watch stream at the protocol level, against real etcd where etcd 3.4 behaves as kplane
// must (created order, ids, history replay, compaction, cancel, filters, fragments), and on
// kplane alone for progress requests (etcd 3.4.23 answers them even while a watcher is behind,
// which is the bug Kubernetes' consistent reads needed fixed in 3.5.13; kplane answers only when
// every watcher on the stream is synced).
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import grpc from "@grpc/grpc-js";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  PutRequestSchema, PutResponseSchema, CompactionRequestSchema, CompactionResponseSchema,
  WatchRequestSchema, WatchResponseSchema, WatchCreateRequest_FilterType, type WatchResponse,
} from "../../src/store/api/gen/rpc_pb.js";
import { startMember, type Member, type Target } from "../etcdctl/server.js";

const enc = (s: string) => Buffer.from(s);
const id = (b: Buffer) => b;

class Conn {
  readonly client: grpc.Client;
  constructor(addr: string) {
    this.client = new grpc.Client(addr, grpc.credentials.createInsecure(), { "grpc.max_receive_message_length": -1 });
  }
  async put(key: string, value: string | Buffer): Promise<number> {
    const req = toBinary(PutRequestSchema, create(PutRequestSchema, { key: enc(key), value: typeof value === "string" ? enc(value) : value }));
    const out = await new Promise<Buffer>((res, rej) =>
      this.client.makeUnaryRequest("/etcdserverpb.KV/Put", id, id, Buffer.from(req), (e, r) => (e ? rej(e) : res(r!))));
    return Number(fromBinary(PutResponseSchema, out).header!.revision);
  }
  async compact(rev: number): Promise<void> {
    const req = toBinary(CompactionRequestSchema, create(CompactionRequestSchema, { revision: BigInt(rev), physical: true }));
    await new Promise<Buffer>((res, rej) =>
      this.client.makeUnaryRequest("/etcdserverpb.KV/Compact", id, id, Buffer.from(req), (e, r) => (e ? rej(e) : res(r!))));
    void CompactionResponseSchema;
  }
  /** A watch stream collecting responses. */
  watch(): WatchStream {
    return new WatchStream(this.client.makeBidiStreamRequest("/etcdserverpb.Watch/Watch", id, id));
  }
  close() {
    this.client.close();
  }
}

class WatchStream {
  readonly got: WatchResponse[] = [];
  private waiters: Array<() => void> = [];
  constructor(private readonly call: grpc.ClientDuplexStream<Buffer, Buffer>) {
    call.on("data", (b: Buffer) => {
      this.got.push(fromBinary(WatchResponseSchema, b));
      this.waiters.splice(0).forEach((f) => f());
    });
    call.on("error", () => {});
  }
  send(req: Parameters<typeof create<typeof WatchRequestSchema>>[1]) {
    this.call.write(Buffer.from(toBinary(WatchRequestSchema, create(WatchRequestSchema, req))));
  }
  create(c: { key: string; end?: string; start?: number; prevKv?: boolean; watchId?: number; filters?: WatchCreateRequest_FilterType[]; fragment?: boolean }) {
    this.send({ requestUnion: { case: "createRequest", value: {
      key: enc(c.key), rangeEnd: c.end !== undefined ? enc(c.end) : new Uint8Array(0), startRevision: BigInt(c.start ?? 0),
      prevKv: c.prevKv ?? false, watchId: BigInt(c.watchId ?? 0), filters: c.filters ?? [], fragment: c.fragment ?? false,
    } } });
  }
  cancel(watchId: number) {
    this.send({ requestUnion: { case: "cancelRequest", value: { watchId: BigInt(watchId) } } });
  }
  progress() {
    this.send({ requestUnion: { case: "progressRequest", value: {} } });
  }
  async waitFor(n: number, ms = 5000): Promise<WatchResponse[]> {
    const deadline = Date.now() + ms;
    while (this.got.length < n) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`expected ${n} watch responses, got ${this.got.length}: ${JSON.stringify(this.summary())}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, left);
      });
    }
    return this.got;
  }
  /** What a client can observe, minus ids that differ between clusters. */
  summary() {
    return this.got.map((r) => ({
      rev: Number(r.header?.revision ?? 0n),
      watchId: Number(r.watchId),
      created: r.created,
      canceled: r.canceled,
      compactRevision: Number(r.compactRevision),
      cancelReason: r.cancelReason,
      fragment: r.fragment,
      events: r.events.map((e) => ({
        type: e.type,
        key: Buffer.from(e.kv!.key).toString(),
        mod: Number(e.kv!.modRevision),
        value: Buffer.from(e.kv!.value).toString().slice(0, 20),
        prev: e.prevKv ? Buffer.from(e.prevKv.value).toString().slice(0, 20) : undefined,
      })),
    }));
  }
  end() {
    this.call.end();
  }
}

async function scenario(m: Member): Promise<unknown[]> {
  const c = new Conn(m.clientAddr);
  try {
    for (let i = 1; i <= 5; i++) await c.put(`k${i % 3}`, `v${i}`);
    const w = c.watch();
    w.create({ key: "k", end: "l", start: 2, prevKv: true });
    w.create({ key: "k1", watchId: 7 });
    w.create({ key: "k1", watchId: 7 }); // duplicate id
    w.create({ key: "z", end: "a" }); // empty range
    w.create({ key: "k", end: "l", filters: [WatchCreateRequest_FilterType.NOPUT] });
    await w.waitFor(6); // 5 created (2 canceled at once) + the replay of revisions 2..6
    await c.put("k1", "after");
    await w.waitFor(8); // the prefix watcher and watcher 7 (nothing for the NOPUT one)
    w.cancel(7);
    w.cancel(99); // unknown: no answer
    await w.waitFor(9);
    await c.compact(5);
    const w2 = c.watch();
    w2.create({ key: "k", end: "l", start: 3 });
    await w2.waitFor(2);
    w.end();
    w2.end();
    const norm = (s: ReturnType<WatchStream["summary"]>) =>
      s.sort((a, b) => a.watchId - b.watchId || a.rev - b.rev || Number(b.created) - Number(a.created));
    return [norm(w.summary()), w2.summary()];
  } finally {
    c.close();
  }
}

describe("watch stream", () => {
  const dirs: string[] = [];
  const members = new Map<Target, Member>();
  before(async () => {
    for (const t of ["etcd", "kplane"] as const) {
      const d = mkdtempSync(join(tmpdir(), `kplane-watch-${t}-`));
      dirs.push(d);
      members.set(t, await startMember(t, d, ["--max-request-bytes", "65536"]));
    }
  });
  after(async () => {
    for (const m of members.values()) await m.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  test("create, replay, duplicate id, empty range, filters, cancel, compacted start: as etcd", async () => {
    const a = await scenario(members.get("etcd")!);
    const b = await scenario(members.get("kplane")!);
    assert.deepEqual(b, a);
  });

  test("fragments: a large replay is split for a watcher that asked, as etcd splits it", async () => {
    const run = async (m: Member) => {
      const c = new Conn(m.clientAddr);
      // etcd splits responses over --max-request-bytes plus its 512 KiB gRPC allowance.
      const big = Buffer.alloc(60_000, "x");
      const first = await c.put("f/0", big);
      for (let i = 1; i < 15; i++) await c.put(`f/${i}`, big);
      const w = c.watch();
      w.create({ key: "f/", end: "f0", start: first, fragment: true });
      await w.waitFor(2);
      // Wait until all ten events arrived, in however many pieces.
      const deadline = Date.now() + 5000;
      while (w.got.reduce((n, r) => n + r.events.length, 0) < 15 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      w.end();
      c.close();
      return w.got.slice(1).map((r) => ({ fragment: r.fragment, n: r.events.length }));
    };
    const a = await run(members.get("etcd")!);
    const b = await run(members.get("kplane")!);
    assert.ok(a.length > 1, "etcd fragments this response");
    assert.deepEqual(b, a);
  });

  test("progress request: answered with watch id -1 once every watcher is synced (kplane)", async () => {
    const c = new Conn(members.get("kplane")!.clientAddr);
    try {
      let rev = 0;
      const puts = Array.from({ length: 3000 }, (_, i) => i);
      // 16 writers at a time keep this quick.
      for (let i = 0; i < puts.length; i += 16) {
        const revs = await Promise.all(puts.slice(i, i + 16).map((j) => c.put(`p/${j % 50}`, `v${j}`)));
        rev = Math.max(rev, ...revs);
      }
      const w = c.watch();
      // One watcher far behind (a long replay), then a progress request at once.
      w.create({ key: "p/", end: "p0", start: rev - 2999 });
      w.progress();
      const deadline = Date.now() + 10_000;
      while (!w.got.some((r) => r.watchId === -1n) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const progressAt = w.got.findIndex((r) => r.watchId === -1n);
      assert.ok(progressAt > 0, "a progress response arrived");
      const eventsBefore = w.got.slice(0, progressAt).flatMap((r) => r.events);
      // Every event up to the progress revision came before it.
      const progressRev = Number(w.got[progressAt]!.header!.revision);
      assert.ok(progressRev >= rev);
      assert.equal(eventsBefore.length, 3000);
      assert.equal(Number(eventsBefore.at(-1)!.kv!.modRevision), rev);
      w.end();
    } finally {
      c.close();
    }
  });
});
