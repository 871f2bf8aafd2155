/**
 * Shared informers, as client-go's reflector + sharedIndexInformer: list (paged) into an
 * Indexer, then watch from the list's resourceVersion, re-watch when a stream ends, relist on
 * 410 Gone (deletes missed meanwhile come out as Tombstones), back off on errors. Handlers run
 * synchronously as events arrive; they should only enqueue keys.
 */
import { Indexer, keyOf } from "./cache.js";
import { apiVersionOf } from "./resources.js";
import {
  ApiError,
  isGone,
  type ApiClient,
  type IndexFunc,
  type Informer,
  type InformerFactory,
  type KObject,
  type ResourceEventHandler,
  type ResourceType,
  type Tombstone,
  type WatchEvent,
} from "./types.js";
import { errorFromStatus } from "./rest.js";
import { log as defaultLog, type Logger } from "../util/log.js";
import { sleep } from "./sleep.js";

export interface InformerOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

export interface InformerTuning {
  log?: Logger;
  /** List page size (client-go's 500). */
  pageSize?: number;
  /** Watch timeoutSeconds is drawn from [min, 2*min) (client-go: 5-10 minutes). */
  minWatchTimeoutSeconds?: number;
  /** Backoff after errors: initial and cap, in ms (client-go: 800 ms .. 30 s). */
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  /**
   * Applied to every object before it is cached or handed to handlers (client-go's
   * SetTransform / WithTransform), e.g. stripManagedFields. It may change the object in place.
   */
  transform?: (obj: KObject) => KObject;
}

/**
 * Drops metadata.managedFields, as kube-controller-manager's and kube-scheduler's informers do
 * ("for memory efficiency"): nothing in the loop reads them, and they are a third of a pod's
 * JSON. Writes of a cached object then carry none, and the server keeps the live ones (kube's
 * rule for an update without managedFields). Set to undefined rather than deleted, so that the
 * metadata object keeps its shape (V8 turns objects with deleted members into dictionaries).
 */
export function stripManagedFields<T extends KObject>(obj: T): T {
  const m = obj.metadata;
  if (m && m.managedFields !== undefined) m.managedFields = undefined;
  return obj;
}

interface Listener<T extends KObject> {
  handler: ResourceEventHandler<T>;
  resyncMs: number;
  timer?: ReturnType<typeof setInterval>;
}

export class SharedInformer<T extends KObject = KObject> implements Informer<T> {
  readonly lister: Indexer<T>;
  private readonly listeners: Listener<T>[] = [];
  private synced = false;
  private syncedWaiters: (() => void)[] = [];
  private lastRV = "";
  /** After a 410 on list: the next list reads the newest state ("") instead of a cached one. */
  private rvUnavailable = false;
  /** The server paged a list from "0" (it has no watch cache for this resource). */
  private paginated = false;
  private signal: AbortSignal | undefined;
  private readonly log: Logger;
  private readonly what: string;

  constructor(
    private readonly client: ApiClient,
    readonly type: ResourceType,
    private readonly options: InformerOptions = {},
    private readonly tuning: InformerTuning = {},
  ) {
    this.lister = new Indexer<T>();
    this.log = tuning.log ?? defaultLog;
    this.what = `${type.resource}${type.group ? "." + type.group : ""}`;
  }

  addEventHandler(handler: ResourceEventHandler<T>, resyncMs = 0): void {
    const l: Listener<T> = { handler, resyncMs };
    this.listeners.push(l);
    // A late handler learns the current state as adds (client-go does the same).
    if (this.signal) for (const o of this.lister.list()) this.call(() => handler.add?.(o));
    if (this.signal) this.startResync(l, this.signal);
  }

  addIndexers(indexers: Record<string, IndexFunc<T>>): void {
    this.lister.addIndexers(indexers);
  }

  hasSynced(): boolean {
    return this.synced;
  }

  get started(): boolean {
    return this.signal !== undefined;
  }

  lastSyncResourceVersion(): string {
    return this.lastRV;
  }

  /** Resolves once synced, or when the signal aborts. */
  whenSynced(signal?: AbortSignal): Promise<void> {
    if (this.synced || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        signal?.removeEventListener("abort", done);
        resolve();
      };
      this.syncedWaiters.push(done);
      signal?.addEventListener("abort", done, { once: true });
    });
  }

  /** Runs the reflector until the signal aborts. Starting twice is a no-op. */
  run(signal: AbortSignal): void {
    if (this.signal) return;
    this.signal = signal;
    for (const l of this.listeners) this.startResync(l, signal);
    void this.reflect(signal);
  }

  private startResync(l: Listener<T>, signal: AbortSignal): void {
    if (!(l.resyncMs > 0) || l.timer) return;
    l.timer = setInterval(() => {
      if (!this.synced) return;
      for (const o of this.lister.list()) this.call(() => l.handler.update?.(o, o));
    }, l.resyncMs);
    signal.addEventListener("abort", () => clearInterval(l.timer), { once: true });
  }

  private async reflect(signal: AbortSignal): Promise<void> {
    const initial = this.tuning.backoffInitialMs ?? 800;
    const max = this.tuning.backoffMaxMs ?? 30_000;
    let backoff = initial;
    let needList = true;
    let lastList = 0;
    while (!signal.aborted) {
      try {
        if (needList) {
          // Relists in quick succession (a watch refused again and again) are backed off, as client-go's.
          if (Date.now() - lastList < 1000) {
            await sleep(backoff, signal);
            backoff = Math.min(backoff * 2, max);
            if (signal.aborted) break;
          }
          lastList = Date.now();
          await this.listAll(signal);
          needList = false;
        }
        if (signal.aborted) break;
        const started = Date.now();
        const got = await this.watchOnce(signal);
        // A stream ended by the server's timeout or a dropped connection: watch again from lastRV.
        if (got.result === "gone") needList = true;
        else if (got.events === 0 && Date.now() - started < 1000) {
          // A stream that ends at once with nothing in it would spin: back off as after an error.
          await sleep(backoff, signal);
          backoff = Math.min(backoff * 2, max);
          continue;
        }
        backoff = initial;
      } catch (e) {
        if (signal.aborted) break;
        if (isGone(e)) {
          needList = true;
          continue;
        }
        const code = e instanceof ApiError ? e.code : -1;
        // A refused connection keeps what we have and re-watches; anything else relists.
        if (code !== 0 || !this.lastRV) needList = true;
        this.log.warn("informer: list/watch failed", { resource: this.what, code, error: (e as Error).message, retryInMs: backoff });
        await sleep(backoff * (1 + Math.random() * 0.2), signal);
        backoff = Math.min(backoff * 2, max);
      }
    }
  }

  private async listAll(signal: AbortSignal): Promise<void> {
    const { namespace, labelSelector, fieldSelector } = this.options;
    const pageSize = this.tuning.pageSize ?? 500;
    // client-go's reflector: "0" (any cached state) first, lastRV later, "" after a 410.
    const rv = this.rvUnavailable ? "" : this.lastRV || "0";
    // Like client-go: a limit with a specific resourceVersion makes kube serve an Exact list from
    // etcd; relists want "not older than", from the cache, so they page only when the server
    // paged before (no watch cache).
    const limit = rv === "" || rv === "0" || this.paginated ? pageSize : undefined;
    const items: T[] = [];
    let cont: string | undefined;
    let listRV = "";
    do {
      let page;
      try {
        page = await this.client.list<T>(this.type, namespace, cont ? { labelSelector, fieldSelector, limit, continue: cont } : { labelSelector, fieldSelector, limit, resourceVersion: rv });
        if (rv === "0" && !cont && page.metadata.continue) this.paginated = true;
      } catch (e) {
        // An expired continue token or a compacted revision: the next list reads the newest state.
        if (isGone(e)) this.rvUnavailable = true;
        throw e;
      }
      if (signal.aborted) return;
      items.push(...page.items);
      cont = page.metadata.continue || undefined;
      listRV = page.metadata.resourceVersion ?? listRV;
    } while (cont);
    this.rvUnavailable = false;
    this.replace(items, listRV);
  }

  /** The list's content becomes the cache's; handlers hear the differences. */
  private replace(items: T[], rv: string): void {
    const apiVersion = apiVersionOf(this.type);
    const seen = new Set<string>();
    const changes: (() => void)[] = [];
    const transform = this.tuning.transform;
    for (let o of items) {
      if (transform) o = transform(o) as T;
      o.apiVersion ??= apiVersion;
      o.kind ??= this.type.kind;
      const key = keyOf(o);
      seen.add(key);
      const old = this.lister.upsert(o);
      if (!old) changes.push(() => this.each((h) => h.add?.(o)));
      // Unchanged objects are not news (client-go treats them as a sync).
      else if (old.metadata.resourceVersion !== o.metadata.resourceVersion) changes.push(() => this.each((h) => h.update?.(old, o)));
    }
    for (const key of this.lister.keys()) {
      if (seen.has(key)) continue;
      const old = this.lister.remove(key)!;
      const t: Tombstone<T> = { tombstone: true, key, obj: old };
      changes.push(() => this.each((h) => h.delete?.(t)));
    }
    this.lastRV = rv;
    const first = !this.synced;
    this.synced = true;
    for (const c of changes) c();
    if (first) for (const w of this.syncedWaiters.splice(0)) w();
  }

  /** One watch stream; "gone" when the server said the resourceVersion is too old. */
  private async watchOnce(signal: AbortSignal): Promise<{ result: "ended" | "gone"; events: number }> {
    const { namespace, labelSelector, fieldSelector } = this.options;
    const min = this.tuning.minWatchTimeoutSeconds ?? 300;
    let gone = false;
    let events = 0;
    let failure: ApiError | undefined;
    const h = this.client.watch<T>(
      this.type,
      namespace,
      { labelSelector, fieldSelector, resourceVersion: this.lastRV, allowWatchBookmarks: true, timeoutSeconds: Math.floor(min * (1 + Math.random())) },
      (e) => {
        if (gone || failure) return;
        events++;
        if (e.type === "ERROR") {
          const err = errorFromStatus(e.object);
          if (err.code === 410) gone = true;
          else failure = err;
          h.stop();
          return;
        }
        this.apply(e);
      },
    );
    const onAbort = (): void => h.stop();
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      await h.done;
    } finally {
      signal.removeEventListener("abort", onAbort);
    }
    if (failure) throw failure;
    return { result: gone ? "gone" : "ended", events };
  }

  private apply(e: WatchEvent<T>): void {
    let o = e.object;
    const rv = o.metadata?.resourceVersion;
    if (e.type === "BOOKMARK") {
      if (rv) this.lastRV = rv;
      return;
    }
    if (this.tuning.transform) o = this.tuning.transform(o) as T;
    o.apiVersion ??= apiVersionOf(this.type);
    o.kind ??= this.type.kind;
    if (e.type === "ADDED" || e.type === "MODIFIED") {
      const old = this.lister.upsert(o);
      if (old) this.each((h) => h.update?.(old, o));
      else this.each((h) => h.add?.(o));
    } else if (e.type === "DELETED") {
      this.lister.remove(o);
      this.each((h) => h.delete?.(o));
    }
    if (rv) this.lastRV = rv;
  }

  private each(fn: (h: ResourceEventHandler<T>) => void): void {
    for (const l of this.listeners) this.call(() => fn(l.handler));
  }

  private call(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      // A handler's bug must not stop the informer for everyone else.
      this.log.error("informer: event handler threw", { resource: this.what, error: (e as Error).stack ?? String(e) });
    }
  }
}

/** One shared informer per (type, namespace, selectors), started together (client-go's SharedInformerFactory). */
export class SharedInformerFactory implements InformerFactory {
  private readonly informers = new Map<string, SharedInformer<KObject>>();
  private signal: AbortSignal | undefined;

  constructor(
    private readonly client: ApiClient,
    private readonly tuning: InformerTuning = {},
  ) {}

  for<T extends KObject = KObject>(type: ResourceType, options: InformerOptions = {}): Informer<T> {
    const k = [type.group, type.version, type.resource, options.namespace ?? "", options.labelSelector ?? "", options.fieldSelector ?? ""].join("|");
    let inf = this.informers.get(k);
    if (!inf) {
      inf = new SharedInformer<KObject>(this.client, type, options, this.tuning);
      this.informers.set(k, inf);
      if (this.signal && !this.signal.aborted) inf.run(this.signal);
    }
    return inf as unknown as Informer<T>;
  }

  start(signal: AbortSignal): void {
    this.signal = signal;
    for (const inf of this.informers.values()) inf.run(signal);
  }

  async waitForSync(signal: AbortSignal): Promise<void> {
    for (;;) {
      // Every informer asked for, started or not: controllers call this before start() runs
      // (as with client-go's WaitForCacheSync), and must not get an empty answer then.
      const pending = [...this.informers.values()].filter((i) => !i.hasSynced());
      if (signal.aborted) throw new Error("informers: stopped before they synced");
      if (pending.length === 0) return;
      // One abort listener for all of them (dozens of informers would trip Node's leak warning).
      await new Promise<void>((resolve) => {
        const done = (): void => {
          signal.removeEventListener("abort", done);
          resolve();
        };
        signal.addEventListener("abort", done, { once: true });
        void Promise.all(pending.map((i) => i.whenSynced())).then(done);
      });
    }
  }
}
