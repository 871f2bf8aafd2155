import { crc32c } from "../wal/index.js";
import type { Backend } from "../mvcc/backend.js";
import { ErrCompacted, ErrFutureRev } from "../mvcc/errors.js";
import { revKey } from "../mvcc/keyIndex.js";
import type { KvStore } from "../mvcc/kvstore.js";
import { bytesToRev, revStartBytes } from "../mvcc/revision.js";

const keyBucketName = Buffer.from("key");

/**
 * etcd's HashKV: CRC-32C over "key" and then each stored (revision, KeyValue) pair up to rev,
 * skipping history compaction has scheduled away. Because the stored bytes match etcd's, the
 * hash matches a real etcd holding the same history.
 */
export function hashKV(kv: KvStore, want: number): { hash: number; currentRev: number; compactRev: number; rev: number } {
  const compactRev = kv.compactMainRev;
  const currentRev = kv.currentRev;
  if (want > 0 && want <= compactRev) throw new ErrCompacted();
  if (want > 0 && want > currentRev) throw new ErrFutureRev();
  const rev = want === 0 ? currentRev : want;
  const keep = kv.index.keep(rev);
  let h = crc32c(0, keyBucketName);
  kv.backend.forEach("key", undefined, revStartBytes(rev + 1), (k, v) => {
    const r = bytesToRev(k);
    if (r.main <= compactRev && keep.size > 0 && !keep.has(revKey(r))) return;
    h = crc32c(h, k);
    h = crc32c(h, v);
  });
  return { hash: h >>> 0, currentRev, compactRev, rev };
}

/** A hash of the whole backend (etcd hashes its bbolt file's buckets; ours differ, so only self-consistent). */
export function hashAll(b: Backend): number {
  let h = 0;
  for (const bucket of ["alarm", "key", "lease"] as const) {
    h = crc32c(h, Buffer.from(bucket));
    b.forEach(bucket, undefined, undefined, (k, v) => {
      h = crc32c(h, k);
      h = crc32c(h, v);
    });
  }
  return h >>> 0;
}
