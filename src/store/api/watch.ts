import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { EventSchema, Event_EventType, type Event as PbEvent } from "./gen/kv_pb.js";
import {
  ResponseHeaderSchema, WatchCreateRequest_FilterType, WatchRequestSchema, WatchResponseSchema,
  type WatchCreateRequest, type WatchResponse,
} from "./gen/rpc_pb.js";
import type { Member } from "../server/member.js";
import type { Watcher, WatchEvent, WatchSink } from "../mvcc/watchableStore.js";
import { toPbKv, keyRange } from "../server/apply.js";
import { encodeEvent, encodeEventsField, encodeHeader, headerField, watchIdField } from "./wire.js";
import type { ServerCall } from "./grpc/index.js";

export interface WatchServiceOptions {
  /** --max-request-bytes: responses over it plus gRPC's allowance are split for watchers that asked. */
  maxRequestBytes: number;
  /** How often idle watchers that asked for progress notifications get one (etcd: 10 min). */
  progressNotifyIntervalMs: number;
}

/** etcd's allowance for gRPC framing beyond --max-request-bytes. */
export const grpcOverheadBytes = 512 * 1024;

/** A watch stream whose unsent bytes pass this is congested: its watchers wait unsynced. */
const congestedBytes = 4 * 1024 * 1024;

function toPbEvent(ev: WatchEvent): PbEvent {
  return create(EventSchema, {
    type: ev.type === "put" ? Event_EventType.PUT : Event_EventType.DELETE,
    kv: toPbKv(ev.kv),
    prevKv: ev.prevKv ? toPbKv(ev.prevKv) : undefined,
  });
}

/** Each event is encoded once, however many watchers receive it. */
const encodedEvents = new WeakMap<WatchEvent, Uint8Array>();

function eventBytes(ev: WatchEvent): Uint8Array {
  let b = encodedEvents.get(ev);
  if (!b) {
    b = encodeEvent(ev);
    encodedEvents.set(ev, b);
  }
  return b;
}

const asBuffer = (b: Uint8Array): Buffer => (Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength));

interface StreamWatcher {
  w: Watcher;
  /** WatchResponse.watch_id as encoded (field 2; nothing for id 0). */
  idField: Buffer;
  progressNotify: boolean;
  fragment: boolean;
  /** No events sent since the last progress tick. */
  idle: boolean;
}

/** etcd's watch server: many watchers multiplexed on one bidirectional stream. */
export function watchStream(m: Member, opts: WatchServiceOptions): (call: ServerCall) => void {
  return (call) => {
    const watchers = new Map<bigint, StreamWatcher>();
    let nextId = 0n;
    let closed = false;
    let progressPending = false;
    /** Runs only while a progress request waits for watchers to catch up. */
    let pendingTimer: NodeJS.Timeout | undefined;

    const header = (rev: number) => create(ResponseHeaderSchema, {
      clusterId: m.clusterId,
      memberId: m.id,
      raftTerm: BigInt(m.term),
      revision: BigInt(rev),
    });
    // Watchers of one range get the same events array: its encoding is reused for each of them.
    let lastEvents: WatchEvent[] | undefined;
    let lastEventsField: Buffer = Buffer.alloc(0);
    // One revision's header field is encoded once for all the watchers it goes to.
    let cachedHeader: { rev: number; term: number; field: Buffer } | undefined;
    const headerFieldOf = (rev: number): Buffer => {
      if (cachedHeader?.rev !== rev || cachedHeader.term !== m.term) {
        cachedHeader = { rev, term: m.term, field: headerField(encodeHeader({ clusterId: m.clusterId, memberId: m.id, revision: rev, raftTerm: m.term })) };
      }
      return cachedHeader.field;
    };
    const send = (resp: WatchResponse) => {
      if (closed) return;
      if (call.sendMessage) call.sendMessage(resp);
      else call.send(toBinary(WatchResponseSchema, resp));
    };

    const sink: WatchSink = {
      congested: () => call.bufferedBytes > congestedBytes,
      events(w, evs, rev) {
        const sw = watchers.get(BigInt(w.id));
        if (!sw) return;
        sw.idle = false;
        if (call.sendMessage) {
          // In process: the response as a message (fragmenting is for a wire's size limit).
          if (!closed) call.sendMessage(create(WatchResponseSchema, { header: header(rev), watchId: BigInt(w.id), events: evs.map(toPbEvent) }));
        } else if (sw.fragment) {
          const resp = create(WatchResponseSchema, { header: header(rev), watchId: BigInt(w.id), events: evs.map(toPbEvent) });
          sendFragments(resp, opts.maxRequestBytes + grpcOverheadBytes, send);
        } else if (!closed) {
          if (lastEvents !== evs) {
            lastEvents = evs;
            lastEventsField = asBuffer(encodeEventsField(evs.map(eventBytes)));
          }
          // WatchResponse{header 1, watch_id 2, events 11}: three parts, each shared by every
          // watcher that gets these events.
          const head = headerFieldOf(rev);
          const length = head.length + sw.idField.length + lastEventsField.length;
          if (call.sendParts) call.sendParts([head, sw.idField, lastEventsField], length);
          else call.send(Buffer.concat([head, sw.idField, lastEventsField], length));
        }
        if (progressPending) maybeProgress();
      },
      compacted(w, compactRev) {
        watchers.delete(BigInt(w.id));
        // etcd sends this without a header revision; clients read the compact revision.
        send(create(WatchResponseSchema, { header: header(0), watchId: BigInt(w.id), canceled: true, compactRevision: BigInt(compactRev) }));
      },
    };

    /** A progress response promises every event up to its revision was sent: only when all are synced. */
    const maybeProgress = () => {
      for (const sw of watchers.values()) {
        if (!m.watchable.isSynced(sw.w)) {
          progressPending = true;
          pendingTimer ??= setInterval(() => progressPending && maybeProgress(), 50);
          return;
        }
      }
      progressPending = false;
      clearInterval(pendingTimer);
      pendingTimer = undefined;
      if (watchers.size === 0) return;
      send(create(WatchResponseSchema, { header: header(m.kv.currentRev), watchId: -1n }));
    };

    const onCreate = (c: WatchCreateRequest) => {
      const rev = m.kv.currentRev;
      const key = c.key.length === 0 ? new Uint8Array([0]) : c.key;
      const range = keyRange(key, c.rangeEnd);
      let error: string | undefined;
      let id = c.watchId;
      if (range.end !== null && range.end !== "" && range.key >= range.end) {
        error = "mvcc: watcher range is empty";
        id = -1n;
      } else if (id === 0n) {
        while (watchers.has(nextId)) nextId++;
        id = nextId++;
      } else if (watchers.has(id)) {
        error = "mvcc: duplicate watch ID provided on the WatchStream";
        id = -1n;
      }
      if (error !== undefined) {
        send(create(WatchResponseSchema, { header: header(rev), watchId: id, created: true, canceled: true, cancelReason: error }));
        return;
      }
      const sw: StreamWatcher = { w: undefined as unknown as Watcher, idField: watchIdField(Number(id)), progressNotify: c.progressNotify, fragment: c.fragment, idle: true };
      watchers.set(id, sw);
      // The created response goes out first; catch-up events are sent from a later turn.
      send(create(WatchResponseSchema, { header: header(rev), watchId: id, created: true }));
      sw.w = m.watchable.watch(Number(id), {
        range,
        startRev: Number(c.startRevision),
        noPut: c.filters.includes(WatchCreateRequest_FilterType.NOPUT),
        noDelete: c.filters.includes(WatchCreateRequest_FilterType.NODELETE),
        prevKv: c.prevKv,
      }, sink);
    };

    const onCancel = (id: bigint) => {
      const sw = watchers.get(id);
      if (!sw) return; // etcd answers nothing for an unknown id
      m.watchable.cancel(sw.w);
      watchers.delete(id);
      send(create(WatchResponseSchema, { header: header(m.kv.currentRev), watchId: id, canceled: true }));
    };

    const progressTimer = setInterval(() => {
      for (const [id, sw] of watchers) {
        if (sw.progressNotify && sw.idle && m.watchable.isSynced(sw.w)) {
          send(create(WatchResponseSchema, { header: header(m.kv.currentRev), watchId: id }));
        }
        sw.idle = true;
      }
    }, opts.progressNotifyIntervalMs);

    const shutdown = () => {
      if (closed) return;
      closed = true;
      clearInterval(progressTimer);
      clearInterval(pendingTimer);
      for (const sw of watchers.values()) m.watchable.cancel(sw.w);
      watchers.clear();
    };

    call.onMessage((bytes) => {
      let req;
      try {
        req = fromBinary(WatchRequestSchema, bytes);
      } catch {
        shutdown();
        call.end({ code: 13, message: "grpc: error unmarshalling request" });
        return;
      }
      switch (req.requestUnion.case) {
        case "createRequest": onCreate(req.requestUnion.value); break;
        case "cancelRequest": onCancel(req.requestUnion.value.watchId); break;
        case "progressRequest": maybeProgress(); break;
        default: break;
      }
    });
    call.onHalfClose(() => {
      shutdown();
      call.end();
    });
    call.onCancel(shutdown);
  };
}

/** etcd's sendFragments: split a large response into pieces under the limit (one event at least each). */
function sendFragments(resp: WatchResponse, limit: number, send: (r: WatchResponse) => void): void {
  if (resp.events.length < 2 || toBinary(WatchResponseSchema, resp).length < limit) {
    send(resp);
    return;
  }
  const all = resp.events;
  let idx = 0;
  while (idx < all.length) {
    const cur = create(WatchResponseSchema, { header: resp.header, watchId: resp.watchId, fragment: true, events: [] });
    let size = toBinary(WatchResponseSchema, cur).length;
    while (idx < all.length) {
      const evSize = toBinary(EventSchema, all[idx]!).length + 6;
      if (cur.events.length > 0 && size + evSize >= limit) break;
      cur.events.push(all[idx]!);
      size += evSize;
      idx++;
    }
    if (idx === all.length) cur.fragment = false;
    send(cur);
  }
}
