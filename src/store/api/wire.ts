import { encodeKeyValue, type KeyValue } from "../mvcc/keyValue.js";
import { MessageWriter, varintSize, writeVarint } from "../protowire.js";
import type { WatchEvent } from "../mvcc/watchableStore.js";

// Hand-encoded responses for the hot paths (field numbers from etcd's rpc.proto / kv.proto).

export interface HeaderFields {
  clusterId: bigint;
  memberId: bigint;
  revision: number;
  raftTerm: number;
}

/** etcdserverpb.ResponseHeader. */
export function encodeHeader(h: HeaderFields): Uint8Array {
  return new MessageWriter().varint(1, h.clusterId).varint(2, h.memberId).varint(3, h.revision).varint(4, h.raftTerm).finish();
}

const noValue = new Uint8Array(0);

/** A KeyValue's bytes: the stored record when there is one, else encoded now. */
export function kvBytes(kv: KeyValue, keysOnly = false): Uint8Array {
  if (keysOnly) return encodeKeyValue({ ...kv, value: noValue });
  return kv.encoded ?? encodeKeyValue(kv);
}

/** etcdserverpb.RangeResponse{header 1, kvs 2, more 3, count 4}. */
export function encodeRangeResponse(header: Uint8Array, kvs: KeyValue[], keysOnly: boolean, more: boolean, count: number): Uint8Array {
  const w = new MessageWriter().bytes(1, header, true);
  for (const kv of kvs) w.bytes(2, kvBytes(kv, keysOnly), true);
  return w.varint(3, more ? 1 : 0).varint(4, count).finish();
}

/** mvccpb.Event{type 1 (PUT 0, DELETE 1), kv 2, prev_kv 3}. */
export function encodeEvent(ev: WatchEvent): Uint8Array {
  const w = new MessageWriter().varint(1, ev.type === "delete" ? 1 : 0).bytes(2, kvBytes(ev.kv), true);
  if (ev.prevKv) w.bytes(3, kvBytes(ev.prevKv), true);
  return w.finish();
}

/** The events part of a WatchResponse (repeated field 11), shared by every watcher sent the same events. */
export function encodeEventsField(events: Uint8Array[]): Uint8Array {
  const w = new MessageWriter();
  for (const e of events) w.bytes(11, e, true);
  return w.finish();
}

/** etcdserverpb.WatchResponse{header 1, watch_id 2, events 11} from pre-encoded parts. */
export function encodeWatchEvents(header: Uint8Array, watchId: number, eventsField: Uint8Array): Uint8Array {
  const idLen = watchId === 0 ? 0 : 1 + varintSize(watchId);
  const headLen = 1 + varintSize(header.length);
  const out = Buffer.allocUnsafe(headLen + header.length + idLen + eventsField.length);
  out[0] = 0x0a;
  let p = writeVarint(out, 1, header.length);
  out.set(header, p);
  p += header.length;
  if (watchId !== 0) {
    out[p++] = 0x10;
    p = writeVarint(out, p, watchId);
  }
  out.set(eventsField, p);
  return out;
}
