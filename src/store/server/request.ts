import { fromBinary, toBinary, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import {
  AlarmRequestSchema, CompactionRequestSchema, DeleteRangeRequestSchema, LeaseGrantRequestSchema,
  LeaseRevokeRequestSchema, PutRequestSchema, TxnRequestSchema,
} from "../api/gen/rpc_pb.js";
import { encodeTxnRequest } from "../api/txnwire.js";

/**
 * What a raft log entry carries (etcd's InternalRaftRequest, in a smaller form): one byte of kind,
 * an 8-byte request id that wakes the proposer when the entry applies, and the client's request
 * in its protobuf encoding. The proposer keeps the decoded request, so the leader never decodes
 * its own entries again; replay after a restart decodes them.
 */
export const requestKinds = {
  put: { code: 1, schema: PutRequestSchema },
  deleteRange: { code: 2, schema: DeleteRangeRequestSchema },
  txn: { code: 3, schema: TxnRequestSchema },
  compaction: { code: 4, schema: CompactionRequestSchema },
  leaseGrant: { code: 5, schema: LeaseGrantRequestSchema },
  leaseRevoke: { code: 6, schema: LeaseRevokeRequestSchema },
  alarm: { code: 7, schema: AlarmRequestSchema },
} as const;

export type RequestKind = keyof typeof requestKinds;
type Schema<K extends RequestKind> = (typeof requestKinds)[K]["schema"];
export type RequestOf<K extends RequestKind> = MessageShape<Schema<K>>;

export type InternalRequest = { [K in RequestKind]: { kind: K; id: bigint; req: RequestOf<K> } }[RequestKind];

const byCode = new Map<number, RequestKind>(
  (Object.keys(requestKinds) as RequestKind[]).map((k) => [requestKinds[k].code, k]),
);

const headerLen = 9;

/**
 * Decoding limits for client requests. Txns nest three messages deep per level and etcd accepts
 * nesting until its op budget (--max-txn-ops) runs out, about 128 levels; protobuf-es stops at
 * depth 100 by default. The API decodes with the same limit the log replay uses, so nothing
 * accepted can fail to decode after a restart.
 */
export const requestDecodeOptions = { recursionLimit: 1000 } as const;

/** The entry for a request; its 8-byte id is hi (a per-run tag) and lo (a counter), 32 bits each. */
export function encodeRequest(r: InternalRequest, raw: Uint8Array | undefined, hi: number, lo: number): Uint8Array {
  // In-process txns (the API server's writes) have no wire bytes: encoded by hand, in place.
  let out = raw === undefined && r.kind === "txn" ? encodeTxnRequest(r.req, headerLen) : undefined;
  if (out === undefined) {
    const body = raw ?? toBinary(requestKinds[r.kind].schema as DescMessage, r.req);
    // Not from Node's shared 8 KiB pool: raft keeps entries in memory until a snapshot, and a
    // pooled slice would keep its whole pool block alive (measured: 8 KiB per 2.8 KiB entry).
    out = Buffer.allocUnsafeSlow(headerLen + body.length);
    out.set(body, headerLen);
  }
  out[0] = requestKinds[r.kind].code;
  out.writeUInt32BE(hi, 1);
  out.writeUInt32BE(lo, 5);
  return out;
}

/** The id's high half (see encodeRequest). */
export function requestIdHi(data: Uint8Array): number {
  return ((data[1]! << 24) | (data[2]! << 16) | (data[3]! << 8) | data[4]!) >>> 0;
}

/** The id's low half. */
export function requestIdLo(data: Uint8Array): number {
  return ((data[5]! << 24) | (data[6]! << 16) | (data[7]! << 8) | data[8]!) >>> 0;
}

/** Reads kind and id only. */
export function peekRequest(data: Uint8Array): { kind: RequestKind; id: bigint } {
  const kind = byCode.get(data[0]!);
  if (!kind || data.length < headerLen) throw new Error(`corrupt raft entry: kind ${data[0]}`);
  return { kind, id: Buffer.from(data.buffer, data.byteOffset, data.byteLength).readBigUInt64BE(1) };
}

export function decodeRequest(data: Uint8Array): InternalRequest {
  const { kind, id } = peekRequest(data);
  const req = fromBinary(requestKinds[kind].schema as DescMessage, data.subarray(headerLen), requestDecodeOptions);
  return { kind, id, req } as InternalRequest;
}
