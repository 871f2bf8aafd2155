import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { Event_EventType, type KeyValue } from "../../store/api/gen/kv_pb.js";
import {
  Compare_CompareResult, Compare_CompareTarget, LeaseGrantRequestSchema, RangeRequestSchema, RequestOpSchema,
  TxnRequestSchema, WatchCreateRequestSchema, type TxnResponse, type WatchResponse,
} from "../../store/api/gen/rpc_pb.js";
import type { EtcdClient } from "../../store/client/types.js";
import type { KObject } from "../api/types.js";
import {
  asPrefix, atResourceVersion, continueExpiredMessage, decodeContinue, decodeObject, encodeContinue, encodeObject, errorStatus,
  expiredStatus, fromBytes, fromEtcdError, inconsistentContinueMessage, isCompacted, isFutureRevision,
  listExpiredMessage, parseResourceVersion, prefixEnd, storageError, toBytes, tooLargeResourceVersion, watchExpiredMessage,
} from "./codec.js";
import {
  StorageError, type CreateOptions, type DeleteOptions, type EncodedListResult, type GetOptions, type ListOptions, type ListResult,
  type Preconditions, type Predicate, type Storage, type UpdateFunc, type UpdateOptions, type Watch, type WatchEvent,
  type WatchOptions,
} from "./interface.js";
import type { CachedState } from "./cached.js";
import { encodeItem } from "./item.js";
import { copyJSON } from "../../util/json.js";
import { WatchQueue } from "./watchQueue.js";

export interface Etcd3Options {
  /** kube's lease manager: a lease is reused for objects created within this window (default 60). */
  leaseReuseDurationSeconds?: number;
  /** ... and for at most this many objects (default 1000). */
  leaseMaxObjectCount?: number;
  /** The largest page read from etcd while filling a filtered page, and for whole-prefix reads (kube's maxLimit, 10000). */
  maxPageSize?: number;
  /** Live events a watcher may have queued before it is ended as too slow (default 1000). */
  watchBufferSize?: number;
}

/**
 * The etcd3 store, with the encoded reads (item JSON spliced from the stored bytes, see item.ts),
 * plus what the watch cache passes down: the object it holds for the key
 * (kube's cachedExistingObject), which saves the first read when it is current.
 */
export interface Etcd3Storage extends Storage {
  getListEncoded(prefix: string, opts?: ListOptions): Promise<EncodedListResult>;
  getEncoded(key: string, opts?: GetOptions): Promise<Buffer | undefined>;
  guaranteedUpdate(key: string, tryUpdate: UpdateFunc, opts?: UpdateOptions, cachedExisting?: CachedState): Promise<KObject>;
  delete(key: string, opts?: DeleteOptions, cachedExisting?: CachedState): Promise<KObject>;
}

type TxnOp = MessageInitShape<typeof RequestOpSchema>;

/** A list's page of any kind of item (objects, item JSON). */
interface ListOf<T> {
  items: T[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

/** One read of a key: the object, its mod revision (0: missing) and its stored JSON. */
interface ObjState {
  obj: KObject | undefined;
  rev: bigint;
  data: string | undefined;
  /** obj is the cache's, read by others: a writer changes a copy (objects read from etcd are private). */
  shared?: boolean;
}

const modEquals = (key: Uint8Array, rev: bigint) => ({
  key,
  target: Compare_CompareTarget.MOD,
  result: Compare_CompareResult.EQUAL,
  targetUnion: { case: "modRevision" as const, value: rev },
});

/**
 * The object just written, at its revision: the writer's own object (shallow copy) unless it
 * carries what the stored form leaves out (selfLink), when the stored JSON is read back.
 */
function asWritten(key: string, obj: KObject, data: string, value: Uint8Array, rev: bigint): KObject {
  const out = obj.metadata?.selfLink === undefined ? atResourceVersion(obj, rev) : decodeObject(key, data, rev);
  writtenValues.set(out, value);
  return out;
}

/** The value each write's answer was stored as, for writtenEncoded (kept while the answer lives). */
const writtenValues = new WeakMap<KObject, Uint8Array>();

/** The kv a txn's failure branch read back (GetOnFailure), or undefined when the key is gone. */
function failureKv(t: TxnResponse): KeyValue | undefined {
  const r = t.responses[0]?.response;
  return r?.case === "responseRange" ? r.value.kvs[0] : undefined;
}

/** kube's Preconditions.Check, against the current object (undefined: missing, an empty object). */
export function checkPreconditions(key: string, p: Preconditions | undefined, obj: KObject | undefined): StorageError | undefined {
  if (!p) return undefined;
  const uid = obj?.metadata.uid ?? "";
  if (p.uid !== undefined && p.uid !== uid) {
    return storageError("InvalidObj", key, 0n, `Precondition failed: UID in precondition: ${p.uid}, UID in object meta: ${uid}`);
  }
  const rv = obj?.metadata.resourceVersion ?? "";
  if (p.resourceVersion !== undefined && p.resourceVersion !== rv) {
    return storageError("InvalidObj", key, 0n, `Precondition failed: ResourceVersion in precondition: ${p.resourceVersion}, ResourceVersion in object meta: ${rv}`);
  }
  return undefined;
}

const admitsAll = (p: Predicate | undefined): boolean => p === undefined || p.empty === true;

/**
 * Reads every key under `prefix` at one revision, in pages of `pageSize` (the revision of the
 * first page pins the rest). Returns that revision.
 */
export async function readPrefix(client: EtcdClient, prefix: string, pageSize: number, onKv: (kv: KeyValue) => void): Promise<bigint> {
  const end = prefixEnd(toBytes(prefix));
  let start = toBytes(prefix);
  let rev = 0n;
  for (;;) {
    const r = await client.range(create(RangeRequestSchema, { key: start, rangeEnd: end, limit: BigInt(pageSize), revision: rev }));
    if (rev === 0n) rev = r.header!.revision;
    for (const kv of r.kvs) onKv(kv);
    if (!r.more || r.kvs.length === 0) return rev;
    const last = r.kvs[r.kvs.length - 1]!.key;
    start = new Uint8Array(last.length + 1);
    start.set(last);
  }
}

/** kube's lease manager: one lease serves many objects with similar TTLs (events). */
class LeaseManager {
  private prevId = 0n;
  private prevExpiry = 0;
  private attached = 0;
  private lock: Promise<unknown> = Promise.resolve();

  constructor(private readonly client: EtcdClient, private readonly reuseSeconds: number, private readonly maxObjects: number) {}

  get(ttl: number): Promise<bigint> {
    const p = this.lock.then(() => this.getLocked(ttl));
    this.lock = p.catch(() => undefined);
    return p;
  }

  private async getLocked(ttl: number): Promise<bigint> {
    // A clock finer than Date.now(): two creates in one millisecond must not look simultaneous
    // (then "sufficient" below fails and a second lease is granted; kube's clock has nanoseconds).
    const now = performance.timeOrigin + performance.now();
    const reuse = Math.min(Math.floor(0.05 * ttl), this.reuseSeconds);
    const valid = now + ttl * 1000 < this.prevExpiry;
    const sufficient = now + (ttl + reuse) * 1000 > this.prevExpiry;
    this.attached++;
    if (valid && sufficient && this.attached <= this.maxObjects) return this.prevId;
    const granted = await this.client.leaseGrant(create(LeaseGrantRequestSchema, { TTL: BigInt(ttl + reuse) }));
    this.prevId = granted.ID;
    this.prevExpiry = now + (ttl + reuse) * 1000;
    this.attached = 1;
    return granted.ID;
  }
}

/** The API server's storage straight over an etcd v3 client (kube's pkg/storage/etcd3). */
export function etcd3Storage(client: EtcdClient, opts: Etcd3Options = {}): Etcd3Storage {
  const maxPage = opts.maxPageSize ?? 10_000;
  const watchBuffer = opts.watchBufferSize ?? 1000;
  const leases = new LeaseManager(client, opts.leaseReuseDurationSeconds ?? 60, opts.leaseMaxObjectCount ?? 1000);
  const watches = new Set<WatchQueue>();

  const stateOf = (key: string, kv: KeyValue | undefined, ignoreNotFound: boolean): ObjState => {
    if (!kv) {
      if (!ignoreNotFound) throw storageError("KeyNotFound", key);
      return { obj: undefined, rev: 0n, data: undefined };
    }
    const data = fromBytes(kv.value);
    return { obj: decodeObject(key, data, kv.modRevision), rev: kv.modRevision, data };
  };

  /** A linearizable read of the key. */
  const currentState = async (key: string, ignoreNotFound: boolean): Promise<ObjState> => {
    const r = await client.range(create(RangeRequestSchema, { key: toBytes(key) }));
    return stateOf(key, r.kvs[0], ignoreNotFound);
  };

  /**
   * The state a cached object stands for (it may be stale; writes compare its revision). A
   * shared object is only read here; whoever changes it gets a copy (below).
   */
  const stateFromCache = (c: CachedState): ObjState => {
    const rev = BigInt(c.obj.metadata.resourceVersion ?? "0");
    return { obj: c.obj, rev, data: c.data ?? encodeObject(c.obj), shared: c.shared };
  };

  const txn = (compareKey: Uint8Array, rev: bigint, success: TxnOp[], getOnFailure: boolean): Promise<TxnResponse> =>
    client.txn(create(TxnRequestSchema, {
      compare: [modEquals(compareKey, rev)],
      success,
      failure: getOnFailure ? [{ request: { case: "requestRange", value: { key: compareKey } } }] : [],
    }));

  async function currentRevision(): Promise<bigint> {
    try {
      const r = await client.range(create(RangeRequestSchema, { key: toBytes("/"), countOnly: true }));
      return r.header!.revision;
    } catch (e) {
      throw fromEtcdError(e, "/");
    }
  }

  async function create_(key: string, obj: KObject, o: CreateOptions = {}): Promise<KObject> {
    const data = encodeObject(obj);
    try {
      if (o.dryRun) {
        const r = await client.range(create(RangeRequestSchema, { key: toBytes(key), countOnly: true }));
        if (r.count > 0n) throw storageError("KeyExists", key);
        return JSON.parse(data) as KObject;
      }
      const lease = o.ttlSeconds ? await leases.get(o.ttlSeconds) : 0n;
      const k = toBytes(key);
      const value = toBytes(data);
      const t = await txn(k, 0n, [{ request: { case: "requestPut", value: { key: k, value, lease } } }], false);
      if (!t.succeeded) throw storageError("KeyExists", key);
      // The caller's object as written, at its revision (no second parse of what was just encoded).
      return asWritten(key, obj, data, value, t.header!.revision);
    } catch (e) {
      throw fromEtcdError(e, key);
    }
  }

  /** get's read: the key's kv (undefined: missing and ignoreNotFound). */
  async function getKv(key: string, o: GetOptions): Promise<KeyValue | undefined> {
    const minRV = parseResourceVersion(o.resourceVersion, key);
    try {
      const r = await client.range(create(RangeRequestSchema, { key: toBytes(key), serializable: o.resourceVersion === "0" }));
      if (minRV > r.header!.revision) throw tooLargeResourceVersion(key, minRV, r.header!.revision);
      const kv = r.kvs[0];
      if (!kv) {
        if (o.ignoreNotFound) return undefined;
        throw storageError("KeyNotFound", key);
      }
      return kv;
    } catch (e) {
      throw fromEtcdError(e, key);
    }
  }

  async function get(key: string, o: GetOptions = {}): Promise<KObject | undefined> {
    const kv = await getKv(key, o);
    return kv && decodeObject(key, kv.value, kv.modRevision);
  }

  async function getEncoded(key: string, o: GetOptions = {}): Promise<Buffer | undefined> {
    const kv = await getKv(key, o);
    return kv && encodeItem(key, kv.value, kv.modRevision).item;
  }

  /** getList over items made by `make` (undefined: the predicate drops it). */
  async function list<T>(prefix: string, o: ListOptions, make: (key: string, kv: KeyValue) => T | undefined): Promise<ListOf<T>> {
    const keyPrefix = asPrefix(prefix);
    const limit = o.limit && o.limit > 0 ? o.limit : 0;
    const paging = limit > 0;
    const all = admitsAll(o.predicate);
    // kube's ValidateListOptions: which revision to read at, and where to start.
    let withRev = 0n;
    let startKey = keyPrefix;
    const continuing = !!o.continue;
    let minRV = 0n;
    if (o.continue) {
      const c = decodeContinue(o.continue, keyPrefix);
      if (o.resourceVersion && o.resourceVersion !== "0") {
        throw new StorageError("BadRequest", keyPrefix, "specifying resource version is not allowed when using continue");
      }
      startKey = c.startKey;
      if (c.rv > 0n) withRev = c.rv;
    } else if (o.resourceVersion) {
      const rv = parseResourceVersion(o.resourceVersion, keyPrefix);
      const match = o.resourceVersionMatch ?? "";
      if (match === "NotOlderThan") minRV = rv;
      else if (match === "Exact") withRev = rv;
      else if (paging && rv > 0n) withRev = rv; // the legacy exact read of a paged list
      else minRV = rv;
    }
    const end = prefixEnd(toBytes(keyPrefix));
    const items: T[] = [];
    let pageLimit = limit;
    let key = toBytes(startKey);
    let lastKey: string | undefined;
    let hasMore = false;
    let count = 0n;
    for (;;) {
      let r;
      try {
        r = await client.range(create(RangeRequestSchema, {
          key, rangeEnd: end, limit: BigInt(pageLimit), revision: withRev, serializable: o.resourceVersion === "0",
        }));
      } catch (e) {
        if (isCompacted(e)) {
          if (!continuing) throw new StorageError("ResourceExpired", keyPrefix, listExpiredMessage);
          // kube offers a token that continues at the latest revision (rv -1), knowingly inconsistent.
          let token: string | undefined;
          try {
            token = encodeContinue(startKey, keyPrefix, -1n);
          } catch {
            throw new StorageError("ResourceExpired", keyPrefix, continueExpiredMessage);
          }
          throw new StorageError("ResourceExpired", keyPrefix, inconsistentContinueMessage, undefined, token);
        }
        if (isFutureRevision(e)) throw tooLargeResourceVersion(keyPrefix, withRev, await currentRevision().catch(() => 0n));
        throw fromEtcdError(e, keyPrefix);
      }
      if (withRev === 0n) {
        withRev = r.header!.revision;
        if (minRV > withRev) throw tooLargeResourceVersion(keyPrefix, minRV, withRev);
      }
      count = r.count;
      const more = BigInt(r.kvs.length) < r.count;
      let limitReached = false;
      for (const kv of r.kvs) {
        if (paging && items.length >= limit) {
          limitReached = true;
          break;
        }
        lastKey = fromBytes(kv.key);
        const item = make(lastKey, kv);
        if (item !== undefined) items.push(item);
      }
      hasMore = more || limitReached;
      if (limitReached || !more || (paging && items.length >= limit)) break;
      // A filtered page came up short: read on, in growing pages (kube doubles up to maxLimit).
      const last = r.kvs[r.kvs.length - 1]!.key;
      key = new Uint8Array(last.length + 1);
      key.set(last);
      if (pageLimit < maxPage) pageLimit = Math.min(pageLimit * 2, maxPage);
    }
    const result: ListOf<T> = { items, resourceVersion: withRev.toString() };
    if (hasMore && lastKey !== undefined) {
      result.continue = encodeContinue(lastKey + "\x00", keyPrefix, withRev);
      // etcd's count includes objects the predicate drops: kube gives a count only without one.
      if (all) result.remainingItemCount = Number(count) - limit;
    }
    return result;
  }

  function getList(prefix: string, o: ListOptions = {}): Promise<ListResult> {
    const pred = admitsAll(o.predicate) ? undefined : o.predicate;
    return list(prefix, o, (key, kv) => {
      const obj = decodeObject(key, kv.value, kv.modRevision);
      return pred === undefined || pred.matches(obj) ? obj : undefined;
    });
  }

  /** Items spliced from the stored bytes; objects are decoded only for a predicate. */
  function getListEncoded(prefix: string, o: ListOptions = {}): Promise<EncodedListResult> {
    const pred = admitsAll(o.predicate) ? undefined : o.predicate;
    return list(prefix, o, (key, kv) => {
      if (pred !== undefined && !pred.matches(decodeObject(key, kv.value, kv.modRevision))) return undefined;
      return encodeItem(key, kv.value, kv.modRevision).item;
    });
  }

  async function guaranteedUpdate(key: string, tryUpdate: UpdateFunc, o: UpdateOptions = {}, cachedExisting?: CachedState): Promise<KObject> {
    const ignoreNotFound = o.ignoreNotFound ?? false;
    const k = toBytes(key);
    try {
      const useCache = cachedExisting !== undefined && !o.dryRun;
      let st = useCache ? stateFromCache(cachedExisting!) : await currentState(key, ignoreNotFound);
      let isCurrent = !useCache;
      const refresh = async () => {
        st = await currentState(key, ignoreNotFound);
        isCurrent = true;
      };
      for (;;) {
        const perr = checkPreconditions(key, o.preconditions, st.obj);
        if (perr) {
          if (isCurrent) throw perr;
          await refresh();
          continue;
        }
        let ret;
        try {
          // tryUpdate may change the object in place (unless it says it leaves it): it gets a copy
          // of a shared one, and a private one is not read again (a new state replaces it before
          // the next try).
          const copy = st.obj !== undefined && (o.dryRun || (st.shared && !o.leavesCurrent));
          ret = await tryUpdate(copy ? copyJSON(st.obj) : st.obj);
        } catch (e) {
          if (isCurrent) throw e;
          const seen = st.rev;
          await refresh();
          if (seen === st.rev) throw e;
          continue;
        }
        if ("delete" in ret && ret.delete === true) {
          if (st.obj === undefined) throw storageError("KeyNotFound", key);
          if (o.dryRun) return st.obj;
          const t = await txn(k, st.rev, [{ request: { case: "requestDeleteRange", value: { key: k } } }], true);
          if (!t.succeeded) {
            st = stateOf(key, failureKv(t), ignoreNotFound);
            isCurrent = true;
            continue;
          }
          return decodeObject(key, st.data!, t.header!.revision);
        }
        const data = encodeObject(ret as KObject);
        if (data === st.data) {
          // Nothing to write, but a cached state must be confirmed first.
          if (!isCurrent) {
            await refresh();
            if (data !== st.data) continue;
          }
          return decodeObject(key, st.data, st.rev);
        }
        if (o.dryRun) return decodeObject(key, data, st.rev);
        // An update keeps the key's lease (an Event keeps its TTL); a create has none.
        const value = toBytes(data);
        const put = st.rev === 0n ? { key: k, value } : { key: k, value, ignoreLease: true };
        const t = await txn(k, st.rev, [{ request: { case: "requestPut", value: put } }], true);
        if (!t.succeeded) {
          st = stateOf(key, failureKv(t), ignoreNotFound);
          isCurrent = true;
          continue;
        }
        // What was written is tryUpdate's own object: it is the answer, at the new revision.
        return asWritten(key, ret as KObject, data, value, t.header!.revision);
      }
    } catch (e) {
      throw fromEtcdError(e, key);
    }
  }

  async function delete_(key: string, o: DeleteOptions = {}, cachedExisting?: CachedState): Promise<KObject> {
    const k = toBytes(key);
    try {
      const useCache = cachedExisting !== undefined && !o.dryRun;
      let st = useCache ? stateFromCache(cachedExisting!) : await currentState(key, false);
      let isCurrent = !useCache;
      for (;;) {
        let err: unknown = checkPreconditions(key, o.preconditions, st.obj);
        if (!err && o.validateDeletion) {
          try {
            await o.validateDeletion(st.obj!);
          } catch (e) {
            err = e;
          }
        }
        if (err) {
          if (isCurrent) throw err;
          const seen = st.rev;
          st = await currentState(key, false);
          isCurrent = true;
          if (seen === st.rev) throw err;
          continue;
        }
        if (o.dryRun) return st.obj!;
        const t = await txn(k, st.rev, [{ request: { case: "requestDeleteRange", value: { key: k } } }], true);
        if (!t.succeeded) {
          st = stateOf(key, failureKv(t), false);
          isCurrent = true;
          continue;
        }
        // The last state, at the deletion's revision (a copy when st.obj is the cache's).
        return atResourceVersion(st.shared ? copyJSON(st.obj!) : st.obj!, t.header!.revision);
      }
    } catch (e) {
      throw fromEtcdError(e, key);
    }
  }

  function watch(keyOrPrefix: string, o: WatchOptions): Watch {
    const rv = parseResourceVersion(o.resourceVersion, keyOrPrefix);
    const q = new WatchQueue(watchBuffer);
    watches.add(q);
    const w = new EtcdWatch(client, o.recursive ? asPrefix(keyOrPrefix) : keyOrPrefix, rv, o, q, maxPage, currentRevision);
    q.setCleanup(() => {
      watches.delete(q);
      w.close();
    });
    void w.start();
    return q;
  }

  async function count(prefix: string): Promise<number> {
    const p = asPrefix(prefix);
    try {
      const r = await client.range(create(RangeRequestSchema, { key: toBytes(p), rangeEnd: prefixEnd(toBytes(p)), countOnly: true }));
      return Number(r.count);
    } catch (e) {
      throw fromEtcdError(e, p);
    }
  }

  return {
    create: create_,
    get,
    getList,
    getEncoded,
    writtenEncoded(key: string, obj: KObject): Buffer | undefined {
      const value = writtenValues.get(obj);
      const rv = obj.metadata.resourceVersion;
      return value && rv ? encodeItem(key, value, BigInt(rv)).item : undefined;
    },
    getListEncoded,
    guaranteedUpdate,
    delete: delete_,
    watch,
    count,
    currentRevision,
    async close() {
      for (const q of [...watches]) q.terminate();
    },
  };
}

/**
 * One watch straight on etcd (kube's watchChan): optionally the current state as ADDED events,
 * then etcd's events from rv+1, filtered by the predicate with kube's rules: an object that
 * stops matching is DELETED, one that starts matching is ADDED.
 */
class EtcdWatch {
  private stream: ReturnType<EtcdClient["watchStream"]> | undefined;
  private closed = false;
  private readonly all: boolean;

  constructor(
    private readonly client: EtcdClient,
    private readonly key: string,
    private readonly rv: bigint,
    private readonly o: WatchOptions,
    private readonly q: WatchQueue,
    private readonly pageSize: number,
    private readonly currentRevision: () => Promise<bigint>,
  ) {
    this.all = admitsAll(o.predicate);
  }

  close(): void {
    this.closed = true;
    this.stream?.close();
  }

  private fail(e: unknown): void {
    this.q.push({ type: "ERROR", object: errorStatus(e) });
    this.q.end();
  }

  async start(): Promise<void> {
    const { o, q } = this;
    // "" and "0" mean "the current state, then changes", as kube's legacy watch. (kube reads an
    // explicit sendInitialEvents=false with "0" as "from now"; the interface does not ask for it.)
    const initial = o.sendInitialEvents === true || this.rv === 0n;
    let startRev = this.rv;
    try {
      if (initial) {
        if (this.rv > 0n) {
          const cur = await this.currentRevision();
          if (this.rv > cur) throw tooLargeResourceVersion(this.key, this.rv, cur);
        }
        const added: WatchEvent[] = [];
        const onKv = (kv: KeyValue) => {
          const obj = decodeObject(fromBytes(kv.key), kv.value, kv.modRevision);
          if (this.all || o.predicate!.matches(obj)) added.push({ type: "ADDED", object: obj });
        };
        if (o.recursive) startRev = await readPrefix(this.client, this.key, this.pageSize, onKv);
        else {
          const r = await this.client.range(create(RangeRequestSchema, { key: toBytes(this.key) }));
          if (r.kvs[0]) onKv(r.kvs[0]);
          startRev = r.header!.revision;
        }
        if (this.closed) return;
        q.setInitial(added.values());
        if (o.sendInitialEvents === true && o.allowBookmarks) {
          q.push({ type: "BOOKMARK", object: { metadata: { resourceVersion: startRev.toString(), annotations: { "k8s.io/initial-events-end": "true" } } } });
        }
      }
    } catch (e) {
      if (!this.closed) this.fail(e instanceof StorageError ? e : fromEtcdError(e, this.key));
      return;
    }
    if (this.closed) return;
    const s = this.client.watchStream();
    this.stream = s;
    s.onResponse((r) => this.onResponse(r));
    s.onClose((err) => {
      if (this.closed || q.ended) return;
      // The connection went away: end quietly, the client re-watches from its last resourceVersion.
      if (err && err.code !== 14 && err.code !== 1) this.fail(storageError("Unreachable", this.key, 0n, err.message));
      else q.end();
    });
    const k = toBytes(this.key);
    s.create(create(WatchCreateRequestSchema, {
      key: k,
      rangeEnd: o.recursive ? prefixEnd(k) : new Uint8Array(0),
      startRevision: startRev + 1n,
      prevKv: true,
      progressNotify: o.allowBookmarks === true,
    }));
  }

  private onResponse(r: WatchResponse): void {
    const q = this.q;
    if (q.ended) return;
    if (r.canceled) {
      if (r.compactRevision > 0n) this.q.push({ type: "ERROR", object: expiredStatus(watchExpiredMessage) });
      else this.q.push({ type: "ERROR", object: errorStatus(new Error(r.cancelReason || "watch canceled by the server")) });
      q.end();
      this.close();
      return;
    }
    if (r.created) return;
    if (r.events.length === 0) {
      if (this.o.allowBookmarks && r.header) q.push({ type: "BOOKMARK", object: { metadata: { resourceVersion: r.header.revision.toString() } } });
      return;
    }
    for (const e of r.events) {
      let ev: WatchEvent | undefined;
      try {
        ev = this.transform(e.type === Event_EventType.DELETE, e.kv!, e.prevKv);
      } catch (err) {
        this.fail(err);
        this.close();
        return;
      }
      if (ev) q.push(ev);
    }
  }

  private transform(deleted: boolean, kv: KeyValue, prev: KeyValue | undefined): WatchEvent | undefined {
    const key = fromBytes(kv.key);
    const created = !deleted && kv.createRevision === kv.modRevision;
    if (!created && !prev) {
      throw new Error(`etcd event received with PrevKv=nil (key=${JSON.stringify(key)}, modRevision=${kv.modRevision}, type=${deleted ? "DELETE" : "PUT"})`);
    }
    const pred = this.o.predicate;
    // The previous state carries the event's revision, as kube's watcher decodes it.
    const old = prev && (deleted || !this.all) ? decodeObject(key, prev.value, kv.modRevision) : undefined;
    if (deleted) return this.all || pred!.matches(old!) ? { type: "DELETED", object: old! } : undefined;
    const cur = decodeObject(key, kv.value, kv.modRevision);
    if (created) return this.all || pred!.matches(cur) ? { type: "ADDED", object: cur } : undefined;
    if (this.all) return { type: "MODIFIED", object: cur };
    const now = pred!.matches(cur);
    const before = pred!.matches(old!);
    if (now && before) return { type: "MODIFIED", object: cur };
    if (now) return { type: "ADDED", object: cur };
    if (before) return { type: "DELETED", object: old! };
    return undefined;
  }
}
