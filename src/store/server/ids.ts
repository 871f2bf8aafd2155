import { createHash } from "node:crypto";

// Member and cluster ids computed the way etcd computes them for a new cluster, so the same
// flags give the same ids as a real etcd (e.g. http://localhost:2380 + "etcd-cluster").

const first8 = (b: Buffer): bigint => b.readBigUInt64BE(0);

/** sha1(sorted peer URLs joined + cluster token), first 8 bytes. */
export function memberId(peerUrls: string[], clusterToken: string): bigint {
  const joined = [...peerUrls].sort().join("") + clusterToken;
  return first8(createHash("sha1").update(joined).digest());
}

/** sha1(sorted member ids, 8 bytes big-endian each), first 8 bytes. */
export function clusterId(memberIds: bigint[]): bigint {
  const sorted = [...memberIds].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const b = Buffer.alloc(8 * sorted.length);
  sorted.forEach((id, i) => b.writeBigUInt64BE(id, 8 * i));
  return first8(createHash("sha1").update(b).digest());
}
