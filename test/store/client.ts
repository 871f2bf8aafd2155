// A thin etcd v3 gRPC client for the store tests: grpc-js on raw bytes, messages encoded with the
// generated @bufbuild/protobuf schemas, so tests control every byte when they want to.
import { create, fromBinary, toBinary, type DescMessage, type MessageInitShape, type MessageShape } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import * as pb from "../../src/store/api/gen/rpc_pb.js";

export interface Rpc<I extends DescMessage, O extends DescMessage> {
  path: string;
  input: I;
  output: O;
}

const rpc = <I extends DescMessage, O extends DescMessage>(path: string, input: I, output: O): Rpc<I, O> => ({ path, input, output });

/** The unary methods of etcd's v3 API that the store serves. */
export const rpcs = {
  range: rpc("/etcdserverpb.KV/Range", pb.RangeRequestSchema, pb.RangeResponseSchema),
  put: rpc("/etcdserverpb.KV/Put", pb.PutRequestSchema, pb.PutResponseSchema),
  deleteRange: rpc("/etcdserverpb.KV/DeleteRange", pb.DeleteRangeRequestSchema, pb.DeleteRangeResponseSchema),
  txn: rpc("/etcdserverpb.KV/Txn", pb.TxnRequestSchema, pb.TxnResponseSchema),
  compact: rpc("/etcdserverpb.KV/Compact", pb.CompactionRequestSchema, pb.CompactionResponseSchema),
  leaseGrant: rpc("/etcdserverpb.Lease/LeaseGrant", pb.LeaseGrantRequestSchema, pb.LeaseGrantResponseSchema),
  leaseRevoke: rpc("/etcdserverpb.Lease/LeaseRevoke", pb.LeaseRevokeRequestSchema, pb.LeaseRevokeResponseSchema),
  leaseTimeToLive: rpc("/etcdserverpb.Lease/LeaseTimeToLive", pb.LeaseTimeToLiveRequestSchema, pb.LeaseTimeToLiveResponseSchema),
  leaseLeases: rpc("/etcdserverpb.Lease/LeaseLeases", pb.LeaseLeasesRequestSchema, pb.LeaseLeasesResponseSchema),
  memberList: rpc("/etcdserverpb.Cluster/MemberList", pb.MemberListRequestSchema, pb.MemberListResponseSchema),
  alarm: rpc("/etcdserverpb.Maintenance/Alarm", pb.AlarmRequestSchema, pb.AlarmResponseSchema),
  status: rpc("/etcdserverpb.Maintenance/Status", pb.StatusRequestSchema, pb.StatusResponseSchema),
  defragment: rpc("/etcdserverpb.Maintenance/Defragment", pb.DefragmentRequestSchema, pb.DefragmentResponseSchema),
  hash: rpc("/etcdserverpb.Maintenance/Hash", pb.HashRequestSchema, pb.HashResponseSchema),
  hashKV: rpc("/etcdserverpb.Maintenance/HashKV", pb.HashKVRequestSchema, pb.HashKVResponseSchema),
  moveLeader: rpc("/etcdserverpb.Maintenance/MoveLeader", pb.MoveLeaderRequestSchema, pb.MoveLeaderResponseSchema),
  authStatus: rpc("/etcdserverpb.Auth/AuthStatus", pb.AuthStatusRequestSchema, pb.AuthStatusResponseSchema),
  authenticate: rpc("/etcdserverpb.Auth/Authenticate", pb.AuthenticateRequestSchema, pb.AuthenticateResponseSchema),
  authEnable: rpc("/etcdserverpb.Auth/AuthEnable", pb.AuthEnableRequestSchema, pb.AuthEnableResponseSchema),
  authDisable: rpc("/etcdserverpb.Auth/AuthDisable", pb.AuthDisableRequestSchema, pb.AuthDisableResponseSchema),
  userAdd: rpc("/etcdserverpb.Auth/UserAdd", pb.AuthUserAddRequestSchema, pb.AuthUserAddResponseSchema),
  userGet: rpc("/etcdserverpb.Auth/UserGet", pb.AuthUserGetRequestSchema, pb.AuthUserGetResponseSchema),
  userList: rpc("/etcdserverpb.Auth/UserList", pb.AuthUserListRequestSchema, pb.AuthUserListResponseSchema),
  userDelete: rpc("/etcdserverpb.Auth/UserDelete", pb.AuthUserDeleteRequestSchema, pb.AuthUserDeleteResponseSchema),
  userChangePassword: rpc("/etcdserverpb.Auth/UserChangePassword", pb.AuthUserChangePasswordRequestSchema, pb.AuthUserChangePasswordResponseSchema),
  userGrantRole: rpc("/etcdserverpb.Auth/UserGrantRole", pb.AuthUserGrantRoleRequestSchema, pb.AuthUserGrantRoleResponseSchema),
  userRevokeRole: rpc("/etcdserverpb.Auth/UserRevokeRole", pb.AuthUserRevokeRoleRequestSchema, pb.AuthUserRevokeRoleResponseSchema),
  roleAdd: rpc("/etcdserverpb.Auth/RoleAdd", pb.AuthRoleAddRequestSchema, pb.AuthRoleAddResponseSchema),
  roleGet: rpc("/etcdserverpb.Auth/RoleGet", pb.AuthRoleGetRequestSchema, pb.AuthRoleGetResponseSchema),
  roleList: rpc("/etcdserverpb.Auth/RoleList", pb.AuthRoleListRequestSchema, pb.AuthRoleListResponseSchema),
  roleDelete: rpc("/etcdserverpb.Auth/RoleDelete", pb.AuthRoleDeleteRequestSchema, pb.AuthRoleDeleteResponseSchema),
  roleGrantPermission: rpc("/etcdserverpb.Auth/RoleGrantPermission", pb.AuthRoleGrantPermissionRequestSchema, pb.AuthRoleGrantPermissionResponseSchema),
  roleRevokePermission: rpc("/etcdserverpb.Auth/RoleRevokePermission", pb.AuthRoleRevokePermissionRequestSchema, pb.AuthRoleRevokePermissionResponseSchema),
} as const;

/** A failed call: the gRPC status code and message the server (or grpc-js) gave. */
export class RpcError extends Error {
  constructor(readonly code: number, readonly details: string) {
    super(`${grpc.status[code] ?? code}: ${details}`);
  }
}

export type RawResult = { ok: true; bytes: Buffer } | { ok: false; code: number; details: string };

const id = (b: Buffer) => b;

export class Client {
  readonly grpc: grpc.Client;

  constructor(readonly addr: string) {
    this.grpc = new grpc.Client(addr, grpc.credentials.createInsecure(), {
      "grpc.max_receive_message_length": -1,
      "grpc.max_send_message_length": -1,
      // Every client gets its own connection (grpc-js would share one per address).
      "grpc.use_local_subchannel_pool": 1,
      // Reconnect quickly; restarts in these tests take a second or so.
      "grpc.initial_reconnect_backoff_ms": 100,
      "grpc.max_reconnect_backoff_ms": 500,
    });
  }

  /** Sends bytes as the request of a unary method; never throws. */
  raw(path: string, bytes: Uint8Array, timeoutMs = 10_000): Promise<RawResult> {
    return new Promise((resolve) => {
      this.grpc.makeUnaryRequest(path, id, id, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
        { deadline: Date.now() + timeoutMs },
        (err, resp) => {
          if (err) resolve({ ok: false, code: err.code ?? grpc.status.UNKNOWN, details: err.details ?? err.message });
          else resolve({ ok: true, bytes: resp ?? Buffer.alloc(0) });
        });
    });
  }

  /** Calls a unary method; throws RpcError on a non-OK status. */
  async call<I extends DescMessage, O extends DescMessage>(m: Rpc<I, O>, init: MessageInitShape<I>, timeoutMs = 10_000): Promise<MessageShape<O>> {
    const r = await this.raw(m.path, toBinary(m.input, create(m.input, init)), timeoutMs);
    if (!r.ok) throw new RpcError(r.code, r.details);
    return fromBinary(m.output, r.bytes);
  }

  /** A bidirectional stream on raw bytes. */
  stream(path: string, timeoutMs?: number): grpc.ClientDuplexStream<Buffer, Buffer> {
    return this.grpc.makeBidiStreamRequest(path, id, id, timeoutMs ? { deadline: Date.now() + timeoutMs } : {});
  }

  close(): void {
    this.grpc.close();
  }
}

export const utf8 = (s: string): Uint8Array => Buffer.from(s, "utf8");
export const str = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("utf8");

/** Range end for "every key" ("\0" .. "\0"). */
export const allKeys = { key: new Uint8Array([0]), rangeEnd: new Uint8Array([0]) };

/**
 * Every event with revision in (from, to] (the store must not be written meanwhile), read with a
 * watch from `from + 1` and a progress request: its answer promises all events up to `to` came.
 */
export function readHistory(c: Client, from: number, to: number, timeoutMs = 20_000): Promise<pb.WatchResponse["events"]> {
  return new Promise((resolve, reject) => {
    const events: pb.WatchResponse["events"] = [];
    const s = c.stream("/etcdserverpb.Watch/Watch");
    let done = false;
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      s.cancel();
      if (err) reject(err);
      else resolve(events);
    };
    const timer = setTimeout(() => finish(new Error(`readHistory: no full history (${from}, ${to}] after ${timeoutMs} ms; got ${events.length} events`)), timeoutMs);
    s.on("error", (e: grpc.ServiceError) => {
      if (e.code !== grpc.status.CANCELLED) finish(e);
    });
    const last = () => (events.length > 0 ? Number(events[events.length - 1]!.kv!.modRevision) : from);
    s.on("data", (b: Buffer) => {
      const r = fromBinary(pb.WatchResponseSchema, b);
      if (r.canceled) return finish(new Error(`readHistory: watch canceled (compact revision ${r.compactRevision}): ${r.cancelReason}`));
      if (r.created) {
        s.write(Buffer.from(toBinary(pb.WatchRequestSchema, create(pb.WatchRequestSchema, {
          requestUnion: { case: "progressRequest", value: {} },
        }))));
        return;
      }
      events.push(...r.events);
      if (r.events.length === 0 && Number(r.header?.revision ?? 0) >= to && last() >= to) finish();
      else if (r.events.length === 0 && Number(r.header?.revision ?? 0) >= to) {
        finish(new Error(`readHistory: progress at ${r.header?.revision} but the last event was at ${last()}, wanted ${to}`));
      }
    });
    s.write(Buffer.from(toBinary(pb.WatchRequestSchema, create(pb.WatchRequestSchema, {
      requestUnion: { case: "createRequest", value: { ...allKeys, startRevision: BigInt(from + 1) } },
    }))));
  });
}
