import { create, fromBinary, toBinary, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import {
  AlarmRequestSchema, AlarmResponseSchema, AuthStatusRequestSchema, AuthStatusResponseSchema,
  AuthenticateRequestSchema, AuthenticateResponseSchema, CompactionRequestSchema, CompactionResponseSchema,
  DefragmentRequestSchema, DefragmentResponseSchema, DeleteRangeRequestSchema, DeleteRangeResponseSchema,
  HashKVRequestSchema, HashKVResponseSchema, HashRequestSchema, HashResponseSchema, LeaseGrantRequestSchema,
  LeaseGrantResponseSchema, LeaseLeasesRequestSchema, LeaseLeasesResponseSchema, LeaseRevokeRequestSchema,
  LeaseRevokeResponseSchema, LeaseStatusSchema, LeaseTimeToLiveRequestSchema, LeaseTimeToLiveResponseSchema,
  MemberListRequestSchema, MemberListResponseSchema, MemberSchema, MoveLeaderRequestSchema,
  MoveLeaderResponseSchema, PutRequestSchema, PutResponseSchema, RangeRequestSchema, RangeResponseSchema,
  ResponseHeaderSchema, StatusRequestSchema, StatusResponseSchema, TxnRequestSchema, TxnResponseSchema,
  AlarmType, type ResponseHeader,
} from "./gen/rpc_pb.js";
import { StoreError } from "../errors.js";
import type { Member } from "../server/member.js";
import { storeVersion } from "../server/member.js";
import { toGrpcError } from "./errors.js";
import { GrpcError, Status, type CallContext, type UnaryCall, type UnaryCallHandler } from "./grpc/index.js";
import { checkIntervals, checkPut, checkTxnRequest } from "./validate.js";
import { hashKV, hashAll } from "./hash.js";
import { requestDecodeOptions } from "../server/request.js";
import { decodePutRequest, encodeHeader, encodeHeaderIds, encodePutResponse, encodeRangeResponse } from "./wire.js";
import type { PutApplied } from "../server/member.js";

/** A unary RPC: its schemas and a handler on decoded messages (shared by gRPC and the JSON gateway). */
export interface UnaryMethod<I extends DescMessage = DescMessage, O extends DescMessage = DescMessage> {
  path: string;
  /** The JSON gateway paths (etcd's /v3/...). */
  gateway?: string | string[];
  input: I;
  output: O;
  handle(req: MessageShape<I>, raw: Uint8Array | undefined, ctx: CallContext | undefined): Promise<MessageShape<O>> | MessageShape<O>;
  /** The gRPC path's encoder when a hand-encoded response is worth it (it must equal handle's). */
  handleEncoded?(req: MessageShape<I>): Promise<Uint8Array>;
  /** The gRPC path in callback form, for the hottest writes (answers must equal handle's). */
  handleCall?(req: MessageShape<I>, raw: Uint8Array, call: UnaryCall): void;
  /** A hand-written request decoder; undefined sends the bytes to protobuf-es (and its errors). */
  decode?(bytes: Uint8Array): MessageShape<I> | undefined;
}

function method<I extends DescMessage, O extends DescMessage>(m: UnaryMethod<I, O>): UnaryMethod {
  return m as unknown as UnaryMethod;
}

export interface ServiceOptions {
  maxTxnOps: number;
  clientUrls: string[];
  peerUrls: string[];
}

/** Fills a header as etcd does: ids and term always, revision when the handler left it 0. */
export function fillHeader(m: Member, h: ResponseHeader | undefined): ResponseHeader {
  const hdr = h ?? create(ResponseHeaderSchema);
  hdr.clusterId = m.clusterId;
  hdr.memberId = m.id;
  hdr.raftTerm = BigInt(m.term);
  if (hdr.revision === 0n) hdr.revision = BigInt(m.kv.currentRev);
  return hdr;
}

const notEmpty = (key: Uint8Array) => {
  if (key.length === 0) throw new StoreError("emptyKey");
};

export function unaryMethods(m: Member, opts: ServiceOptions): UnaryMethod[] {
  const headerIds = encodeHeaderIds(m.clusterId, m.id);
  const withHeader = <T extends { header?: ResponseHeader }>(resp: T): T => {
    resp.header = fillHeader(m, resp.header);
    return resp;
  };
  return [
    // --- KV ---
    method({
      path: "/etcdserverpb.KV/Range", gateway: "/v3/kv/range", input: RangeRequestSchema, output: RangeResponseSchema,
      handle: async (r) => {
        notEmpty(r.key);
        return withHeader(await m.range(r));
      },
      handleEncoded: async (r) => {
        notEmpty(r.key);
        const header = (rev: number) => encodeHeader({ clusterId: m.clusterId, memberId: m.id, revision: rev, raftTerm: m.term });
        const res = await m.rangeEncoded(r, header);
        if (res instanceof Uint8Array) return res;
        const { rev, kvs, more, count } = res.kvs;
        return encodeRangeResponse(header(rev), kvs, r.keysOnly, more, count);
      },
    }),
    method({
      path: "/etcdserverpb.KV/Put", gateway: "/v3/kv/put", input: PutRequestSchema, output: PutResponseSchema,
      handle: async (r, raw) => {
        checkPut(r);
        return withHeader(await m.put(r, raw));
      },
      decode: decodePutRequest,
      handleCall: (r, raw, call) => {
        checkPut(r);
        m.putThen(r, raw, (err, res) => {
          if (err !== undefined) call.reject(toGrpcError(err));
          else {
            const a = res as PutApplied;
            call.respond(encodePutResponse(headerIds, a.rev, m.term, a.prev));
          }
        });
      },
    }),
    method({
      path: "/etcdserverpb.KV/DeleteRange", gateway: "/v3/kv/deleterange", input: DeleteRangeRequestSchema, output: DeleteRangeResponseSchema,
      handle: async (r, raw) => {
        notEmpty(r.key);
        return withHeader(await m.propose("deleteRange", r, raw));
      },
    }),
    method({
      path: "/etcdserverpb.KV/Txn", gateway: "/v3/kv/txn", input: TxnRequestSchema, output: TxnResponseSchema,
      handle: async (r, raw) => {
        checkTxnRequest(r, opts.maxTxnOps);
        checkIntervals(r.success);
        checkIntervals(r.failure);
        return withHeader(await m.txn(r, raw));
      },
    }),
    method({
      path: "/etcdserverpb.KV/Compact", gateway: "/v3/kv/compaction", input: CompactionRequestSchema, output: CompactionResponseSchema,
      handle: async (r) => withHeader(await m.propose("compaction", r)),
    }),
    // --- Lease (the keep-alive stream is in lease.ts) ---
    method({
      path: "/etcdserverpb.Lease/LeaseGrant", gateway: "/v3/lease/grant", input: LeaseGrantRequestSchema, output: LeaseGrantResponseSchema,
      handle: async (r) => withHeader(await m.leaseGrant(r)),
    }),
    method({
      path: "/etcdserverpb.Lease/LeaseRevoke", gateway: ["/v3/lease/revoke", "/v3/kv/lease/revoke"], input: LeaseRevokeRequestSchema, output: LeaseRevokeResponseSchema,
      handle: async (r) => withHeader(await m.propose("leaseRevoke", r)),
    }),
    method({
      path: "/etcdserverpb.Lease/LeaseTimeToLive", gateway: ["/v3/lease/timetolive", "/v3/kv/lease/timetolive"], input: LeaseTimeToLiveRequestSchema, output: LeaseTimeToLiveResponseSchema,
      handle: async (r) => {
        await m.linearizableRead();
        const l = m.lessor.lookup(r.ID);
        // An unknown lease is not an error here: TTL -1 (etcdctl prints "already expired").
        if (!l) return withHeader(create(LeaseTimeToLiveResponseSchema, { ID: r.ID, TTL: -1n }));
        return withHeader(create(LeaseTimeToLiveResponseSchema, {
          ID: l.id,
          TTL: BigInt(m.lessor.remaining(l)),
          grantedTTL: BigInt(l.ttl),
          keys: r.keys ? [...l.keys].sort().map((k) => Buffer.from(k, "latin1")) : [],
        }));
      },
    }),
    method({
      path: "/etcdserverpb.Lease/LeaseLeases", gateway: ["/v3/lease/leases", "/v3/kv/lease/leases"], input: LeaseLeasesRequestSchema, output: LeaseLeasesResponseSchema,
      handle: async () => {
        await m.linearizableRead();
        return withHeader(create(LeaseLeasesResponseSchema, { leases: m.lessor.list().map((l) => create(LeaseStatusSchema, { ID: l.id })) }));
      },
    }),
    // --- Cluster ---
    method({
      path: "/etcdserverpb.Cluster/MemberList", gateway: "/v3/cluster/member/list", input: MemberListRequestSchema, output: MemberListResponseSchema,
      // etcd's cluster service headers carry no revision.
      handle: () => create(MemberListResponseSchema, {
        header: create(ResponseHeaderSchema, { clusterId: m.clusterId, memberId: m.id, raftTerm: BigInt(m.term) }),
        members: [create(MemberSchema, { ID: m.id, name: m.cfg.name, peerURLs: opts.peerUrls, clientURLs: opts.clientUrls })],
      }),
    }),
    // --- Maintenance ---
    method({
      path: "/etcdserverpb.Maintenance/Alarm", gateway: "/v3/maintenance/alarm", input: AlarmRequestSchema, output: AlarmResponseSchema,
      // etcd answers alarms without a header.
      handle: (r) => m.propose("alarm", r),
    }),
    method({
      path: "/etcdserverpb.Maintenance/Status", gateway: "/v3/maintenance/status", input: StatusRequestSchema, output: StatusResponseSchema,
      handle: () => {
        const errors: string[] = [];
        if (m.leader === 0n) errors.push("etcdserver: no leader");
        for (const a of m.alarms.get(AlarmType.NONE)) errors.push(`memberID:${a.memberId} alarm:${AlarmType[a.alarm]} `);
        return withHeader(create(StatusResponseSchema, {
          version: storeVersion,
          dbSize: BigInt(m.backend.size()),
          dbSizeInUse: BigInt(m.backend.sizeInUse()),
          leader: m.leader,
          raftIndex: BigInt(m.committedIndex),
          raftTerm: BigInt(m.term),
          raftAppliedIndex: BigInt(m.applied),
          errors,
          isLearner: false,
        }));
      },
    }),
    method({
      path: "/etcdserverpb.Maintenance/Defragment", gateway: "/v3/maintenance/defragment", input: DefragmentRequestSchema, output: DefragmentResponseSchema,
      handle: async () => {
        await m.defragment();
        return withHeader(create(DefragmentResponseSchema, {}));
      },
    }),
    method({
      path: "/etcdserverpb.Maintenance/Hash", gateway: "/v3/maintenance/hash", input: HashRequestSchema, output: HashResponseSchema,
      handle: () => withHeader(create(HashResponseSchema, { hash: hashAll(m.backend) })),
    }),
    method({
      path: "/etcdserverpb.Maintenance/HashKV", input: HashKVRequestSchema, output: HashKVResponseSchema,
      handle: (r) => {
        const h = hashKV(m.kv, Number(r.revision));
        const resp = create(HashKVResponseSchema, { hash: h.hash, compactRevision: BigInt(h.compactRev) });
        resp.header = fillHeader(m, create(ResponseHeaderSchema, { revision: BigInt(h.currentRev) }));
        return resp;
      },
    }),
    method({
      path: "/etcdserverpb.Maintenance/MoveLeader", gateway: "/v3/maintenance/transfer-leadership", input: MoveLeaderRequestSchema, output: MoveLeaderResponseSchema,
      handle: (r) => {
        if (!m.isLeader()) throw new StoreError("notLeader");
        if (r.targetID !== m.id) throw new StoreError("badLeaderTransferee");
        return withHeader(create(MoveLeaderResponseSchema, {}));
      },
    }),
    // --- Auth: only status and authenticate until auth lands ---
    method({
      path: "/etcdserverpb.Auth/AuthStatus", gateway: "/v3/auth/status", input: AuthStatusRequestSchema, output: AuthStatusResponseSchema,
      handle: () => withHeader(create(AuthStatusResponseSchema, { enabled: false, authRevision: 1n })),
    }),
    method({
      path: "/etcdserverpb.Auth/Authenticate", gateway: "/v3/auth/authenticate", input: AuthenticateRequestSchema, output: AuthenticateResponseSchema,
      handle: () => {
        throw new StoreError("authNotEnabled");
      },
    }),
  ];
}

function decodeInput(mth: UnaryMethod, bytes: Uint8Array): MessageShape<DescMessage> {
  try {
    return mth.decode?.(bytes) ?? fromBinary(mth.input, bytes, requestDecodeOptions);
  } catch (e) {
    // grpc-go reports an undecodable request as INTERNAL with the codec's message.
    throw new GrpcError(Status.INTERNAL, `grpc: error unmarshalling request: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** The callback form of a method for the gRPC transport, when it has one. */
export function grpcUnaryCall(mth: UnaryMethod): UnaryCallHandler | undefined {
  const handleCall = mth.handleCall;
  if (!handleCall) return undefined;
  return (bytes, call) => {
    const msg = decodeInput(mth, bytes);
    try {
      handleCall(msg, bytes, call);
    } catch (e) {
      call.reject(toGrpcError(e));
    }
  };
}

/** Wraps a method for the gRPC transport: bytes in, bytes out, errors as etcd's statuses. */
export function grpcUnary(mth: UnaryMethod): (req: Uint8Array, ctx: CallContext) => Promise<Uint8Array> {
  return async (bytes, ctx) => {
    const msg = decodeInput(mth, bytes);
    try {
      if (mth.handleEncoded) return await mth.handleEncoded(msg);
      const resp = await mth.handle(msg, bytes, ctx);
      return toBinary(mth.output, resp);
    } catch (e) {
      throw toGrpcError(e);
    }
  };
}
