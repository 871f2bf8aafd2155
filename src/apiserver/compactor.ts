import { create } from "@bufbuild/protobuf";
import {
  CompactionRequestSchema, CompareSchema, Compare_CompareResult, Compare_CompareTarget, PutRequestSchema, RangeRequestSchema, RequestOpSchema, TxnRequestSchema,
} from "../store/api/gen/rpc_pb.js";
import type { EtcdClient } from "../store/client/types.js";

/**
 * etcd compaction as kube-apiserver does it: every interval, compact to the revision seen one
 * interval earlier, so about one interval of history stays for watches and lists. Several API
 * servers over one etcd agree through the `compact_rev_key` key (a compare on its version), so
 * only one of them compacts each round.
 */
const key = new TextEncoder().encode("compact_rev_key");

export function startCompactor(etcd: EtcdClient, intervalMs: number, log: (m: string) => void): () => void {
  let lastVersion = 0n;
  let lastRev = 0n;
  let stopped = false;
  const round = async () => {
    // Record the current revision if nobody else did since our last look.
    const cur = await etcd.range(create(RangeRequestSchema, { key }));
    const txn = await etcd.txn(create(TxnRequestSchema, {
      compare: [create(CompareSchema, { key, target: Compare_CompareTarget.VERSION, result: Compare_CompareResult.EQUAL, targetUnion: { case: "version", value: lastVersion } })],
      success: [create(RequestOpSchema, { request: { case: "requestPut", value: create(PutRequestSchema, { key, value: new TextEncoder().encode(String(cur.header?.revision ?? 0n)) }) } })],
      failure: [create(RequestOpSchema, { request: { case: "requestRange", value: create(RangeRequestSchema, { key }) } })],
    }));
    const rev = txn.header?.revision ?? 0n;
    if (!txn.succeeded) {
      const kv = txn.responses[0]?.response.case === "responseRange" ? txn.responses[0].response.value.kvs[0] : undefined;
      lastVersion = kv?.version ?? 0n;
      return;
    }
    lastVersion += 1n;
    if (lastRev > 0n) {
      try {
        await etcd.compact(create(CompactionRequestSchema, { revision: lastRev }));
      } catch (e) {
        // Already compacted past it (another server, or etcdctl): fine.
        log(`compaction to ${lastRev}: ${(e as Error).message}`);
      }
    }
    lastRev = rev;
  };
  const timer = setInterval(() => {
    if (!stopped) round().catch((e: unknown) => log(`compaction round failed: ${(e as Error).message}`));
  }, intervalMs);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
