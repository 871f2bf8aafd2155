/**
 * core/v1 Events, as client-go's record package writes them: a recorder per component hands
 * events to one broadcaster, which writes them one at a time in the background. An event equal
 * to one written in the last 10 minutes (same object, type, reason, message, source) bumps that
 * Event's count and lastTimestamp by a patch instead of creating another. Recording never
 * blocks or throws: the queue is bounded, each object has a token bucket (client-go's spam
 * filter: burst 25, then one per 5 minutes), and write errors are logged, not raised.
 */
import { R } from "./resources.js";
import { isNotFound, realClock, type ApiClient, type Clock, type EventRecorder, type EventType, type KObject } from "./types.js";
import { ApiError } from "./types.js";
import { log as defaultLog, type Logger } from "../util/log.js";

export interface EventBroadcasterOptions {
  log?: Logger;
  /** Events waiting to be written; more are dropped (client-go: 1000). */
  maxQueued?: number;
  /** Per-object token bucket (client-go: burst 25, one per 300 s). */
  burst?: number;
  refillPerSecond?: number;
}

export interface EventBroadcaster {
  recorder(component: string, host?: string): EventRecorder;
  /** Resolves when every event recorded so far is written (or given up on): for tests and clean shutdown. */
  flush(): Promise<void>;
  /** Stops accepting events; pending ones are dropped. */
  shutdown(): void;
}

interface CoreEvent extends KObject {
  involvedObject: { kind?: string; namespace?: string; name?: string; uid?: string; apiVersion?: string; resourceVersion?: string };
  reason: string;
  message: string;
  type: EventType;
  source: { component: string; host?: string };
  firstTimestamp: string;
  lastTimestamp: string;
  count: number;
  eventTime: null;
  reportingComponent: string;
  reportingInstance: string;
}

interface Seen {
  namespace: string;
  name: string;
  count: number;
  lastAt: number;
}

const DEDUP_WINDOW_MS = 10 * 60 * 1000;
const CACHE_SIZE = 4096;

/** metav1.Time: seconds precision. */
const rfc3339 = (ms: number): string => new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");

/** An LRU of bounded size over a Map's insertion order. */
class Lru<V> {
  private readonly m = new Map<string, V>();
  constructor(private readonly max: number) {}
  get(k: string): V | undefined {
    const v = this.m.get(k);
    if (v !== undefined) {
      this.m.delete(k);
      this.m.set(k, v);
    }
    return v;
  }
  set(k: string, v: V): void {
    this.m.delete(k);
    this.m.set(k, v);
    if (this.m.size > this.max) this.m.delete(this.m.keys().next().value!);
  }
  delete(k: string): void {
    this.m.delete(k);
  }
}

export function newEventBroadcaster(client: ApiClient, clock: Clock = realClock, o: EventBroadcasterOptions = {}): EventBroadcaster {
  const log = o.log ?? defaultLog;
  const maxQueued = o.maxQueued ?? 1000;
  const burst = o.burst ?? 25;
  const refill = o.refillPerSecond ?? 1 / 300;
  const queue: CoreEvent[] = [];
  const seen = new Lru<Seen>(CACHE_SIZE);
  const buckets = new Lru<{ tokens: number; at: number }>(CACHE_SIZE);
  let running: Promise<void> | undefined;
  let stopped = false;
  let failing = false;
  let dropped = 0;

  const allow = (key: string, now: number): boolean => {
    const b = buckets.get(key) ?? { tokens: burst, at: now };
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * refill);
    b.at = now;
    buckets.set(key, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  };

  const dedupKey = (e: CoreEvent): string => {
    const io = e.involvedObject;
    return JSON.stringify([e.source.component, e.source.host ?? "", io.kind, io.namespace, io.name, io.uid, io.apiVersion, e.type, e.reason, e.message]);
  };

  const write = async (e: CoreEvent): Promise<void> => {
    const key = dedupKey(e);
    const now = clock.now();
    const prev = seen.get(key);
    if (prev && now - prev.lastAt < DEDUP_WINDOW_MS) {
      const count = prev.count + 1;
      try {
        await client.patch(R.events, prev.namespace, prev.name, "strategic", { count, lastTimestamp: e.lastTimestamp, message: e.message });
        seen.set(key, { ...prev, count, lastAt: now });
        return;
      } catch (err) {
        // The Event was deleted (expired by its TTL): write a new one.
        if (!isNotFound(err)) throw err;
      }
    }
    const created = await client.create<CoreEvent>(R.events, e.metadata.namespace, e);
    seen.set(key, { namespace: created.metadata.namespace ?? e.metadata.namespace ?? "default", name: created.metadata.name ?? "", count: e.count, lastAt: now });
  };

  const drain = async (): Promise<void> => {
    while (queue.length && !stopped) {
      const e = queue.shift()!;
      for (let attempt = 0; ; attempt++) {
        try {
          await write(e);
          if (failing) log.info("events: writing events again", { dropped });
          failing = false;
          break;
        } catch (err) {
          const code = err instanceof ApiError ? err.code : -1;
          const retriable = code === 0 || code === 429 || code >= 500;
          if (!failing) log.warn("events: could not write event", { reason: e.reason, object: `${e.involvedObject.namespace ?? ""}/${e.involvedObject.name ?? ""}`, error: (err as Error).message });
          failing = true;
          if (!retriable || attempt >= 2 || stopped) break;
          await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
        }
      }
    }
    running = undefined;
  };

  const enqueue = (e: CoreEvent): void => {
    if (stopped) return;
    if (queue.length >= maxQueued) {
      dropped++;
      if (dropped === 1 || dropped % 1000 === 0) log.warn("events: queue full, dropping events", { dropped });
      return;
    }
    queue.push(e);
    running ??= drain();
  };

  return {
    recorder(component: string, host?: string): EventRecorder {
      return {
        event(obj: KObject, type: EventType, reason: string, message: string): void {
          try {
            const m = obj.metadata ?? {};
            const now = clock.now();
            const io = { kind: obj.kind, namespace: m.namespace, name: m.name, uid: m.uid, apiVersion: obj.apiVersion, resourceVersion: m.resourceVersion };
            if (!allow(JSON.stringify([component, host ?? "", io.kind, io.namespace, io.name, io.uid]), now)) return;
            const ts = rfc3339(now);
            // client-go's name: the object's name and the time in hex nanoseconds.
            const nanos = BigInt(Math.floor(now)) * 1_000_000n + BigInt(Math.floor(Math.random() * 1_000_000));
            const source = host ? { component, host } : { component };
            enqueue({
              apiVersion: "v1",
              kind: "Event",
              metadata: { name: `${m.name ?? "unknown"}.${nanos.toString(16)}`, namespace: m.namespace || "default" },
              involvedObject: io,
              reason,
              message,
              type,
              source,
              firstTimestamp: ts,
              lastTimestamp: ts,
              count: 1,
              eventTime: null,
              reportingComponent: component,
              reportingInstance: host ?? "",
            });
          } catch (e) {
            log.warn("events: could not record event", { reason, error: String(e) });
          }
        },
      };
    },
    async flush() {
      while (running) await running;
    },
    shutdown() {
      stopped = true;
      queue.length = 0;
    },
  };
}
