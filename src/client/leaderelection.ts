/**
 * Leader election over a coordination.k8s.io/v1 Lease, as client-go's leaderelection: try to
 * acquire every retryPeriod; a lease held by another is taken only after it has not changed for
 * leaseDuration by this candidate's own clock (clocks of candidates are never compared); the
 * leader renews every retryPeriod and gives up when it could not renew for renewDeadline; on
 * stop it releases the lease (holder cleared) so another candidate takes over at once.
 */
import { R } from "./resources.js";
import { isConflict, isNotFound, realClock, type ApiClient, type Clock, type KObject } from "./types.js";
import { log as defaultLog, type Logger } from "../util/log.js";
import { sleep } from "./sleep.js";

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

export interface Lease extends KObject {
  spec?: LeaseSpec;
}

export interface LeaderElectionConfig {
  client: ApiClient;
  namespace: string;
  name: string;
  /** Unique per candidate: kube uses `<hostname>_<uuid>`. */
  identity: string;
  leaseDurationSeconds?: number;
  renewDeadlineSeconds?: number;
  retryPeriodSeconds?: number;
  /** Release the lease when the signal aborts (default true, as kube's components do). */
  releaseOnCancel?: boolean;
  clock?: Clock;
  log?: Logger;
  /** Called once leadership is acquired; `signal` aborts when it is lost or the election stops. */
  onStartedLeading(signal: AbortSignal): void | Promise<void>;
  /** Called when leadership that was held ends (lost, or released on stop). */
  onStoppedLeading?(): void;
  /** Called when a (new) leader is observed, including this candidate. */
  onNewLeader?(identity: string): void;
  signal: AbortSignal;
}

/** metav1.MicroTime's wire form: RFC 3339 with exactly six fractional digits. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

/** client-go's JitterFactor: waits between tries are retryPeriod * [1, 2.2). */
const JITTER_FACTOR = 1.2;
const jitter = (ms: number): number => ms * (1 + Math.random() * JITTER_FACTOR);

/** kube-controller-manager's and kube-scheduler's --leader-elect-* defaults. */
export const LEADER_ELECTION_DEFAULTS = { leaseDurationSeconds: 15, renewDeadlineSeconds: 10, retryPeriodSeconds: 2 } as const;

export interface LeaderElectionTiming {
  leaseDurationSeconds: number;
  renewDeadlineSeconds: number;
  retryPeriodSeconds: number;
}

/** What is wrong with a timing, worded as client-go's NewLeaderElector; undefined when it is valid. */
export function leaderElectionTimingError(t: LeaderElectionTiming): string | undefined {
  if (t.leaseDurationSeconds <= t.renewDeadlineSeconds) return "leaseDuration must be greater than renewDeadline";
  if (t.renewDeadlineSeconds <= JITTER_FACTOR * t.retryPeriodSeconds) return "renewDeadline must be greater than retryPeriod*JitterFactor";
  if (!(t.leaseDurationSeconds > 0)) return "leaseDuration must be greater than zero";
  if (!(t.renewDeadlineSeconds > 0)) return "renewDeadline must be greater than zero";
  if (!(t.retryPeriodSeconds > 0)) return "retryPeriod must be greater than zero";
  return undefined;
}

/**
 * Campaigns until leading, leads until leadership is lost or the signal aborts, then resolves
 * (as client-go's Run: to campaign again, call it again).
 */
export async function runLeaderElection(c: LeaderElectionConfig): Promise<void> {
  const leaseDuration = c.leaseDurationSeconds ?? LEADER_ELECTION_DEFAULTS.leaseDurationSeconds;
  const renewDeadline = (c.renewDeadlineSeconds ?? LEADER_ELECTION_DEFAULTS.renewDeadlineSeconds) * 1000;
  const retryPeriod = (c.retryPeriodSeconds ?? LEADER_ELECTION_DEFAULTS.retryPeriodSeconds) * 1000;
  const invalid = leaderElectionTimingError({ leaseDurationSeconds: leaseDuration, renewDeadlineSeconds: renewDeadline / 1000, retryPeriodSeconds: retryPeriod / 1000 });
  if (invalid) throw new Error(`leader election: ${invalid}`);
  const clock = c.clock ?? realClock;
  const log = c.log ?? defaultLog;
  const elector = new Elector(c, clock, leaseDuration, log);

  // Campaign.
  while (!c.signal.aborted) {
    if (await elector.tryAcquireOrRenew()) break;
    await sleep(jitter(retryPeriod), c.signal);
  }
  if (c.signal.aborted) return;

  log.info("leader election: acquired lease", { lease: `${c.namespace}/${c.name}`, identity: c.identity });
  const leading = new AbortController();
  const stopLeading = (): void => leading.abort();
  c.signal.addEventListener("abort", stopLeading, { once: true });
  void Promise.resolve()
    .then(() => c.onStartedLeading(leading.signal))
    .catch((e: unknown) => log.error("leader election: onStartedLeading failed", { error: String(e) }));

  // Renew.
  let lastRenew = clock.now();
  while (!leading.signal.aborted) {
    await sleep(retryPeriod, leading.signal);
    if (leading.signal.aborted) break;
    if (await elector.tryAcquireOrRenew()) lastRenew = clock.now();
    else if (!elector.isLeader() || clock.now() - lastRenew > renewDeadline) {
      log.warn("leader election: lost lease", { lease: `${c.namespace}/${c.name}`, identity: c.identity });
      break;
    }
  }
  c.signal.removeEventListener("abort", stopLeading);
  leading.abort();
  if (c.signal.aborted && (c.releaseOnCancel ?? true)) await elector.release();
  c.onStoppedLeading?.();
}

class Elector {
  private observed: LeaseSpec | undefined;
  private observedRaw = "";
  /** When this candidate (by its clock) last saw the lease record change. */
  private observedAt = 0;
  private lease: Lease | undefined;
  private reportedLeader = "";

  constructor(
    private readonly c: LeaderElectionConfig,
    private readonly clock: Clock,
    private readonly leaseDuration: number,
    private readonly log: Logger,
  ) {}

  isLeader(): boolean {
    return this.observed?.holderIdentity === this.c.identity;
  }

  async tryAcquireOrRenew(): Promise<boolean> {
    const now = this.clock.now();
    const mine: LeaseSpec = {
      holderIdentity: this.c.identity,
      // Whole seconds on the wire, as client-go writes int32(LeaseDuration / time.Second).
      leaseDurationSeconds: Math.max(1, Math.trunc(this.leaseDuration)),
      acquireTime: microTime(now),
      renewTime: microTime(now),
      leaseTransitions: 0,
    };
    const { client, namespace, name } = this.c;
    let cur: Lease;
    try {
      cur = await client.get<Lease>(R.leases, namespace, name);
    } catch (e) {
      if (!isNotFound(e)) {
        this.warn("get", e);
        return false;
      }
      try {
        const created = await client.create<Lease>(R.leases, namespace, { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name, namespace }, spec: mine });
        this.observe(created, this.clock.now());
        return true;
      } catch (e2) {
        this.warn("create", e2);
        return false;
      }
    }
    const spec = cur.spec ?? {};
    const raw = JSON.stringify(spec);
    if (raw !== this.observedRaw) this.observe(cur, now);
    else this.lease = cur;
    const holder = spec.holderIdentity ?? "";
    const expired = this.observedAt + (spec.leaseDurationSeconds ?? this.leaseDuration) * 1000 <= now;
    if (holder !== "" && holder !== this.c.identity && !expired) return false;

    if (holder === this.c.identity) {
      mine.acquireTime = spec.acquireTime ?? mine.acquireTime;
      mine.leaseTransitions = spec.leaseTransitions ?? 0;
    } else {
      mine.leaseTransitions = (spec.leaseTransitions ?? 0) + 1;
    }
    try {
      const updated = await client.update<Lease>(R.leases, { ...cur, spec: { ...spec, ...mine } });
      this.observe(updated, this.clock.now());
      return true;
    } catch (e) {
      // Another candidate wrote first: it is the leader until its lease expires.
      if (!isConflict(e)) this.warn("update", e);
      return false;
    }
  }

  /** Clears the holder (client-go: duration 1 s, times now) so another candidate need not wait for expiry. */
  async release(): Promise<void> {
    if (!this.isLeader() || !this.lease) return;
    const now = microTime(this.clock.now());
    try {
      await this.c.client.update<Lease>(R.leases, {
        ...this.lease,
        spec: { holderIdentity: "", leaseDurationSeconds: 1, acquireTime: now, renewTime: now, leaseTransitions: this.observed?.leaseTransitions ?? 0 },
      });
      this.observed = undefined;
    } catch (e) {
      this.warn("release", e);
    }
  }

  private observe(lease: Lease, at: number): void {
    this.lease = lease;
    this.observed = lease.spec ?? {};
    this.observedRaw = JSON.stringify(this.observed);
    this.observedAt = at;
    const holder = this.observed.holderIdentity ?? "";
    if (holder && holder !== this.reportedLeader) {
      this.reportedLeader = holder;
      this.c.onNewLeader?.(holder);
    }
  }

  private warn(what: string, e: unknown): void {
    this.log.warn(`leader election: ${what} lease failed`, { lease: `${this.c.namespace}/${this.c.name}`, identity: this.c.identity, error: (e as Error).message });
  }
}
