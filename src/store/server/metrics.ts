import client from "prom-client";

/**
 * The store's Prometheus metrics under etcd's names (operators' dashboards and alerts use them).
 * One registry per member, served on /metrics.
 */
export class StoreMetrics {
  readonly registry = new client.Registry();
  private hasLeader = new client.Gauge({ name: "etcd_server_has_leader", help: "Whether or not a leader exists. 1 is existence, 0 is not.", registers: [this.registry] });
  private leaderChanges = new client.Counter({ name: "etcd_server_leader_changes_seen_total", help: "The number of leader changes seen.", registers: [this.registry] });
  private committed = new client.Gauge({ name: "etcd_server_proposals_committed_total", help: "The total number of consensus proposals committed.", registers: [this.registry] });
  private appliedG = new client.Gauge({ name: "etcd_server_proposals_applied_total", help: "The total number of consensus proposals applied.", registers: [this.registry] });
  private pending = new client.Gauge({ name: "etcd_server_proposals_pending", help: "The current number of pending proposals to commit.", registers: [this.registry] });
  private failed = new client.Counter({ name: "etcd_server_proposals_failed_total", help: "The total number of failed proposals seen.", registers: [this.registry] });
  private fsync = new client.Histogram({
    name: "etcd_disk_wal_fsync_duration_seconds",
    help: "The latency distributions of fsync called by WAL.",
    buckets: client.exponentialBuckets(0.001, 2, 14),
    registers: [this.registry],
  });
  readonly backendCommit = new client.Histogram({
    name: "etcd_disk_backend_commit_duration_seconds",
    help: "The latency distributions of commit called by backend.",
    buckets: client.exponentialBuckets(0.001, 2, 14),
    registers: [this.registry],
  });
  readonly grpcStarted = new client.Counter({ name: "grpc_server_started_total", help: "Total number of RPCs started on the server.", labelNames: ["grpc_type", "grpc_service", "grpc_method"], registers: [this.registry] });
  readonly grpcHandled = new client.Counter({ name: "grpc_server_handled_total", help: "Total number of RPCs completed on the server, regardless of success or failure.", labelNames: ["grpc_type", "grpc_service", "grpc_method", "grpc_code"], registers: [this.registry] });
  private hadLeader = false;

  constructor(version: string, gauges: { dbSize(): number; dbSizeInUse(): number; keys(): number; watchers(): number; isLeader(): boolean }) {
    const r = [this.registry];
    new client.Gauge({ name: "etcd_server_version", help: "Which version is running. 1 for 'server_version' label with current version.", labelNames: ["server_version"], registers: r }).set({ server_version: version }, 1);
    new client.Gauge({ name: "etcd_mvcc_db_total_size_in_bytes", help: "Total size of the underlying database physically allocated in bytes.", registers: r, collect() { this.set(gauges.dbSize()); } });
    new client.Gauge({ name: "etcd_mvcc_db_total_size_in_use_in_bytes", help: "Total size of the underlying database logically in use in bytes.", registers: r, collect() { this.set(gauges.dbSizeInUse()); } });
    new client.Gauge({ name: "etcd_debugging_mvcc_keys_total", help: "Total number of keys.", registers: r, collect() { this.set(gauges.keys()); } });
    new client.Gauge({ name: "etcd_debugging_mvcc_watcher_total", help: "Total number of watchers.", registers: r, collect() { this.set(gauges.watchers()); } });
    new client.Gauge({ name: "etcd_server_is_leader", help: "Whether or not this member is a leader. 1 if is, 0 otherwise.", registers: r, collect() { this.set(gauges.isLeader() ? 1 : 0); } });
    client.collectDefaultMetrics({ register: this.registry });
  }

  walFsync(seconds: number): void {
    this.fsync.observe(seconds);
  }

  leaderChanged(has: boolean): void {
    this.hasLeader.set(has ? 1 : 0);
    // etcd counts every time a leader appears, the first election included.
    if (has && !this.hadLeader) this.leaderChanges.inc();
    this.hadLeader = has;
  }

  proposed(): void {
    this.pending.inc();
  }

  /** A proposal was answered (applied) or gave up (timed out, dropped). */
  proposalDone(ok: boolean): void {
    this.pending.dec();
    if (!ok) this.failed.inc();
  }

  applied(n: number): void {
    this.committed.inc(n);
    this.appliedG.inc(n);
  }
}
