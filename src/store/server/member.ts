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
import { Applier, isTxnReadonly, mvccError, type RangeKvs } from "./apply.js";
import { clusterId as computeClusterId, memberId as computeMemberId } from "./ids.js";
import { decodeRequest, encodeRequest, peekRequest, type InternalRequest, type RequestKind, type RequestOf } from "./request.js";
import { Compactor } from "./compactor.js";
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

interface ApplyResult {
  resp?: unknown;
  err?: unknown;
  /** Compaction: resolves when the backend has deleted the history. */
  physical?: Promise<void>;
}

interface Waiter {
  resolve(r: ApplyResult): void;
  req?: InternalRequest;
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
  private waiters = new Map<bigint, Waiter>();
  private nextReqId: bigint;
  private running = false;
  private runScheduled = false;
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
    // Request ids only need to be unique among proposals in flight; start from the clock.
    this.nextReqId = BigInt(Date.now()) << 20n;
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
    setImmediate(() => {
      this.runScheduled = false;
      this.run().catch((e) => this.die(e));
    });
  }

  private die(e: unknown): void {
    this.stopped = true;
    if (this.fatal) this.fatal(e);
    else {
      console.error("kplane: fatal store error", e);
      process.exit(70);
    }
  }

  private async run(): Promise<void> {
    if (this.running || this.paused) return;
    this.running = true;
    try {
      while (!this.stopped && !this.paused && this.node.hasReady()) {
        const rd = this.node.ready();
        await this.handleReady(rd);
      }
    } finally {
      this.running = false;
    }
  }

  private async handleReady(rd: Ready): Promise<void> {
    if (rd.softState) {
      const wasLeader = this.leader === this.id;
      this.leader = rd.softState.leader;
      const isLeader = rd.softState.role === "leader";
      if (isLeader && !wasLeader) this.lessor.promote();
      if (!isLeader && wasLeader) this.lessor.demote();
      this.metrics?.leaderChanged(this.leader !== 0n);
    }
    if (rd.hardState) this.term = rd.hardState.term;
    // Persist first: entries and hard state go to the WAL; a snapshot (from a leader) to disk.
    if (rd.snapshot) {
      await this.snapshotter.save(rd.snapshot);
      this.wal.saveSnapshotMarker({ index: rd.snapshot.meta.index, term: rd.snapshot.meta.term });
    }
    this.wal.save(rd.hardState, rd.entries);
    const synced = rd.mustSync ? this.wal.sync() : undefined;
    if (rd.snapshot) this.storage.applySnapshot(rd.snapshot);
    if (rd.hardState) this.storage.setHardState(rd.hardState);
    this.storage.append(rd.entries);
    // Committed entries are already durable on a quorum: apply them while this batch syncs.
    if (rd.committedEntries.length > 0) this.applyEntries(rd.committedEntries);
    for (const rs of rd.readStates) this.readIndexReady(rs.index, Buffer.from(rs.context).toString("latin1"));
    if (synced) await synced;
    // (Messages to peers go out here once the store has peers.)
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
    for (const e of entries) {
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
    const { id } = peekRequest(data);
    const waiter = this.waiters.get(id);
    const r = waiter?.req ?? decodeRequest(data);
    let result: ApplyResult;
    try {
      result = this.applyOne(r);
    } catch (err) {
      result = { err };
    }
    if (waiter) {
      this.waiters.delete(id);
      waiter.resolve(result);
    }
  }

  private applyOne(r: InternalRequest): ApplyResult {
    const noSpace = this.alarms.has(AlarmType.NOSPACE);
    switch (r.kind) {
      case "put":
        if (noSpace) throw new StoreError("noSpace");
        return { resp: this.applier.put(r.req) };
      case "deleteRange":
        return { resp: this.applier.deleteRange(r.req) };
      case "txn":
        if (noSpace && !isTxnReadonly(r.req) && txnHasPut(r.req)) throw new StoreError("noSpace");
        return { resp: this.applier.txn(r.req) };
      case "compaction": {
        let physical: Promise<void>;
        try {
          physical = this.kv.compact(Number(r.req.revision));
        } catch (e) {
          mvccError(e);
        }
        return { resp: create(CompactionResponseSchema, { header: this.header() }), physical };
      }
      case "leaseGrant": {
        if (noSpace) throw new StoreError("noSpace");
        try {
          const l = this.lessor.grant(r.req.ID, Number(r.req.TTL));
          return { resp: create(LeaseGrantResponseSchema, { header: this.header(), ID: l.id, TTL: BigInt(l.ttl) }) };
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
        return { resp: create(LeaseRevokeResponseSchema, { header: this.header() }) };
      }
      case "alarm":
        return { resp: this.applyAlarm(r.req) };
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
    (async () => {
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
        // What was applied while the snapshot was taken: no Ready may come for a while (one
        // being handled trims once advanced).
        if (!this.stopped && !this.running) this.trimLog();
      });
  }

  // --- proposals -------------------------------------------------------------------------------

  /** Proposes a request through raft and resolves with its apply result. */
  async propose<K extends RequestKind>(kind: K, req: RequestOf<K>, raw?: Uint8Array): Promise<Responses[K]> {
    if (this.stopped) throw new StoreError("stopped");
    const r = await this.proposeRaw({ kind, id: this.nextReqId++, req } as InternalRequest, raw);
    if (r.err) throw r.err;
    if (r.physical && kind === "compaction" && (req as CompactionRequest).physical) await r.physical;
    return r.resp as Responses[K];
  }

  private proposeRaw(r: InternalRequest, raw?: Uint8Array): Promise<ApplyResult> {
    const data = encodeRequest(r, raw);
    if (data.length > this.cfg.maxRequestBytes) return Promise.reject(new StoreError("requestTooLarge"));
    if (this.leader === 0n) return Promise.reject(new StoreError("noLeader"));
    return new Promise<ApplyResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(r.id);
        this.metrics?.proposalDone(false);
        reject(new StoreError("timeout"));
      }, requestTimeoutMs(this.cfg));
      this.waiters.set(r.id, {
        req: r,
        resolve: (res) => {
          clearTimeout(timer);
          this.metrics?.proposalDone(true);
          resolve(res);
        },
      });
      try {
        this.node.propose(data);
      } catch (e) {
        clearTimeout(timer);
        this.waiters.delete(r.id);
        this.metrics?.proposalDone(false);
        reject(new StoreError("noLeader", String(e)));
        return;
      }
      this.metrics?.proposed();
      this.schedule();
    });
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

  async leaseGrant(r: LeaseGrantRequest): Promise<LeaseGrantResponse> {
    this.checkQuota(r, 0);
    if (r.ID === 0n) {
      // Server-chosen ids are positive int64s, unique per member, as etcd makes them.
      do r.ID = BigInt.asUintN(63, (this.id << 48n) ^ this.nextReqId++ ^ BigInt(Date.now()) << 8n);
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
    for (const [, w] of this.waiters) w.resolve({ err: new StoreError("stopped") });
    this.waiters.clear();
    await this.kv.compactionDone().catch(() => {});
    await this.wal.close();
    await this.backend.close();
  }
}

function txnHasPut(t: TxnRequest): boolean {
  return t.success.concat(t.failure).some((op) =>
    op.request.case === "requestPut" || (op.request.case === "requestTxn" && txnHasPut(op.request.value)));
}
