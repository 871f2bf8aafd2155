import { fromBinary, toBinary, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import {
  AlarmRequestSchema, CompactionRequestSchema, DeleteRangeRequestSchema, LeaseGrantRequestSchema,
  LeaseRevokeRequestSchema, PutRequestSchema, TxnRequestSchema,
} from "../api/gen/rpc_pb.js";

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

export function encodeRequest(r: InternalRequest, raw?: Uint8Array): Uint8Array {
  const body = raw ?? toBinary(requestKinds[r.kind].schema as DescMessage, r.req);
  // Not from Node's shared 8 KiB pool: raft keeps entries in memory until a snapshot, and a
  // pooled slice would keep its whole pool block alive (measured: 8 KiB per 2.8 KiB entry).
  const out = Buffer.allocUnsafeSlow(headerLen + body.length);
  out[0] = requestKinds[r.kind].code;
  out.writeBigUInt64BE(r.id, 1);
  out.set(body, headerLen);
  return out;
}

/** Reads kind and id only (the leader looks up the decoded request by id). */
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
