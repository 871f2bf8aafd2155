/**
 * IPv4 arithmetic for simulated nodes: each node's pod CIDR (what kube's nodeipam range
 * allocator would hand out), its InternalIP, and a per-node pool of pod IPs.
 */

export function parseIPv4(s: string): number {
  const parts = s.split(".");
  if (parts.length !== 4) throw new Error(`invalid IPv4 address ${JSON.stringify(s)}`);
  let n = 0;
  for (const p of parts) {
    const b = Number(p);
    if (!/^\d{1,3}$/.test(p) || b > 255) throw new Error(`invalid IPv4 address ${JSON.stringify(s)}`);
    n = n * 256 + b;
  }
  return n;
}

export function formatIPv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

export interface CIDR {
  /** Network address as an unsigned 32-bit number. */
  base: number;
  prefix: number;
}

export function parseCIDR(s: string): CIDR {
  const [ip, bits] = s.split("/");
  const prefix = Number(bits);
  if (ip === undefined || bits === undefined || !/^\d{1,2}$/.test(bits) || prefix > 32) throw new Error(`invalid CIDR ${JSON.stringify(s)}`);
  const size = 2 ** (32 - prefix);
  return { base: Math.floor(parseIPv4(ip) / size) * size, prefix };
}

export const formatCIDR = (c: CIDR): string => `${formatIPv4(c.base)}/${c.prefix}`;

/**
 * The index-th (0-based) subnet of `maskSize` bits carved from `clusterCIDR`, in order, as
 * nodeipam's range allocator does. Past the end of the cluster CIDR it keeps counting into the
 * following addresses rather than failing, so that more nodes than a /16 holds still start; the
 * README says so.
 */
export function subnetAt(clusterCIDR: string, index: number, maskSize = 24): string {
  const c = parseCIDR(clusterCIDR);
  if (maskSize < c.prefix) throw new Error(`node mask /${maskSize} is larger than the cluster CIDR ${clusterCIDR}`);
  const base = c.base + index * 2 ** (32 - maskSize);
  if (base >= 2 ** 32) throw new Error(`no pod CIDR left for node index ${index} in ${clusterCIDR}`);
  return formatCIDR({ base, prefix: maskSize });
}

/** base + offset, for node InternalIPs (node-1 gets base+1). */
export function addressAt(base: string, offset: number): string {
  const n = parseIPv4(base) + offset;
  if (n >= 2 ** 32) throw new Error(`address ${base}+${offset} is out of range`);
  return formatIPv4(n);
}

/**
 * The pod IPs of one node's CIDR. The network address, the first host (the bridge/gateway in
 * CNI's host-local IPAM) and the broadcast address are never handed out. Owners are pod UIDs,
 * so a pod asking twice gets the same address.
 */
export class IpPool {
  private readonly byOwner = new Map<string, number>();
  private readonly used = new Set<number>();
  private readonly first: number;
  private readonly last: number;
  private next: number;

  constructor(readonly cidr: string) {
    const c = parseCIDR(cidr);
    const size = 2 ** (32 - c.prefix);
    this.first = size >= 4 ? c.base + 2 : c.base;
    this.last = size >= 4 ? c.base + size - 2 : c.base + size - 1;
    this.next = this.first;
  }

  /** An address for `owner`: its own if it has one, else the next free one (round robin, so a freed address is not reused at once). */
  allocate(owner: string): string | undefined {
    const had = this.byOwner.get(owner);
    if (had !== undefined) return formatIPv4(had);
    const span = this.last - this.first + 1;
    for (let i = 0; i < span; i++) {
      const n = this.first + ((this.next - this.first + i) % span);
      if (this.used.has(n)) continue;
      this.used.add(n);
      this.byOwner.set(owner, n);
      this.next = n + 1 > this.last ? this.first : n + 1;
      return formatIPv4(n);
    }
    return undefined;
  }

  /** Records an address already in a pod's status (after a restart). False when it is outside the pool or held by another owner. */
  reserve(owner: string, ip: string): boolean {
    let n: number;
    try {
      n = parseIPv4(ip);
    } catch {
      return false;
    }
    if (n < this.first || n > this.last) return false;
    if (this.byOwner.get(owner) === n) return true;
    if (this.used.has(n) || this.byOwner.has(owner)) return false;
    this.used.add(n);
    this.byOwner.set(owner, n);
    return true;
  }

  release(owner: string): void {
    const n = this.byOwner.get(owner);
    if (n === undefined) return;
    this.byOwner.delete(owner);
    this.used.delete(n);
  }

  get size(): number {
    return this.used.size;
  }
}
