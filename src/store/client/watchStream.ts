import { create, toBinary, type MessageInitShape } from "@bufbuild/protobuf";
import { WatchRequestSchema, type WatchCreateRequest, type WatchResponse } from "../api/gen/rpc_pb.js";
import type { EtcdError, WatchStream } from "./types.js";

/**
 * What every WatchStream implementation shares: requests are encoded WatchRequests handed to
 * the transport (`sendRequest`), responses go to the registered listeners (`deliver`).
 */
export abstract class WatchStreamBase implements WatchStream {
  private listeners: Array<(r: WatchResponse) => void> = [];

  /** Hands one encoded WatchRequest to the transport (ignored once the stream is closed). */
  protected abstract sendRequest(bytes: Uint8Array): void;
  abstract onClose(fn: (err: EtcdError | undefined) => void): void;
  abstract close(): void;

  protected deliver(resp: WatchResponse): void {
    for (const f of this.listeners) f(resp);
  }

  private send(req: MessageInitShape<typeof WatchRequestSchema>): void {
    this.sendRequest(toBinary(WatchRequestSchema, create(WatchRequestSchema, req)));
  }

  create(req: WatchCreateRequest): void {
    this.send({ requestUnion: { case: "createRequest", value: req } });
  }

  cancel(watchId: bigint): void {
    this.send({ requestUnion: { case: "cancelRequest", value: { watchId } } });
  }

  requestProgress(): void {
    this.send({ requestUnion: { case: "progressRequest", value: {} } });
  }

  onResponse(fn: (resp: WatchResponse) => void): void {
    this.listeners.push(fn);
  }
}
