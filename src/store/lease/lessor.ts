import type { Backend } from "../mvcc/backend.js";
import type { LeaseLink } from "../mvcc/kvstore.js";

export class ErrLeaseNotFound extends Error {
  constructor() {
    super("lease not found");
  }
}
export class ErrLeaseExists extends Error {
  constructor() {
    super("lease already exists");
  }
}
export class ErrLeaseTTLTooLarge extends Error {
  constructor() {
    super("too large lease TTL");
  }
}

/** etcd's ceiling on a lease TTL, in seconds. */
export const maxLeaseTTL = 9_000_000_000;

export interface Lease {
  id: bigint;
  /** Granted TTL in seconds (after raising it to the minimum). */
  ttl: number;
  /** When it expires (ms, on the lessor's clock); Infinity while this member is not the leader. */
  expiry: number;
  keys: Set<string>;
  /** When a revoke for it was last proposed (ms), so expiry is not proposed again at once. */
  revokeProposedAt: number;
}

function idBytes(id: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(id);
  return b;
}

/**
 * Leases as etcd keeps them. Grants and revokes arrive through the raft log (so every member
 * agrees); the clock only runs on the leader, which proposes a revoke when a lease expires.
 * The backend keeps id and granted TTL; at start-up every lease gets its full TTL again.
 */
export class Lessor implements LeaseLink {
  private leases = new Map<bigint, Lease>();
  private keyLease = new Map<string, bigint>();
  private primary = false;

  constructor(
    private readonly backend: Backend,
    readonly minTTL: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    backend.forEach("lease", undefined, undefined, (k, v) => {
      const id = k.readBigInt64BE(0);
      const ttl = Number(Buffer.from(v).readBigInt64BE(0));
      this.leases.set(id, { id, ttl, expiry: Infinity, keys: new Set(), revokeProposedAt: 0 });
    });
  }

  /** Attaches keys found in the store at start-up. */
  restoreKeys(keyLeases: Map<string, bigint>): void {
    for (const [key, id] of keyLeases) this.attach(id, key);
  }

  grant(id: bigint, ttl: number): Lease {
    if (ttl > maxLeaseTTL) throw new ErrLeaseTTLTooLarge();
    if (this.leases.has(id)) throw new ErrLeaseExists();
    if (ttl < this.minTTL) ttl = this.minTTL;
    const l: Lease = { id, ttl, expiry: this.primary ? this.now() + ttl * 1000 : Infinity, keys: new Set(), revokeProposedAt: 0 };
    this.leases.set(id, l);
    const v = Buffer.alloc(8);
    v.writeBigInt64BE(BigInt(ttl));
    this.backend.put("lease", idBytes(id), v);
    return l;
  }

  /** Removes the lease and returns the keys attached to it (the caller deletes them). */
  revoke(id: bigint): string[] {
    const l = this.leases.get(id);
    if (!l) throw new ErrLeaseNotFound();
    const keys = [...l.keys].sort();
    return keys;
  }

  /** Called after the keys of a revoked lease were deleted. */
  forget(id: bigint): void {
    const l = this.leases.get(id);
    if (!l) return;
    for (const k of l.keys) this.keyLease.delete(k);
    this.leases.delete(id);
    this.backend.delete("lease", idBytes(id));
  }

  /** Keep-alive: restarts the TTL. Returns the granted TTL. Only the leader renews. */
  renew(id: bigint): number {
    const l = this.leases.get(id);
    if (!l) throw new ErrLeaseNotFound();
    const now = this.now();
    // An expired lease is as good as revoked (its revoke is proposed or about to be): etcd
    // answers a keep-alive for it with "not found" rather than bringing it back.
    if (l.expiry < now) throw new ErrLeaseNotFound();
    l.expiry = now + l.ttl * 1000;
    return l.ttl;
  }

  lookup(id: bigint): Lease | undefined {
    return this.leases.get(id);
  }

  /** Remaining seconds, truncated as etcd reports them. */
  remaining(l: Lease): number {
    if (l.expiry === Infinity) return l.ttl;
    return Math.max(0, Math.trunc((l.expiry - this.now()) / 1000));
  }

  /** Every lease, soonest expiry first (etcd lists them in that order). */
  list(): Lease[] {
    return [...this.leases.values()].sort((a, b) => (a.expiry === b.expiry ? 0 : a.expiry < b.expiry ? -1 : 1));
  }

  /** This member became leader: every lease gets its full TTL from now. */
  promote(): void {
    this.primary = true;
    const now = this.now();
    for (const l of this.leases.values()) l.expiry = now + l.ttl * 1000;
  }

  demote(): void {
    this.primary = false;
    for (const l of this.leases.values()) l.expiry = Infinity;
  }

  /** Leases past their expiry that have no revoke in flight (retried after retryMs). */
  expired(limit: number, retryMs = 3000): Lease[] {
    const now = this.now();
    const out: Lease[] = [];
    for (const l of this.leases.values()) {
      if (l.expiry < now && now - l.revokeProposedAt > retryMs) {
        l.revokeProposedAt = now;
        out.push(l);
        if (out.length >= limit) break;
      }
    }
    return out;
  }

  // LeaseLink: MVCC attaches and detaches keys as puts and deletes apply.
  leaseOf(key: string): bigint {
    return this.keyLease.get(key) ?? 0n;
  }

  attach(id: bigint, key: string): void {
    const l = this.leases.get(id);
    if (!l) return;
    l.keys.add(key);
    this.keyLease.set(key, id);
  }

  detach(id: bigint, key: string): void {
    this.leases.get(id)?.keys.delete(key);
    if (this.keyLease.get(key) === id) this.keyLease.delete(key);
  }
}
