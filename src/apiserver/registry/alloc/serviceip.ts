/** IPv4 CIDR arithmetic for the service ClusterIP range. */

export function parseCIDR(cidr: string): { base: number; bits: number } {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr.trim());
  if (!m) throw new Error(`invalid CIDR address: ${cidr}`);
  const parts = m.slice(1, 5).map(Number);
  const bits = Number(m[5]);
  if (parts.some((p) => p > 255) || bits > 32) throw new Error(`invalid CIDR address: ${cidr}`);
  const ip = ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return { base: (ip & mask) >>> 0, bits };
}

export function ipToString(n: number): string {
  return [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

export function ipToNumber(ip: string): number | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(ip);
  if (!m) return undefined;
  const p = m.slice(1).map(Number);
  if (p.some((x) => x > 255)) return undefined;
  return ((p[0]! << 24) | (p[1]! << 16) | (p[2]! << 8) | p[3]!) >>> 0;
}

/** The `kubernetes` Service's ClusterIP: the first address after the network address. */
export function firstServiceIP(cidr: string): string {
  return ipToString(parseCIDR(cidr).base + 1);
}

/** Whether `ip` is inside `cidr` and usable (not the network or broadcast address). */
export function inRange(cidr: string, ip: string): boolean {
  const { base, bits } = parseCIDR(cidr);
  const n = ipToNumber(ip);
  if (n === undefined) return false;
  const size = 2 ** (32 - bits);
  return n > base && n < base + size - 1;
}

export function rangeSize(cidr: string): number {
  return 2 ** (32 - parseCIDR(cidr).bits);
}
