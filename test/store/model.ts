// What the crash test wrote and what it was told, and the check that a restarted store still
// holds all of it: every acknowledged write at its revision, a gap-free history, a final state
// that is the replay of that history, and leases as acknowledged.
import assert from "node:assert/strict";
import { Compare_CompareResult, Compare_CompareTarget, type RequestOp, type TxnResponse } from "../../src/store/api/gen/rpc_pb.js";
import { Event_EventType, type Event, type KeyValue } from "../../src/store/api/gen/kv_pb.js";
import { allKeys, readHistory, rpcs, str, utf8, type Client } from "./client.js";
import type { Rng } from "./rng.js";

export type Mut = { t: "put"; key: string; value: string; lease: bigint } | { t: "del"; key: string; end?: string };
export interface TxnSpec {
  /** None: the success branch always runs. */
  cmp?: { key: string; exists: true } | { key: string; value: string };
  success: Array<Mut | { t: "txn"; txn: TxnSpec }>;
  failure: Mut[];
}

export type Op =
  | ({ kind: "put" } & Extract<Mut, { t: "put" }>)
  | ({ kind: "del" } & Extract<Mut, { t: "del" }>)
  | { kind: "txn"; txn: TxnSpec }
  | { kind: "grant"; id: bigint }
  | { kind: "revoke"; id: bigint }
  | { kind: "compact"; rev: number; physical: boolean }
  | { kind: "defrag" };

/** One change a write is known to have made, in the order the store reports them. */
export type Change = { t: "put"; key: string; value: string; lease: bigint } | { t: "del"; key: string; end: string | undefined };

export interface Rec {
  op: Op;
  round: number;
  /**
   * pending: sent; acked: answered OK; unknown: in flight when the store was killed; lost: was
   * unknown and its puts were not there after the restart (so they must never show up).
   */
  state: "pending" | "acked" | "unknown" | "lost";
  /** Header revision of the answer. */
  rev: number;
  /** For acknowledged writes: the changes expected at `rev` (empty: the write changed nothing). */
  changes?: Change[];
}

// --- requests ------------------------------------------------------------------------------------

function mutOp(m: Mut): RequestOp {
  const op = { request: { case: undefined } } as unknown as RequestOp;
  if (m.t === "put") op.request = { case: "requestPut", value: { key: utf8(m.key), value: utf8(m.value), lease: m.lease } as never };
  else op.request = { case: "requestDeleteRange", value: { key: utf8(m.key), rangeEnd: m.end ? utf8(m.end) : new Uint8Array(0) } as never };
  return op;
}

export function txnRequest(t: TxnSpec): { compare: object[]; success: RequestOp[]; failure: RequestOp[] } {
  const cmp = !t.cmp ? undefined : "exists" in t.cmp
    ? { key: utf8(t.cmp.key), result: Compare_CompareResult.GREATER, target: Compare_CompareTarget.VERSION, targetUnion: { case: "version", value: 0n } }
    : { key: utf8(t.cmp.key), result: Compare_CompareResult.EQUAL, target: Compare_CompareTarget.VALUE, targetUnion: { case: "value", value: utf8(t.cmp.value) } };
  return {
    compare: cmp ? [cmp] : [],
    success: t.success.map((s) => (s.t === "txn" ? { request: { case: "requestTxn", value: txnRequest(s.txn) } } as unknown as RequestOp : mutOp(s))),
    failure: t.failure.map(mutOp),
  };
}

/** The changes an answered txn made, from its branch choices and delete counts. */
export function txnChanges(t: TxnSpec, r: TxnResponse): Change[] {
  const out: Change[] = [];
  const branch: Array<Mut | { t: "txn"; txn: TxnSpec }> = r.succeeded ? t.success : t.failure;
  assert.equal(r.responses.length, branch.length, "txn: one response per operation");
  branch.forEach((s, i) => {
    const resp = r.responses[i]!.response;
    if (s.t === "put") out.push(s);
    else if (s.t === "del") {
      assert.equal(resp.case, "responseDeleteRange");
      for (let n = Number(resp.value.deleted); n > 0; n--) out.push({ t: "del", key: s.key, end: s.end });
    } else {
      assert.equal(resp.case, "responseTxn");
      out.push(...txnChanges(s.txn, resp.value));
    }
  });
  return out;
}

// --- verification ----------------------------------------------------------------------------

const sig = (e: Event): string =>
  e.type === Event_EventType.PUT ? `P ${str(e.kv!.key)}=${str(e.kv!.value)}@${e.kv!.lease}` : `D ${str(e.kv!.key)}`;

const changeMatches = (c: Change, e: Event): boolean => {
  const k = str(e.kv!.key);
  if (c.t === "put") return e.type === Event_EventType.PUT && k === c.key && str(e.kv!.value) === c.value && e.kv!.lease === c.lease;
  return e.type === Event_EventType.DELETE && (c.end === undefined ? k === c.key : k >= c.key && k < c.end);
};

export interface Snapshot {
  rev: number;
  compactRev: number;
  leases: Set<bigint>;
  hash: number;
}

export class Model {
  readonly recs: Rec[] = [];
  /** put value -> the revision it was read back at (a value must appear once). */
  private valueRev = new Map<string, number>();
  private byValue = new Map<string, Rec>();
  private last: Snapshot | undefined;
  /** Leases the next round may attach keys to. */
  usableLeases: bigint[] = [];
  /** What the last verify() looked at (unknownApplied: over all rounds). */
  checks = { revisions: 0, acked: 0, unknownApplied: 0, rangeAtRev: 0 };

  add(op: Op, round: number): Rec {
    const r: Rec = { op, round, state: "pending", rev: 0 };
    this.recs.push(r);
    const values = (m: Mut | { t: "txn"; txn: TxnSpec }): string[] =>
      m.t === "put" ? [m.value] : m.t === "txn" ? [...m.txn.success.flatMap(values), ...m.txn.failure.flatMap(values)] : [];
    if (op.kind === "put") this.byValue.set(op.value, r);
    if (op.kind === "txn") for (const v of values({ t: "txn", txn: op.txn })) this.byValue.set(v, r);
    return r;
  }

  maxAckedRev(): number {
    let m = 0;
    for (const r of this.recs) if (r.state === "acked" && r.rev > m) m = r.rev;
    return m;
  }

  /** Everything the store must show after a restart; `where` prefixes failure messages. */
  async verify(c: Client, rng: Rng, where: string): Promise<Snapshot> {
    const head = await c.call(rpcs.range, { key: utf8("probe") });
    const R = Number(head.header!.revision);
    const hk = await c.call(rpcs.hashKV, { revision: 0n });
    const compactRev = Math.max(0, Number(hk.compactRevision));
    // History is read from the last verified revision on: what lies before it was checked
    // then, and is held to that by the HashKV comparison at the end.
    const base = Math.max(1, compactRev, this.last?.rev ?? 1);
    if (this.last) assert.ok(R >= this.last.rev, `${where}: current revision ${R} is below ${this.last.rev}, read after the previous restart`);
    const acked = this.recs.filter((r) => r.state === "acked");
    this.checks.acked = 0;
    this.checks.rangeAtRev = 0;
    const maxAcked = this.maxAckedRev();
    assert.ok(R >= maxAcked, `${where}: current revision ${R} is below acknowledged revision ${maxAcked}: acknowledged writes lost`);

    // Compaction: an acknowledged compaction survives.
    for (const r of acked) {
      if (r.op.kind === "compact") assert.ok(compactRev >= r.op.rev, `${where}: compaction to ${r.op.rev} was acknowledged, store says ${compactRev}`);
    }
    // History (base, R]: continuous, each put value once.
    const events = await readHistory(c, base, R);
    const byRev = new Map<number, Event[]>();
    for (const e of events) {
      const rev = Number(e.kv!.modRevision);
      assert.ok(rev > base && rev <= R, `${where}: event at revision ${rev} outside (${base}, ${R}]`);
      let l = byRev.get(rev);
      if (!l) byRev.set(rev, (l = []));
      l.push(e);
    }
    for (let rev = base + 1; rev <= R; rev++) {
      const evs = byRev.get(rev);
      assert.ok(evs && evs.length > 0, `${where}: revision ${rev} has no events: history has a hole (base ${base}, current ${R})`);
      const owners = new Set<Rec>();
      for (const e of evs) {
        if (e.type !== Event_EventType.PUT) continue;
        const v = str(e.kv!.value);
        const at = this.valueRev.get(v);
        assert.ok(at === undefined || at === rev, `${where}: value ${v} written at revision ${at} appears again at ${rev} (applied twice)`);
        this.valueRev.set(v, rev);
        const owner = this.byValue.get(v);
        assert.ok(owner, `${where}: revision ${rev} holds value ${JSON.stringify(v.slice(0, 40))} that no client wrote`);
        owners.add(owner);
      }
      assert.ok(owners.size <= 1, `${where}: revision ${rev} mixes the puts of ${owners.size} requests`);
      const owner = [...owners][0];
      assert.ok(owner?.state !== "lost", `${where}: revision ${rev} holds a write that was not there after an earlier restart`);
      if (owner && owner.state === "acked") assert.equal(owner.rev, rev, `${where}: a write acknowledged at revision ${owner.rev} is at ${rev}`);
      if (owner && owner.state === "unknown") {
        if (owner.rev === 0) this.checks.unknownApplied++;
        owner.rev = rev; // it happened after all: from now on it must stay where it is
      }
    }
    this.checks.revisions = R;

    // Every acknowledged write is in the history at its revision, exactly as answered.
    for (const r of acked) {
      if (!r.changes || r.changes.length === 0 || r.rev <= base) continue;
      const evs = byRev.get(r.rev) ?? [];
      const want = r.changes;
      const ok = evs.length === want.length && want.every((ch, i) => changeMatches(ch, evs[i]!));
      assert.ok(ok, `${where}: acknowledged ${r.op.kind} (round ${r.round}) at revision ${r.rev} expected ${JSON.stringify(want, big)}, history has [${evs.map(sig).join("; ")}]`);
      this.checks.acked++;
    }

    // The current state is the replay of the history onto the state at the base revision.
    const state = new Map<string, KeyValue>();
    const at = await c.call(rpcs.range, { ...allKeys, revision: BigInt(base) });
    for (const kv of at.kvs) state.set(str(kv.key), kv);
    for (const e of events) {
      const k = str(e.kv!.key);
      if (e.type === Event_EventType.DELETE) {
        assert.ok(state.has(k), `${where}: delete of absent key ${k} at ${e.kv!.modRevision}`);
        state.delete(k);
      } else {
        const prev = state.get(k);
        const kv = e.kv!;
        assert.equal(kv.createRevision, prev ? prev.createRevision : kv.modRevision, `${where}: create revision of ${k} at ${kv.modRevision}`);
        assert.equal(kv.version, (prev?.version ?? 0n) + 1n, `${where}: version of ${k} at ${kv.modRevision}`);
        state.set(k, kv);
      }
    }
    const now = await c.call(rpcs.range, { ...allKeys });
    const shown = (kv: KeyValue) => `${str(kv.key)}=${str(kv.value).slice(0, 24)} c${kv.createRevision} m${kv.modRevision} v${kv.version} l${kv.lease}`;
    assert.deepEqual(now.kvs.map(shown), [...state.values()].sort((a, b) => Buffer.compare(a.key, b.key)).map(shown),
      `${where}: current state differs from the replayed history`);

    // A sample of acknowledged puts, read back at their revision through the key index.
    const puts = acked.filter((r) => r.rev > compactRev && r.changes?.some((ch) => ch.t === "put"));
    for (let i = 0; i < Math.min(30, puts.length); i++) {
      const r = rng.pick(puts);
      const ch = rng.pick(r.changes!.filter((x): x is Extract<Change, { t: "put" }> => x.t === "put"));
      const got = await c.call(rpcs.range, { key: utf8(ch.key), revision: BigInt(r.rev) });
      assert.equal(got.kvs.length, 1, `${where}: ${ch.key} at revision ${r.rev} missing`);
      assert.equal(str(got.kvs[0]!.value), ch.value, `${where}: ${ch.key} at revision ${r.rev}`);
      assert.equal(Number(got.kvs[0]!.modRevision), r.rev, `${where}: ${ch.key} at revision ${r.rev}: mod revision`);
      this.checks.rangeAtRev++;
    }

    // Leases: acknowledged grants live unless a revoke was sent; acknowledged revokes stay done.
    const ll = await c.call(rpcs.leaseLeases, {});
    const leases = new Set(ll.leases.map((l) => l.ID));
    const revoked = new Set(this.recs.filter((r) => r.op.kind === "revoke").map((r) => (r.op as { id: bigint }).id));
    const ackedRevoked = new Set(acked.filter((r) => r.op.kind === "revoke").map((r) => (r.op as { id: bigint }).id));
    const usable: bigint[] = [];
    for (const r of this.recs) {
      if (r.op.kind !== "grant" || r.op.id === 0n) continue;
      const id = r.op.id;
      if (r.state === "acked" && !revoked.has(id)) assert.ok(leases.has(id), `${where}: acknowledged lease ${id} is gone`);
      if (leases.has(id) && !revoked.has(id)) usable.push(id);
    }
    for (const id of ackedRevoked) assert.ok(!leases.has(id), `${where}: lease ${id} revoked (acknowledged) is back`);
    for (const kv of now.kvs) {
      if (kv.lease !== 0n) assert.ok(leases.has(kv.lease), `${where}: ${str(kv.key)} is attached to lease ${kv.lease}, which does not exist`);
    }
    this.usableLeases = usable;

    // The history up to the last round's revision hashes as it did then (unless compacted since).
    if (this.last && this.last.compactRev === compactRev && this.last.rev > compactRev && this.last.hash !== 0) {
      const h = await c.call(rpcs.hashKV, { revision: BigInt(this.last.rev) });
      assert.equal(h.hash, this.last.hash, `${where}: HashKV at revision ${this.last.rev} changed across the restart`);
    }
    for (const r of this.recs) {
      if (r.state === "unknown" && r.rev === 0 && (r.op.kind === "put" || r.op.kind === "txn")) r.state = "lost";
    }
    const hash = R > compactRev ? (await c.call(rpcs.hashKV, { revision: BigInt(R) })).hash : 0;
    const snap: Snapshot = { rev: R, compactRev, leases, hash };
    this.last = snap;
    return snap;
  }
}

function big(_k: string, v: unknown): unknown {
  return typeof v === "bigint" ? v.toString() : v;
}
