import { create } from "@bufbuild/protobuf";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import {
  AlarmMemberSchema, AlarmRequestSchema, AlarmRequest_AlarmAction, LeaseRevokeRequestSchema, AlarmResponseSchema, AlarmType, CompactionResponseSchema,
  LeaseGrantResponseSchema, LeaseRevokeResponseSchema, ResponseHeaderSchema,
  type AlarmRequest, type AlarmResponse, type CompactionRequest, type CompactionResponse,
  type DeleteRangeResponse, type LeaseGrantRequest, type LeaseGrantResponse,
  type LeaseRevokeResponse, type PutRequest, type PutResponse,
  type RangeRequest, type RangeResponse, type TxnRequest, type TxnResponse,
} from "../api/gen/rpc_pb.js";
import { StoreError } from "../errors.js";
import { ErrLeaseExists, ErrLeaseNotFound, ErrLeaseTTLTooLarge, Lessor } from "../lease/lessor.js";
import { Backend } from "../mvcc/backend.js";
import { KvStore } from "../mvcc/kvstore.js";
import { WatchableStore } from "../mvcc/watchableStore.js";
import { MemoryStorage, RawNode, decodeConfChange } from "../raft/index.js";
import type { ConfState, Entry, Ready, Snapshot } from "../raft/types.js";
import { Snapshotter, Wal } from "../wal/index.js";
import { AlarmStore } from "./alarms.js";
import { Applier, isTxnReadonly, mvccError, putResponse, type RangeKvs } from "./apply.js";
import type { KeyValue } from "../mvcc/keyValue.js";
import { clusterId as computeClusterId, memberId as computeMemberId } from "./ids.js";
import { decodeRequest, encodeRequest, requestIdHi, requestIdLo, type InternalRequest, type RequestKind, type RequestOf } from "./request.js";
import { Compactor } from "./compactor.js";
import { ProposalQueue } from "./proposals.js";
import type { StoreMetrics } from "./metrics.js";

export interface MemberConfig {
  name: string;
  dataDir: string;
  advertiseClientUrls: string[];
  initialAdvertisePeerUrls: string[];
  initialClusterToken: string;
  snapshotCount: number;
  /** Entries kept in the log behind a snapshot, for slow followers (etcd: 5000). */
  snapshotCatchUpEntries: number;
  quotaBackendBytes: number;
  maxTxnOps: number;
  maxRequestBytes: number;
  heartbeatMs: number;
  electionMs: number;
  autoCompactionMode: "periodic" | "revision";
  autoCompactionRetention: string;
  /** WAL segment size (etcd: 64 MiB). */
  walSegmentBytes?: number;
  metrics?: StoreMetrics;
}

export const storeVersion = "3.5.16";
export const clusterVersion = "3.5.0";

/** etcd's MaxRequestBytes headroom: a raft entry may exceed the client limit by this much. */
const requestTimeoutMs = (cfg: MemberConfig) => 5000 + 2 * cfg.electionMs;

/**
 * How a proposal is answered once its entry applied (or it failed): err, or the response (for a
 * put: a `PutApplied`); a compaction also hands over the promise of its physical deletion.
 */
export type ProposalDone = (err: unknown, resp: unknown, physical?: Promise<void>) => void;

interface Waiter {
  req: InternalRequest;
  done: ProposalDone;
  /** Gives up at this ticker count (see sweepTimeouts). */
  deadline: number;
}

/** A put as applied: the revision it made and the previous KeyValue when asked for. */
export interface PutApplied {
  rev: number;
  prev: KeyValue | undefined;
}

/** Per-kind response types, for typed proposals. */
interface Responses {
  put: PutResponse;
  deleteRange: DeleteRangeResponse;
  txn: TxnResponse;
  compaction: CompactionResponse;
  leaseGrant: LeaseGrantResponse;
  leaseRevoke: LeaseRevokeResponse;
  alarm: AlarmResponse;
}

/**
 * One member of the store: drives the raft core, persists its output to the WAL, applies
 * committed entries to MVCC, leases and alarms exactly once, and serves linearizable reads
 * through ReadIndex. A single member is a one-voter cluster: writes take the same path.
 */
export class Member {
  readonly id: bigint;
  readonly clusterId: bigint;
  readonly backend: Backend;
  readonly kv: KvStore;
  readonly watchable: WatchableStore;
  readonly lessor: Lessor;
  readonly alarms: AlarmStore;
  readonly applier: Applier;
  readonly metrics: StoreMetrics | undefined;

  private node: RawNode;
  private storage: MemoryStorage;
  private wal: Wal;
  private snapshotter: Snapshotter;
  private confState: ConfState;
  /**
   * Proposals waiting for their entry to apply, by the low half of their request id (a counter),
   * in the order proposed (so also by deadline). The high half is this process's tag (reqHi): an
   * entry with another tag was proposed by an earlier run of this member or by another member.
   */
  private waiters = new ProposalQueue<Waiter>();
  private readonly reqHi: number;
  /** Mixed into server-chosen lease ids. */
  private leaseSeq = 0;
  /** Ticker intervals so far; proposals time out by it. */
  private ticks = 0;
  private readonly timeoutTicks: number;
  private running = false;
  private runScheduled = false;
  /** The Ready whose fdatasync is running (the loop continues in onSynced). */
  private syncingReady: Ready | undefined;
  private idleWaiters: Array<() => void> = [];
  private stopped = false;
  private ticker: NodeJS.Timeout | undefined;
  private leaseTimer: NodeJS.Timeout | undefined;
  private compactor: Compactor | undefined;
  private appliedIndex = 0;
  private appliedTerm = 0;
  /** The last committed entry raft has handed out and been told of (its log's applied index). */
  private raftApplied = 0;
  private snapshotIndex = 0;
  private snapshotting = false;
  /** The snapshot being taken (stop() lets it finish before closing the WAL). */
  private snapshotTask: Promise<void> | undefined;
  private readBatch: Array<() => void> | undefined;
  private readWaiters = new Map<string, Array<() => void>>();
  private readCtx = 0;
  private appliedWaiters: Array<{ index: number; fn: () => void }> = [];
  leader = 0n;
  term = 0;
  private fatal: ((e: unknown) => void) | undefined;
  /** While set, the loop applies nothing (defragment rewrites the backend). */
  private paused: Promise<void> | undefined;

  private constructor(readonly cfg: MemberConfig, parts: {
    id: bigint; clusterId: bigint; backend: Backend; wal: Wal; snapshotter: Snapshotter;
    storage: MemoryStorage; node: RawNode; confState: ConfState; snapshotIndex: number;
  }) {
    this.id = parts.id;
    this.clusterId = parts.clusterId;
    this.backend = parts.backend;
    this.wal = parts.wal;
    this.snapshotter = parts.snapshotter;
    this.storage = parts.storage;
    this.node = parts.node;
    this.confState = parts.confState;
    this.snapshotIndex = parts.snapshotIndex;
    this.raftApplied = parts.snapshotIndex;
    this.metrics = cfg.metrics;
    if (cfg.metrics) {
      const h = cfg.metrics.backendCommit;
      this.backend.onCommit = (s) => h.observe(s);
    }
    this.kv = new KvStore(this.backend);
    const minTTL = Math.ceil(((3 * (cfg.electionMs / cfg.heartbeatMs)) / 2) * cfg.heartbeatMs / 1000);
    this.lessor = new Lessor(this.backend, minTTL);
    this.lessor.restoreKeys(this.kv.restoredLeases);
    this.kv.setLeaseLink(this.lessor);
    this.watchable = new WatchableStore(this.kv);
    this.alarms = new AlarmStore(this.backend);
    this.applier = new Applier(this.kv, this.lessor);
    this.appliedIndex = Math.max(this.kv.consistentIndex, parts.snapshotIndex);
    // Request ids only need to be unique among proposals in flight: a tag from the clock (for
    // this run) and a counter.
    this.reqHi = Date.now() % 0x100000000;
    this.timeoutTicks = Math.ceil(requestTimeoutMs(cfg) / cfg.heartbeatMs) + 1;
  }

  static async start(cfg: MemberConfig): Promise<Member> {
    const memberDir = join(cfg.dataDir, "member");
    const walDir = join(memberDir, "wal");
    const snapDir = join(memberDir, "snap");
    mkdirSync(snapDir, { recursive: true });
    const snapshotter = new Snapshotter(snapDir);
    const backend = new Backend(snapDir);
    const storage = new MemoryStorage();
    const electionTick = Math.max(1, Math.round(cfg.electionMs / cfg.heartbeatMs));
    let id: bigint, cid: bigint, wal: Wal, node: RawNode, confState: ConfState, snapshotIndex = 0;
    if (!Wal.exists(walDir)) {
      id = computeMemberId(cfg.initialAdvertisePeerUrls, cfg.initialClusterToken);
      cid = computeClusterId([id]);
      const meta = Buffer.alloc(16);
      meta.writeBigUInt64BE(id, 0);
      meta.writeBigUInt64BE(cid, 8);
      wal = await Wal.create(walDir, meta, { segmentBytes: cfg.walSegmentBytes, onFsync: (s: number) => cfg.metrics?.walFsync(s) });
      node = new RawNode({ id, electionTick, heartbeatTick: 1, storage, preVote: true, checkQuorum: true });
      node.bootstrap([id]);
      confState = { voters: [id], learners: [] };
    } else {
      // Only a snapshot whose marker reached the WAL counts (a crash can leave one without).
      const snap = snapshotter.load(await Wal.snapshotMarkers(walDir));
      const opened = await Wal.open(walDir, {
        fromSnapshot: snap ? { index: snap.meta.index, term: snap.meta.term } : undefined,
        segmentBytes: cfg.walSegmentBytes,
        onFsync: (s: number) => cfg.metrics?.walFsync(s),
      });
      wal = opened.wal;
      const meta = Buffer.from(opened.metadata);
      id = meta.readBigUInt64BE(0);
      cid = meta.readBigUInt64BE(8);
      if (snap) {
        storage.applySnapshot(snap);
        snapshotIndex = snap.meta.index;
      }
      if (opened.hardState) storage.setHardState(opened.hardState);
      storage.append(opened.entries);
      confState = snap?.meta.confState ?? { voters: [id], learners: [] };
      node = new RawNode({ id, electionTick, heartbeatTick: 1, storage, applied: snapshotIndex, preVote: true, checkQuorum: true });
    }
    const m = new Member(cfg, { id, clusterId: cid, backend, wal, snapshotter, storage, node, confState, snapshotIndex });
    await m.begin();
    return m;
  }

  private async begin(): Promise<void> {
    // Replay what the log holds (conf changes teach raft who votes), then a lone voter need
    // not wait an election timeout to lead.
    await this.run();
    if (this.confState.voters.length === 1 && this.confState.voters[0] === this.id) {
      this.node.campaign();
      await this.run();
    }
    this.ticker = setInterval(() => {
      this.ticks++;
      this.sweepTimeouts();
      this.node.tick();
      this.schedule();
    }, this.cfg.heartbeatMs);
    this.leaseTimer = setInterval(() => this.revokeExpiredLeases(), 500);
    this.compactor = new Compactor(this, this.cfg.autoCompactionMode, this.cfg.autoCompactionRetention);
    this.compactor.start();
  }

  /** Called with any error that leaves the member unable to continue (WAL or backend failure). */
  onFatal(fn: (e: unknown) => void): void {
    this.fatal = fn;
  }

  // --- the raft loop ---------------------------------------------------------------------------

  private schedule(): void {
    if (this.running || this.runScheduled || this.stopped) return;
    this.runScheduled = true;
    setImmediate(this.runSoon);
  }

  private readonly runSoon = (): void => {
    this.runScheduled = false;
    this.kick();
  };

  private die(e: unknown): void {
    this.stopped = true;
    this.running = false;
    this.settleIdle();
    if (this.fatal) this.fatal(e);
    else {
      console.error("kplane: fatal store error", e);
      process.exit(70);
    }
  }

  /** Runs the loop until no Ready is left; resolves then (start-up). */
  private run(): Promise<void> {
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve);
      this.kick();
      if (!this.running) this.settleIdle();
    });
  }

  private settleIdle(): void {
    if (this.idleWaiters.length === 0) return;
    const fns = this.idleWaiters;
    this.idleWaiters = [];
    for (const f of fns) f();
  }

  private kick(): void {
    if (this.running || this.paused || this.stopped) return;
    this.running = true;
    this.loop();
  }

  /**
   * The raft loop, on callbacks rather than promises (it runs for every write): handles Readies
   * until none is left, or until one waits for its fdatasync; onSynced carries on from there.
   */
  private loop(): void {
    try {
      while (!this.stopped && !this.paused && this.node.hasReady()) {
        const rd = this.node.ready();
        if (rd.snapshot) {
          this.installSnapshot(rd, rd.snapshot);
          return;
        }
        if (!this.persist(rd)) return;
        this.finishReady(rd);
      }
    } catch (e) {
      this.die(e);
      return;
    }
    this.running = false;
    this.settleIdle();
  }

  private readonly onSynced = (err: Error | undefined): void => {
    const rd = this.syncingReady;
    this.syncingReady = undefined;
    if (err || !rd) {
      this.die(err ?? new Error("store: sync without a Ready"));
      return;
    }
    try {
      this.finishReady(rd);
    } catch (e) {
      this.die(e);
      return;
    }
    this.loop();
  };

  /** A snapshot from a leader goes to disk before the rest of its Ready. */
  private installSnapshot(rd: Ready, snap: Snapshot): void {
    this.snapshotter.save(snap).then(() => {
      this.wal.saveSnapshotMarker({ index: snap.meta.index, term: snap.meta.term });
      if (!this.persist(rd)) return;
      this.finishReady(rd);
      this.loop();
    }).catch((e) => this.die(e));
  }

  /**
   * Persists a Ready and applies what it commits; false when it waits for its fdatasync
   * (onSynced then finishes it). Committed entries are applied while the new ones sync: they are
   * durable on a quorum already.
   */
  private persist(rd: Ready): boolean {
    if (rd.softState) {
      const wasLeader = this.leader === this.id;
      this.leader = rd.softState.leader;
      const isLeader = rd.softState.role === "leader";
      if (isLeader && !wasLeader) this.lessor.promote();
      if (!isLeader && wasLeader) this.lessor.demote();
      this.metrics?.leaderChanged(this.leader !== 0n);
    }
    if (rd.hardState) this.term = rd.hardState.term;
    this.wal.save(rd.hardState, rd.entries);
    let synced = true;
    if (rd.mustSync) {
      this.syncingReady = rd;
      synced = this.wal.syncThen(this.onSynced);
      if (synced) this.syncingReady = undefined;
    }
    if (this.stopped) return false;
    if (rd.snapshot) this.storage.applySnapshot(rd.snapshot);
    if (rd.hardState) this.storage.setHardState(rd.hardState);
    this.storage.append(rd.entries);
    if (rd.committedEntries.length > 0) this.applyEntries(rd.committedEntries);
    for (let i = 0; i < rd.readStates.length; i++) {
      const rs = rd.readStates[i]!;
      this.readIndexReady(rs.index, Buffer.from(rs.context).toString("latin1"));
    }
    // (Messages to peers go out once the Ready is durable, when the store has peers.)
    return synced;
  }

  private finishReady(rd: Ready): void {
    this.node.advance(rd);
    const last = rd.committedEntries[rd.committedEntries.length - 1];
    if (last) this.raftApplied = last.index;
    this.trimLog();
    this.maybeSnapshot();
  }

  /**
   * A lone voter keeps no applied entries in memory. The in-memory log (etcd keeps everything
   * since the last snapshot plus 5,000 entries) exists to catch followers up; with no one to send
   * to, it would only hold every request since the last snapshot (an API server writes objects
   * of several KiB: 10,000 entries of pods are ~50 MB). The WAL still keeps them until the next
   * snapshot, so a restart replays the same. Not while a snapshot is being taken: it records the
   * term of its index from this log. Never past what raft has handed out as committed: after a
   * restart the backend may be ahead of the persisted commit index, and raft still reads the
   * entries after its commit index (conf changes to apply again, a new leader's checks).
   */
  private trimLog(): void {
    if (this.snapshotting || this.confState.learners.length > 0 || this.confState.voters.length !== 1 || this.confState.voters[0] !== this.id) return;
    const to = Math.min(this.appliedIndex, this.raftApplied, this.storage.lastIndex());
    if (to >= this.storage.firstIndex()) this.storage.compact(to);
  }

  private applyEntries(entries: Entry[]): void {
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      // Raft must learn every conf change again after a restart, applied to the backend or not.
      if (e.type === "confChange") this.confState = this.node.applyConfChange(decodeConfChange(e.data));
      if (e.index <= this.appliedIndex) continue;
      if (e.type === "normal" && e.data.length > 0) {
        this.applyRequest(e.data);
      }
      this.appliedIndex = e.index;
      this.appliedTerm = e.term;
    }
    this.kv.saveConsistentIndex(this.appliedIndex);
    this.metrics?.applied(entries.length);
    if (this.appliedWaiters.length > 0) {
      const ready = this.appliedWaiters.filter((w) => w.index <= this.appliedIndex);
      this.appliedWaiters = this.appliedWaiters.filter((w) => w.index > this.appliedIndex);
      for (const w of ready) w.fn();
    }
  }

  private applyRequest(data: Uint8Array): void {
    const waiter = data.length >= 9 && requestIdHi(data) === this.reqHi ? this.waiters.take(requestIdLo(data)) : undefined;
    const r = waiter ? waiter.req : decodeRequest(data);
    let resp: unknown;
    try {
      resp = this.applyOne(r);
    } catch (err) {
      if (waiter) this.answer(waiter, err, undefined);
      return;
    }
    if (waiter) this.answer(waiter, undefined, resp);
  }

  private answer(w: Waiter, err: unknown, resp: unknown): void {
    this.metrics?.proposalDone(err === undefined || !(err instanceof StoreError && err.kind === "timeout"));
    if (resp instanceof CompactionApplied) w.done(undefined, resp.resp, resp.physical);
    else w.done(err, resp);
  }

  /** Applies one request; returns its response (a put's as PutApplied) or throws. */
  private applyOne(r: InternalRequest): unknown {
    const noSpace = this.alarms.has(AlarmType.NOSPACE);
    switch (r.kind) {
      case "put":
        if (noSpace) throw new StoreError("noSpace");
        return this.applier.putApplied(r.req);
      case "deleteRange":
        return this.applier.deleteRange(r.req);
      case "txn":
        if (noSpace && !isTxnReadonly(r.req) && txnHasPut(r.req)) throw new StoreError("noSpace");
        return this.applier.txn(r.req);
      case "compaction": {
        let physical: Promise<void>;
        try {
          physical = this.kv.compact(Number(r.req.revision));
        } catch (e) {
          mvccError(e);
        }
        return new CompactionApplied(create(CompactionResponseSchema, { header: this.header() }), physical);
      }
      case "leaseGrant": {
        if (noSpace) throw new StoreError("noSpace");
        try {
          const l = this.lessor.grant(r.req.ID, Number(r.req.TTL));
          return create(LeaseGrantResponseSchema, { header: this.header(), ID: l.id, TTL: BigInt(l.ttl) });
        } catch (e) {
          if (e instanceof ErrLeaseExists) throw new StoreError("leaseExists");
          if (e instanceof ErrLeaseTTLTooLarge) throw new StoreError("leaseTTLTooLarge");
          throw e;
        }
      }
      case "leaseRevoke": {
        let keys: string[];
        try {
          keys = this.lessor.revoke(r.req.ID);
        } catch (e) {
          if (e instanceof ErrLeaseNotFound) throw new StoreError("leaseNotFound");
          throw e;
        }
        if (keys.length > 0) {
          const tw = this.kv.write();
          for (const k of keys) tw.deleteRange({ key: k, end: null });
          tw.end();
        }
        this.lessor.forget(r.req.ID);
        return create(LeaseRevokeResponseSchema, { header: this.header() });
      }
      case "alarm":
        return this.applyAlarm(r.req);
    }
  }

  private applyAlarm(a: AlarmRequest): AlarmResponse {
    const resp = create(AlarmResponseSchema, {});
    const toPb = (x: { memberId: bigint; alarm: AlarmType }) => create(AlarmMemberSchema, { memberID: x.memberId, alarm: x.alarm });
    switch (a.action) {
      case AlarmRequest_AlarmAction.GET:
        resp.alarms = this.alarms.get(a.alarm).map(toPb);
        break;
      case AlarmRequest_AlarmAction.ACTIVATE: {
        const m = this.alarms.activate({ memberId: a.memberID, alarm: a.alarm });
        if (m) resp.alarms = [toPb(m)];
        break;
      }
      case AlarmRequest_AlarmAction.DEACTIVATE: {
        const m = this.alarms.deactivate({ memberId: a.memberID, alarm: a.alarm });
        if (m) resp.alarms = [toPb(m)];
        break;
      }
    }
    return resp;
  }

  /** Raft snapshot: the backend is the state, so it only records where the log may be cut. */
  private maybeSnapshot(): void {
    if (this.snapshotting || this.appliedIndex - this.snapshotIndex < this.cfg.snapshotCount) return;
    this.snapshotting = true;
    const index = this.appliedIndex;
    const term = this.appliedTerm;
    const confState = this.confState;
    this.snapshotTask = (async () => {
      // The backend must hold everything up to index on disk before the log before it goes.
      await this.backend.flushed();
      const snap: Snapshot = { meta: { index, term, confState }, data: new Uint8Array(0) };
      await this.snapshotter.save(snap);
      this.storage.createSnapshot(index, confState, snap.data);
      this.wal.saveSnapshotMarker({ index, term });
      await this.wal.sync();
      const compactTo = index - this.cfg.snapshotCatchUpEntries;
      // (A lone voter's in-memory log is trimmed already: see trimLog.)
      if (compactTo > this.storage.firstIndex()) this.storage.compact(compactTo);
      if (compactTo > 0) await this.wal.releaseTo(compactTo);
      await this.snapshotter.purge(5);
      this.snapshotIndex = index;
    })()
      .catch((e) => this.die(e))
      .finally(() => {
        this.snapshotting = false;
        this.snapshotTask = undefined;
        // What was applied while the snapshot was taken: no Ready may come for a while (one
        // being handled trims once advanced).
        if (!this.stopped && !this.running) this.trimLog();
      });
  }

  // --- proposals -------------------------------------------------------------------------------

  /** Proposes a request through raft and resolves with its apply result. */
  propose<K extends RequestKind>(kind: K, req: RequestOf<K>, raw?: Uint8Array): Promise<Responses[K]> {
    return new Promise((resolve, reject) => {
      this.proposeThen(kind, req, raw, (err, resp, physical) => {
        if (err !== undefined) reject(err);
        else if (physical && (req as CompactionRequest).physical) physical.then(() => resolve(resp as Responses[K]), reject);
        else resolve((kind === "put" ? putResponse(resp as PutApplied) : resp) as Responses[K]);
      });
    });
  }

  /**
   * propose() without promises (the gRPC write path): done is called once, with the apply
   * result (a put's as PutApplied) or an error, possibly before this returns.
   */
  proposeThen<K extends RequestKind>(kind: K, req: RequestOf<K>, raw: Uint8Array | undefined, done: ProposalDone): void {
    if (this.stopped) {
      done(new StoreError("stopped"), undefined);
      return;
    }
    // Ids go on from the last one, never reused (an entry whose proposer timed out may still
    // apply); they wrap at 2^30, long after any proposal has timed out.
    const lo = this.waiters.nextId;
    const r = { kind, id: 0n, req } as InternalRequest;
    const data = encodeRequest(r, raw, this.reqHi, lo);
    if (data.length > this.cfg.maxRequestBytes) {
      done(new StoreError("requestTooLarge"), undefined);
      return;
    }
    if (this.leader === 0n) {
      done(new StoreError("noLeader"), undefined);
      return;
    }
    try {
      this.node.propose(data);
    } catch (e) {
      this.metrics?.proposed();
      this.metrics?.proposalDone(false);
      done(new StoreError("noLeader", String(e)), undefined);
      return;
    }
    this.waiters.add(lo, { req: r, done, deadline: this.ticks + this.timeoutTicks });
    this.metrics?.proposed();
    this.schedule();
  }

  /** Fails proposals past their deadline (etcd's request timeout); waiters are in deadline order. */
  private sweepTimeouts(): void {
    if (this.waiters.size === 0) return;
    const now = this.ticks;
    for (let o = this.waiters.oldest(); o && o.value.deadline <= now; o = this.waiters.oldest()) {
      this.waiters.take(o.id);
      this.answer(o.value, new StoreError("timeout"), undefined);
    }
  }

  // --- reads -----------------------------------------------------------------------------------

  /** Resolves when this member has applied everything committed before the call (ReadIndex). */
  linearizableRead(): Promise<void> {
    if (this.stopped) return Promise.reject(new StoreError("stopped"));
    return new Promise((resolve) => {
      if (this.readBatch) {
        this.readBatch.push(resolve);
        return;
      }
      const batch = [resolve];
      this.readBatch = batch;
      // Reads arriving in the same turn share one ReadIndex round.
      setImmediate(() => {
        this.readBatch = undefined;
        const ctx = String(++this.readCtx);
        this.readWaiters.set(ctx, batch);
        this.node.readIndex(Buffer.from(ctx, "latin1"));
        this.schedule();
      });
    });
  }

  private readIndexReady(index: number, ctx: string): void {
    const batch = this.readWaiters.get(ctx);
    if (!batch) return;
    this.readWaiters.delete(ctx);
    const release = () => batch.forEach((f) => f());
    if (this.appliedIndex >= index) release();
    else this.appliedWaiters.push({ index, fn: release });
  }

  async range(r: RangeRequest): Promise<RangeResponse> {
    if (!r.serializable) await this.linearizableRead();
    return this.applier.range(r);
  }

  /** Range as response bytes, for the gRPC path (see Applier.rangeEncoded). */
  async rangeEncoded(r: RangeRequest, header: (rev: number) => Uint8Array): Promise<Uint8Array | { kvs: RangeKvs }> {
    if (!r.serializable) await this.linearizableRead();
    return this.applier.rangeEncoded(r, header) ?? { kvs: this.applier.rangeKvs(r) };
  }

  async txn(r: TxnRequest, raw?: Uint8Array): Promise<TxnResponse> {
    if (isTxnReadonly(r)) {
      const serializable = r.success.concat(r.failure).every((op) => op.request.case === "requestRange" && op.request.value.serializable);
      if (!serializable) await this.linearizableRead();
      return this.applier.txn(r);
    }
    this.checkQuota(r, raw?.length ?? 0);
    return this.propose("txn", r, raw);
  }

  async put(r: PutRequest, raw?: Uint8Array): Promise<PutResponse> {
    this.checkQuota(r, raw?.length ?? r.key.length + r.value.length);
    return this.propose("put", r, raw);
  }

  /** put() for the gRPC path: done gets a PutApplied (or an error). */
  putThen(r: PutRequest, raw: Uint8Array, done: ProposalDone): void {
    try {
      this.checkQuota(r, raw.length);
    } catch (e) {
      done(e, undefined);
      return;
    }
    this.proposeThen("put", r, raw, done);
  }

  async leaseGrant(r: LeaseGrantRequest): Promise<LeaseGrantResponse> {
    this.checkQuota(r, 0);
    if (r.ID === 0n) {
      // Server-chosen ids are positive int64s, unique per member, as etcd makes them.
      do r.ID = BigInt.asUintN(63, (this.id << 48n) ^ BigInt(this.reqHi * 0x100000 + this.leaseSeq++) ^ BigInt(Date.now()) << 8n);
      while (r.ID === 0n || this.lessor.lookup(r.ID));
    }
    return this.propose("leaseGrant", r);
  }

  /** Keep-alive; only the leader renews. Returns the TTL, 0 for an unknown lease (as etcd). */
  async leaseRenew(id: bigint): Promise<number> {
    await this.linearizableRead();
    try {
      return this.lessor.renew(id);
    } catch (e) {
      if (e instanceof ErrLeaseNotFound) return 0;
      throw e;
    }
  }

  /** etcd's backend quota: a write that would grow the file past the quota raises NOSPACE. */
  private checkQuota(_r: unknown, cost: number): void {
    const quota = this.cfg.quotaBackendBytes;
    if (quota <= 0) return;
    if (this.alarms.has(AlarmType.NOSPACE)) throw new StoreError("noSpace");
    if (this.backend.size() + cost + 256 > quota) {
      this.propose("alarm", create(AlarmRequestSchema, { action: AlarmRequest_AlarmAction.ACTIVATE, memberID: this.id, alarm: AlarmType.NOSPACE }))
        .catch(() => {});
      throw new StoreError("noSpace");
    }
  }

  private revokeExpiredLeases(): void {
    if (this.leader !== this.id || this.stopped) return;
    for (const l of this.lessor.expired(1000)) {
      this.propose("leaseRevoke", create(LeaseRevokeRequestSchema, { ID: l.id })).catch(() => {});
    }
  }

  /** Defragments the backend with applies paused, as etcd blocks the member meanwhile. */
  async defragment(): Promise<void> {
    let release!: () => void;
    while (this.paused) await this.paused;
    this.paused = new Promise((r) => (release = r));
    try {
      while (this.running) await new Promise((r) => setTimeout(r, 1));
      await this.kv.compactionDone();
      await this.backend.defragment();
    } finally {
      this.paused = undefined;
      release();
      this.schedule();
    }
  }

  // --- status ----------------------------------------------------------------------------------

  header() {
    return create(ResponseHeaderSchema, {
      clusterId: this.clusterId,
      memberId: this.id,
      revision: BigInt(this.kv.currentRev),
      raftTerm: BigInt(this.term),
    });
  }

  get committedIndex(): number {
    return this.node.status().hardState.commit;
  }

  get applied(): number {
    return this.appliedIndex;
  }

  isLeader(): boolean {
    return this.leader === this.id;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.ticker);
    clearInterval(this.leaseTimer);
    this.compactor?.stop();
    this.watchable.close();
    while (this.running) await new Promise((r) => setTimeout(r, 5));
    for (const w of this.waiters.drain()) this.answer(w, new StoreError("stopped"), undefined);
    await this.kv.compactionDone().catch(() => {});
    await this.snapshotTask;
    await this.wal.close();
    await this.backend.close();
  }
}

/** A compaction's response and the promise of its physical deletion. */
class CompactionApplied {
  constructor(readonly resp: CompactionResponse, readonly physical: Promise<void>) {}
}

function txnHasPut(t: TxnRequest): boolean {
  return t.success.concat(t.failure).some((op) =>
    op.request.case === "requestPut" || (op.request.case === "requestTxn" && txnHasPut(op.request.value)));
}
