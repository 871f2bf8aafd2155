import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { createHash } from "node:crypto";
import { createReadStream, mkdtempSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import {
  LeaseKeepAliveRequestSchema, LeaseKeepAliveResponseSchema, ResponseHeaderSchema,
} from "./gen/rpc_pb.js";
import { BufferWriter } from "../protowire.js";
import type { Member } from "../server/member.js";
import { fillHeader } from "./services.js";
import { toGrpcError } from "./errors.js";
import type { ServerCall } from "./grpc/index.js";

/** LeaseKeepAlive: each request renews a lease; an unknown lease answers TTL 0, as etcd does. */
export function leaseKeepAlive(m: Member): (call: ServerCall) => void {
  return (call) => {
    let ended = false;
    call.onMessage((bytes) => {
      let id: bigint;
      try {
        id = fromBinary(LeaseKeepAliveRequestSchema, bytes).ID;
      } catch {
        ended = true;
        call.end({ code: 13, message: "grpc: error unmarshalling request" });
        return;
      }
      m.leaseRenew(id).then(
        (ttl) => {
          if (ended) return;
          call.send(toBinary(LeaseKeepAliveResponseSchema, create(LeaseKeepAliveResponseSchema, { header: fillHeader(m, undefined), ID: id, TTL: BigInt(ttl) })));
        },
        (e) => {
          if (ended) return;
          ended = true;
          const g = toGrpcError(e);
          call.end({ code: g.code, message: g.message });
        },
      );
    });
    call.onHalfClose(() => {
      if (!ended) call.end();
      ended = true;
    });
    call.onCancel(() => {
      ended = true;
    });
  };
}

const chunkSize = 32 * 1024;

/**
 * Snapshot: a consistent copy of the backend streamed in 32 KiB chunks, then its SHA-256 as a
 * last message (etcdctl checks the size is a multiple of 512 plus the 32-byte hash, and the hash).
 */
export function snapshotStream(m: Member, scratchDir: string): (call: ServerCall) => void {
  return (call) => {
    let cancelled = false;
    call.onCancel(() => {
      cancelled = true;
    });
    void (async () => {
      const tmp = mkdtempSync(join(scratchDir, "snapshot-"));
      try {
        const file = join(tmp, "db");
        await m.backend.copyTo(file);
        const total = statSync(file).size;
        const hash = createHash("sha256");
        let sent = 0;
        // SnapshotResponse{header 1, remaining_bytes 2, blob 3}, encoded by hand: thousands of
        // messages, each mostly its blob. The header is the one at the start of the stream.
        const header = toBinary(ResponseHeaderSchema, fillHeader(m, undefined));
        const message = (remaining: number, blob: Uint8Array) =>
          new BufferWriter().bytes(1, header).varint(2, remaining).bytes(3, blob).finish();
        // Read in large pieces, send in etcd's 32 KiB messages.
        for await (const piece of createReadStream(file, { highWaterMark: 32 * chunkSize })) {
          const buf = piece as Buffer;
          hash.update(buf);
          for (let off = 0; off < buf.length; off += chunkSize) {
            if (cancelled) return;
            const blob = buf.subarray(off, Math.min(off + chunkSize, buf.length));
            sent += blob.length;
            if (!call.send(message(total - sent, blob))) await new Promise<void>((r) => call.onDrain(r));
          }
        }
        call.send(message(0, hash.digest()));
        call.end();
      } catch (e) {
        const g = toGrpcError(e);
        call.end({ code: g.code, message: g.message });
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    })();
  };
}
