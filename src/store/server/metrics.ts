import client from "prom-client";

/**
 * The store's Prometheus metrics under etcd's names (operators' dashboards and alerts use them).
 * One registry per member, served on /metrics.
 */
/**
 * A histogram kept as plain numbers (prom-client's observe allocates a closure and label objects
 * per call; the WAL observes once per fdatasync), exported in prom-client's histogram form.
 */
class PlainHistogram {
  readonly type = "histogram";
  readonly aggregator = "sum";
  private counts: Float64Array;
  private sum = 0;
  private count = 0;

  constructor(readonly name: string, readonly help: string, private readonly bounds: number[], registry: client.Registry) {
    this.counts = new Float64Array(bounds.length);
    registry.registerMetric(this as unknown as client.Metric);
  }

  observe(v: number): void {
    this.sum += v;
    this.count++;
    const b = this.bounds;
    for (let i = 0; i < b.length; i++) {
      if (v <= b[i]!) {
        this.counts[i]!++;
        return;
      }
    }
  }

  reset(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
  }

  get(): { name: string; help: string; type: client.MetricType; values: client.MetricValueWithName<string>[]; aggregator: string } {
    const bucket = `${this.name}_bucket`;
    const values: client.MetricValueWithName<string>[] = [];
    let acc = 0;
    for (let i = 0; i < this.bounds.length; i++) {
      acc += this.counts[i]!;
      values.push({ labels: { le: this.bounds[i]! }, value: acc, metricName: bucket });
    }
    values.push({ labels: { le: "+Inf" }, value: this.count, metricName: bucket });
    values.push({ labels: {}, value: this.sum, metricName: `${this.name}_sum` });
    values.push({ labels: {}, value: this.count, metricName: `${this.name}_count` });
    return { name: this.name, help: this.help, type: "histogram" as unknown as client.MetricType, values, aggregator: "sum" };
  }
}

/** The transport's per-method unary call counts, by method path. */
export type UnaryCallCounts = () => Map<string, { started: number; ok: number; failed: Map<number, number> }>;

/**
 * The store's Prometheus metrics under etcd's names (operators' dashboards and alerts use them).
 * One registry per member, served on /metrics. What changes per request is kept in plain numbers
 * and handed to prom-client when scraped: its inc/observe allocate on every call.
 */
export class StoreMetrics {
  readonly registry = new client.Registry();
  private hasLeader = new client.Gauge({ name: "etcd_server_has_leader", help: "Whether or not a leader exists. 1 is existence, 0 is not.", registers: [this.registry] });
  private leaderChanges = new client.Counter({ name: "etcd_server_leader_changes_seen_total", help: "The number of leader changes seen.", registers: [this.registry] });
  private nCommitted = 0;
  private nApplied = 0;
  private nPending = 0;
  private nFailed = 0;
  private fsync: PlainHistogram;
  readonly backendCommit: client.Histogram;
  private hadLeader = false;
  private unaryCounts: UnaryCallCounts = () => new Map();

  constructor(version: string, gauges: { dbSize(): number; dbSizeInUse(): number; keys(): number; watchers(): number; isLeader(): boolean }) {
    const r = [this.registry];
    const self = this;
    new client.Gauge({ name: "etcd_server_proposals_committed_total", help: "The total number of consensus proposals committed.", registers: r, collect() { this.set(self.nCommitted); } });
    new client.Gauge({ name: "etcd_server_proposals_applied_total", help: "The total number of consensus proposals applied.", registers: r, collect() { this.set(self.nApplied); } });
    new client.Gauge({ name: "etcd_server_proposals_pending", help: "The current number of pending proposals to commit.", registers: r, collect() { this.set(self.nPending); } });
    new client.Counter({ name: "etcd_server_proposals_failed_total", help: "The total number of failed proposals seen.", registers: r, collect() { this.reset(); this.inc(self.nFailed); } });
    this.fsync = new PlainHistogram("etcd_disk_wal_fsync_duration_seconds", "The latency distributions of fsync called by WAL.", client.exponentialBuckets(0.001, 2, 14), this.registry);
    this.backendCommit = new client.Histogram({
      name: "etcd_disk_backend_commit_duration_seconds",
      help: "The latency distributions of commit called by backend.",
      buckets: client.exponentialBuckets(0.001, 2, 14),
      registers: r,
    });
    new client.Counter({
      name: "grpc_server_started_total", help: "Total number of RPCs started on the server.", labelNames: ["grpc_type", "grpc_service", "grpc_method"], registers: r,
      collect() {
        this.reset();
        for (const [path, c] of self.unaryCounts()) if (c.started > 0) this.inc(methodLabels(path), c.started);
      },
    });
    new client.Counter({
      name: "grpc_server_handled_total", help: "Total number of RPCs completed on the server, regardless of success or failure.", labelNames: ["grpc_type", "grpc_service", "grpc_method", "grpc_code"], registers: r,
      collect() {
        this.reset();
        for (const [path, c] of self.unaryCounts()) {
          if (c.ok > 0) this.inc({ ...methodLabels(path), grpc_code: "OK" }, c.ok);
          for (const [code, n] of c.failed) this.inc({ ...methodLabels(path), grpc_code: codeName(code) }, n);
        }
      },
    });
    new client.Gauge({ name: "etcd_server_version", help: "Which version is running. 1 for 'server_version' label with current version.", labelNames: ["server_version"], registers: r }).set({ server_version: version }, 1);
    new client.Gauge({ name: "etcd_mvcc_db_total_size_in_bytes", help: "Total size of the underlying database physically allocated in bytes.", registers: r, collect() { this.set(gauges.dbSize()); } });
    new client.Gauge({ name: "etcd_mvcc_db_total_size_in_use_in_bytes", help: "Total size of the underlying database logically in use in bytes.", registers: r, collect() { this.set(gauges.dbSizeInUse()); } });
    new client.Gauge({ name: "etcd_debugging_mvcc_keys_total", help: "Total number of keys.", registers: r, collect() { this.set(gauges.keys()); } });
    new client.Gauge({ name: "etcd_debugging_mvcc_watcher_total", help: "Total number of watchers.", registers: r, collect() { this.set(gauges.watchers()); } });
    new client.Gauge({ name: "etcd_server_is_leader", help: "Whether or not this member is a leader. 1 if is, 0 otherwise.", registers: r, collect() { this.set(gauges.isLeader() ? 1 : 0); } });
    client.collectDefaultMetrics({ register: this.registry });
  }

  /** Where grpc_server_started_total / grpc_server_handled_total read their counts (the API sets it). */
  countUnaryCalls(fn: UnaryCallCounts): void {
    this.unaryCounts = fn;
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
    this.nPending++;
  }

  /** A proposal was answered (applied) or gave up (timed out, dropped). */
  proposalDone(ok: boolean): void {
    this.nPending--;
    if (!ok) this.nFailed++;
  }

  applied(n: number): void {
    this.nCommitted += n;
    this.nApplied += n;
  }
}

const labelCache = new Map<string, { grpc_type: string; grpc_service: string; grpc_method: string }>();

function methodLabels(path: string): { grpc_type: string; grpc_service: string; grpc_method: string } {
  let l = labelCache.get(path);
  if (!l) {
    const [, service = "", method = ""] = path.split("/");
    l = { grpc_type: "unary", grpc_service: service, grpc_method: method };
    labelCache.set(path, l);
  }
  return l;
}

/** grpc-go's names for status codes (the grpc_code label). */
const codeNames: Record<number, string> = {
  0: "OK", 1: "Canceled", 2: "Unknown", 3: "InvalidArgument", 4: "DeadlineExceeded", 5: "NotFound",
  6: "AlreadyExists", 7: "PermissionDenied", 8: "ResourceExhausted", 9: "FailedPrecondition", 10: "Aborted",
  11: "OutOfRange", 12: "Unimplemented", 13: "Internal", 14: "Unavailable", 15: "DataLoss", 16: "Unauthenticated",
};
function codeName(code: number): string {
  return codeNames[code] ?? String(code);
}
