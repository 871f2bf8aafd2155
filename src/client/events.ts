/**
 * core/v1 Events, as client-go's record package writes them: a recorder per component hands
 * events to one broadcaster's queue; its one background writer takes them off in order,
 * correlates them as client-go's EventCorrelator does and writes what is left, one at a time.
 * - Aggregation: from the 10th event about one object that differs only in its message (same
 *   source, type, reason) within 10 minutes on, one Event "(combined from similar events): <the
 *   latest message>" stands for them all.
 * - De-duplication: an event equal to one seen before (same object, type, reason, message,
 *   source; or the same aggregate) bumps that Event's count and lastTimestamp by a strategic
 *   merge patch instead of creating another (for as long as the 4096-entry cache holds it).
 * - Spam filter: each source and object has a token bucket (burst 25, then one per 5 minutes);
 *   an event without a token is counted (de-duplication saw it) but not written.
 * Recording never blocks or throws: the queue is bounded (1000; more are dropped, as client-go's
 * DropIfChannelFull broadcaster), and write errors are logged, not raised.
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

export interface CoreEvent extends KObject {
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

/** What to write for one recorded event: a new Event, or a patch of the one it repeats. */
export interface CorrelatedEvent {
  event: CoreEvent;
  patch: boolean;
}

const CACHE_SIZE = 4096;
const AGGREGATE_MAX_EVENTS = 10;
const AGGREGATE_INTERVAL_MS = 600_000;
const AGGREGATE_PREFIX = "(combined from similar events): ";

/** metav1.Time: seconds precision. */
const rfc3339 = (ms: number): string => new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");

/** client-go's Event name: the object's name and the time in hex nanoseconds. */
function eventName(objectName: string | undefined, now: number): string {
  const nanos = BigInt(Math.floor(now)) * 1_000_000n + BigInt(Math.floor(Math.random() * 1_000_000));
  return `${objectName ?? "unknown"}.${nanos.toString(16)}`;
}

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
}

const SEP = "\u0000";

/**
 * client-go's EventCorrelator: aggregate, then de-duplicate, then filter spam, decided without
 * the server (Event names are made by the client). Answers what to write, or undefined when the
 * spam filter holds the event back.
 */
export class EventCorrelator {
  private readonly aggregates = new Lru<{ messages: Set<string>; last: number }>(CACHE_SIZE);
  private readonly observed = new Lru<{ count: number; firstTimestamp: string; name: string }>(CACHE_SIZE);
  private readonly buckets = new Lru<{ tokens: number; at: number }>(CACHE_SIZE);

  constructor(
    private readonly burst = 25,
    private readonly refillPerSecond = 1 / 300,
  ) {}

  correlate(e: CoreEvent, now: number): CorrelatedEvent | undefined {
    const io = e.involvedObject;
    const objectKey = [e.source.component, e.source.host ?? "", io.kind, io.namespace, io.name, io.uid, io.apiVersion].join(SEP);
    // Aggregation (EventAggregatorByReasonFunc): the same but for the message.
    const aggregateKey = [objectKey, e.type, e.reason, e.reportingComponent, e.reportingInstance].join(SEP);
    let agg = this.aggregates.get(aggregateKey);
    if (!agg || now - agg.last > AGGREGATE_INTERVAL_MS) agg = { messages: new Set(), last: now };
    agg.messages.add(e.message);
    agg.last = now;
    this.aggregates.set(aggregateKey, agg);
    let event = e;
    let key = [objectKey, e.type, e.reason, e.message].join(SEP);
    if (agg.messages.size >= AGGREGATE_MAX_EVENTS) {
      // Keep the set from growing past the threshold (client-go pops an arbitrary member).
      agg.messages.delete(agg.messages.values().next().value!);
      const ts = rfc3339(now);
      event = {
        apiVersion: "v1",
        kind: "Event",
        metadata: { name: eventName(io.name, now), namespace: e.metadata.namespace },
        involvedObject: io,
        reason: e.reason,
        message: AGGREGATE_PREFIX + e.message,
        type: e.type,
        source: e.source,
        firstTimestamp: ts,
        lastTimestamp: ts,
        count: 1,
        eventTime: null,
        // client-go's aggregate Event carries no reporting fields.
        reportingComponent: "",
        reportingInstance: "",
      };
      key = aggregateKey;
    }
    // De-duplication (eventLogger): a repeat patches the Event it repeats.
    const prev = this.observed.get(key);
    let patch = false;
    if (prev) {
      event = { ...event, metadata: { ...event.metadata, name: prev.name }, firstTimestamp: prev.firstTimestamp, count: prev.count + 1 };
      patch = true;
    }
    this.observed.set(key, { count: event.count, firstTimestamp: event.firstTimestamp, name: event.metadata.name ?? "" });
    // Spam filter (EventSourceObjectSpamFilter): per source and object, whatever the event.
    let b = this.buckets.get(objectKey);
    if (!b) b = { tokens: this.burst, at: now };
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.refillPerSecond);
    b.at = now;
    this.buckets.set(objectKey, b);
    if (b.tokens < 1) return undefined;
    b.tokens -= 1;
    return { event, patch };
  }
}

export function newEventBroadcaster(client: ApiClient, clock: Clock = realClock, o: EventBroadcasterOptions = {}): EventBroadcaster {
  const log = o.log ?? defaultLog;
  const maxQueued = o.maxQueued ?? 1000;
  const correlator = new EventCorrelator(o.burst ?? 25, o.refillPerSecond ?? 1 / 300);
  // Raw events, correlated as they are taken off (client-go correlates in its sink goroutine,
  // after the broadcaster's queue): events dropped from a full queue are not counted.
  const queue: CoreEvent[] = [];
  let running: Promise<void> | undefined;
  let stopped = false;
  let failing = false;
  let dropped = 0;

  const write = async ({ event: e, patch }: CorrelatedEvent): Promise<void> => {
    const ns = e.metadata.namespace;
    if (patch) {
      try {
        await client.patch(R.events, ns, e.metadata.name ?? "", "strategic", { count: e.count, lastTimestamp: e.lastTimestamp, message: e.message }, { metadataOnly: true });
        return;
      } catch (err) {
        // The Event was deleted (expired by its TTL): write it anew, count and all (as client-go).
        if (!isNotFound(err)) throw err;
      }
    }
    await client.create<CoreEvent>(R.events, ns, e, { metadataOnly: true });
  };

  const drain = async (): Promise<void> => {
    // Never finish synchronously: `running` is set from this call's promise.
    await undefined;
    while (queue.length && !stopped) {
      const c = correlator.correlate(queue.shift()!, clock.now());
      if (!c) continue;
      const e = c.event;
      for (let attempt = 0; ; attempt++) {
        try {
          await write(c);
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

  const enqueue = (c: CoreEvent): void => {
    if (stopped) return;
    if (queue.length >= maxQueued) {
      dropped++;
      if (dropped === 1 || dropped % 1000 === 0) log.warn("events: queue full, dropping events", { dropped });
      return;
    }
    queue.push(c);
    running ??= drain();
  };

  return {
    recorder(component: string, host?: string): EventRecorder {
      return {
        event(obj: KObject, type: EventType, reason: string, message: string): void {
          if (stopped) return;
          try {
            const m = obj.metadata ?? {};
            const now = clock.now();
            const ts = rfc3339(now);
            const e: CoreEvent = {
              apiVersion: "v1",
              kind: "Event",
              metadata: { name: eventName(m.name, now), namespace: m.namespace || "default" },
              involvedObject: { kind: obj.kind, namespace: m.namespace, name: m.name, uid: m.uid, apiVersion: obj.apiVersion, resourceVersion: m.resourceVersion },
              reason,
              message,
              type,
              source: host ? { component, host } : { component },
              firstTimestamp: ts,
              lastTimestamp: ts,
              count: 1,
              eventTime: null,
              reportingComponent: component,
              reportingInstance: host ?? "",
            };
            enqueue(e);
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
