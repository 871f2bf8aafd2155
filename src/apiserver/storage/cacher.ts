import { create } from "@bufbuild/protobuf";
import sortedBtree from "sorted-btree";
import { Event_EventType } from "../../store/api/gen/kv_pb.js";
import { RangeRequestSchema, WatchCreateRequestSchema, type WatchResponse } from "../../store/api/gen/rpc_pb.js";
import type { EtcdClient, WatchStream } from "../../store/client/types.js";
import type { KObject } from "../api/types.js";
import {
  asPrefix, compareKeys, deepFreeze, encodeContinue, expiredStatus, errorStatus, fromBytes, fromEtcdError,
  parseResourceVersion, prefixEnd, storageError, toBytes, tooLargeResourceVersion,
} from "./codec.js";
import type { Etcd3Storage } from "./etcd3.js";
import { readPrefix } from "./etcd3.js";
import {
  StorageError, type CreateOptions, type DeleteOptions, type EncodedListResult, type GetOptions, type ListOptions,
  type ListResult, type ObjectAttrs, type Predicate, type Storage, type UpdateFunc, type UpdateOptions, type Watch,
  type WatchEvent, type WatchOptions,
} from "./interface.js";
import { itemLength, Packer, unpack, unpackInto, type Packed } from "./delta.js";
import { atRevision, decodeItem, encodeItem, itemOf, type Item } from "./item.js";
import { WatchQueue } from "./watchQueue.js";
import { storedText, type CachedState } from "./cached.js";
import { copyJSON } from "../../util/json.js";

// sorted-btree is CommonJS with an ES-style default export: Node hands ESM the exports object.
const BTree = sortedBtree.default;
type BTree<K, V> = InstanceType<typeof sortedBtree.default<K, V>>;

export interface CacherOptions {
  /** The event ring's smallest size (kube: 100); it doubles while all of it is fresh. */
  minEvents?: number;
  /** The event ring's largest size (kube: 100 * 1024). */
  maxEvents?: number;
  /** Events younger than this are kept when the ring allows (kube's eventFreshDuration, 75 s). */
  eventFreshMs?: number;
  /** How often a watcher that allows bookmarks gets one (kube: about a minute). */
  bookmarkIntervalMs?: number;
  /** How long a read waits for the cache to reach a resourceVersion (kube's blockTimeout, 3 s). */
  waitTimeoutMs?: number;
  /** Live events a watcher may have queued before it is ended as too slow. */
  watchBufferSize?: number;
  /**
   * Consistent lists ("" resourceVersion) from memory, made current by a progress request
   * (kube's ConsistentListFromCache), or from etcd. "auto": from memory when the server answers
   * progress requests only once its watchers are synced (kplane's store; etcd >= 3.4.31 or
   * 3.5.13, as kube checks), else from etcd.
   */
  consistentReads?: "auto" | "cache" | "store";
  /**
   * Cached objects are shared by every reader: freeze them so that a caller that changes one
   * throws instead of corrupting the cache. "shallow" (default): the object and its metadata,
   * cheap; "deep": everything (tests); false: nothing. The default comes from KPLANE_FREEZE.
   */
  freeze?: "shallow" | "deep" | false;
  /** Page size of the initial list. */
  pageSize?: number;
  /**
   * What selectors look at (kube's GetAttrs), computed once per object version, when a
   * predicate with matchesAttrs first asks. Default: labels, metadata.name, metadata.namespace.
   */
  attrs?: (obj: KObject) => ObjectAttrs;
  /** How many decoded objects are kept for reuse (the most recently used ones). */
  decodedCacheSize?: number;
  /**
   * Bytes of item JSON also kept as it is (Buffers) for the objects written last, so that lists,
   * reads and events of them copy nothing (the rest are unpacked on each read, ~1.5 µs a pod).
   * Default 48 MiB: ~9,500 pods of 4.9 KB. 0: everything packed only.
   */
  hotBytes?: number;
  /**
   * Bytes of items in another encoding (ItemEncoding: the API server's protobuf) kept for the
   * objects held, packed, overhead included. Once spent, further items are encoded on each
   * request instead. Default 32 MiB: ~250,000 bench pods (~130 B each packed); unpacking one for
   * a list costs ~1 µs where encoding it costs ~50 µs.
   */
  encodedAsBytes?: number;
  /** Wait before listing again after the watch broke. */
  relistBackoffMs?: number;
  now?: () => number;
}

/**
 * A second encoding of the objects a cache holds (the API server's protobuf), made by `encode`
 * from the object the first time an object version is asked for in it, then kept packed beside
 * its item JSON for as long as the cache holds that version (within `encodedAsBytes`).
 */
export interface ItemEncoding {
  /** Names the encoding: a cache keeps the bytes of the first encoding it is asked for only. */
  readonly id: string;
  /**
   * The object's bytes; the same object must always give the same bytes. They may be a view of
   * memory the next call overwrites: the cache copies (or packs) them at once.
   */
  encode(obj: KObject): Uint8Array;
}

/**
 * A list in another encoding whose bytes are made as they are read: the items back to back (no
 * separators), `size` bytes in all, in pieces of about 1 MiB. A list of 100,000 pods is ~330 MB:
 * made at once it would sit in memory while the socket drains.
 */
export interface EncodedListStream {
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
  /** Bytes of all the items. */
  size: number;
  /** The items in order, a piece at a time; each piece is the caller's (never reused). */
  pieces(): Generator<Buffer>;
}

/** A watch event from the cache: its object also in another encoding, kept as a list would keep it. */
export interface CachedWatchEvent extends WatchEvent {
  encodedAs(enc: ItemEncoding): Uint8Array;
}

export function isCachedWatchEvent(ev: WatchEvent): ev is CachedWatchEvent {
  return typeof (ev as Partial<CachedWatchEvent>).encodedAs === "function";
}

/** The watch cache as a Storage, plus what its owner may ask of it. */
export interface Cacher extends Storage {
  getListEncoded(prefix: string, opts?: ListOptions): Promise<EncodedListResult>;
  /**
   * getListEncoded's list with its items in `enc` (see ItemEncoding), as a stream. Items not yet
   * held in it are encoded first, in slices of ~10 ms with other work let in between.
   */
  getListEncodedAs(prefix: string, opts: ListOptions | undefined, enc: ItemEncoding): Promise<EncodedListStream>;
  getEncoded(key: string, opts?: GetOptions): Promise<Buffer | undefined>;
  /** Resolves once the cache has listed and watches (reads before that go to the store), or is closed. */
  ready(): Promise<void>;
  /** The newest revision the cache has caught up with (0 before the first list). */
  readonly resourceVersion: bigint;
  /** What the cache holds now (for figures and tests). */
  stats(): CacherStats;
}

export interface CacherStats {
  objects: number;
  /** Bytes of item JSON of the objects held. */
  itemBytes: number;
  /** Bytes of text held for them (packed, see delta.ts). */
  heldBytes: number;
  /** Bytes of item JSON also held as it is (the hot entries; overhead included). */
  hotBytes: number;
  /** Bytes held of items in another encoding (packed, overhead included; see ItemEncoding). */
  encodedAsBytes: number;
  /** Objects whose attributes have been computed. */
  withAttrs: number;
  /** Decoded objects kept for reuse. */
  decoded: number;
  /** Watch events taken in since the cache started, and the time spent on them (fan-out to watchers included). */
  events: number;
  eventMs: number;
}

type EventType = "ADDED" | "MODIFIED" | "DELETED";

/**
 * One object version as the cache keeps it: its item JSON packed against the resource's
 * dictionary (delta.ts) or verbatim, and, once a predicate asked, its attributes. Objects are
 * decoded on demand.
 */
interface Entry extends Packed {
  /** As in Item: where the resourceVersion's digits are in the item JSON, and the cut apiVersion/kind. */
  rvAt: number;
  head: string;
  rev: bigint;
  attrs?: ObjectAttrs | undefined;
  /** The item JSON as it is, while the entry is among the hot ones (see Hot). */
  raw?: Buffer | undefined;
  /** The item in the cache's other encoding (ItemEncoding), packed, once asked for. */
  alt?: Packed | undefined;
}

/** What an entry's other encoding costs beside its packed text (the Packed object and the string's header). */
const ALT_OVERHEAD = 64;
/** Encoding items for a list goes on for this long before other work is let in. */
const ENCODE_SLICE_MS = 10;

const asBuffer = (b: Uint8Array): Buffer => (Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.length));

function sumLengths(items: readonly Uint8Array[]): number {
  let n = 0;
  for (const it of items) n += it.length;
  return n;
}

/** What a hot entry costs beside its bytes (the Buffer view on its slab). */
const VIEW_OVERHEAD = 100;
/** What a slab costs beside its bytes (its Buffer and ArrayBuffer). */
const SLAB_OVERHEAD = 200;

interface Slab {
  buf: Buffer;
  used: number;
  /** The entries given bytes here (some may have lost them since: replaced, deleted). */
  entries: Entry[];
}

/**
 * The entries whose item JSON is also kept as it is: the last ones ingested, within a byte
 * budget. Their bytes are copied side by side into slabs (~1/8 of the budget, at most 1 MiB),
 * not each into an ArrayBuffer of its own: V8 sweeps every ArrayBuffer in each full GC, and
 * ~10,000 of them made ~5 ms of its pause. When the slabs exceed the budget the oldest goes, and
 * its entries lose their bytes; an entry replaced or deleted loses its at once (the slab keeps
 * the space until it goes). A Buffer handed out stays valid: a slab's bytes are never rewritten.
 */
class Hot {
  private slabs: Slab[] = [];
  private readonly slabSize: number;
  /** Entries that lost their bytes while their slab stays (swept out of the slabs' lists now and then). */
  private dropped = 0;
  private kept = 0;
  bytes = 0;

  constructor(readonly budget: number) {
    this.slabSize = Math.max(4096, Math.min(1 << 20, Math.floor(budget / 8)));
  }

  /** Keeps a copy of `item` as e's raw bytes, if the budget allows. */
  add(e: Entry, item: Uint8Array): void {
    const n = item.length;
    if (n + SLAB_OVERHEAD + VIEW_OVERHEAD > this.budget) return;
    let s = this.slabs[this.slabs.length - 1];
    if (s === undefined || s.used + n > s.buf.length) {
      const size = Math.max(n, this.slabSize);
      s = { buf: Buffer.allocUnsafeSlow(size), used: 0, entries: [] };
      this.slabs.push(s);
      this.bytes += size + SLAB_OVERHEAD;
    }
    s.buf.set(item, s.used);
    e.raw = s.buf.subarray(s.used, s.used + n);
    s.used += n;
    s.entries.push(e);
    this.bytes += VIEW_OVERHEAD;
    this.kept++;
    while (this.bytes > this.budget && this.slabs.length > 1) this.retire(this.slabs.shift()!);
    if (this.dropped > this.kept + 1024) this.sweep();
  }

  drop(e: Entry): void {
    if (e.raw === undefined) return;
    e.raw = undefined;
    this.kept--;
    this.dropped++;
  }

  clear(): void {
    for (const s of this.slabs) this.retire(s);
    this.slabs = [];
  }

  private retire(s: Slab): void {
    for (const e of s.entries) {
      if (e.raw !== undefined) {
        e.raw = undefined;
        this.kept--;
      } else this.dropped--;
    }
    this.bytes -= s.buf.length + SLAB_OVERHEAD + s.entries.length * VIEW_OVERHEAD;
  }

  /** Lets go of the entries that lost their bytes (the slabs' lists would keep them alive). */
  private sweep(): void {
    for (const s of this.slabs) {
      const before = s.entries.length;
      s.entries = s.entries.filter((e) => e.raw !== undefined);
      this.dropped -= before - s.entries.length;
      // Their views went when they lost their bytes: their cost is given back here (entries
      // still listed give theirs back when the slab goes, retire() counting by list length).
      this.bytes -= (before - s.entries.length) * VIEW_OVERHEAD;
    }
  }
}

/**
 * Space for item JSON that is used at once and not kept (decoded, copied, packed): [0] for
 * entries unpacked by view(), [1] for items made by encodeItem and atRevision. Never handed out.
 */
const scratch = [Buffer.allocUnsafeSlow(64 * 1024), Buffer.allocUnsafeSlow(64 * 1024)];

function scratchOf(i: 0 | 1, n: number): Buffer {
  let b = scratch[i]!;
  if (b.length < n) scratch[i] = b = Buffer.allocUnsafeSlow(Math.max(n, b.length * 2));
  return b.subarray(0, n);
}

const scratchAlloc = (n: number): Buffer => scratchOf(1, n);

/**
 * A written object as the cache keeps it: apiVersion and kind first, as decodeItem gives them
 * (writes compare their encoding with the stored form the item gives, cached.ts storedText, so
 * the member order must be the same), in a new top level and metadata: the writer's own object
 * goes on to its response. What lies deeper is shared with it, and from now on nobody changes
 * it (tests freeze it deeply: KPLANE_FREEZE, scripts/test.mjs).
 */
function asCached(obj: KObject): KObject {
  const src = obj as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k in src) if (k === "apiVersion" || k === "kind") out[k] = src[k];
  for (const k in src) {
    if (k === "apiVersion" || k === "kind") continue;
    const v = k === "metadata" && src[k] !== null && typeof src[k] === "object" ? { ...(src[k] as object) } : src[k];
    if (k === "__proto__") Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
    else out[k] = v;
  }
  return out as KObject;
}

/** KPLANE_FREEZE=deep|shallow|off: what `freeze` is when not given (the tests run deep). */
const defaultFreeze = ((): "deep" | "shallow" | false => {
  const v = process.env.KPLANE_FREEZE;
  return v === "deep" ? "deep" : v === "off" ? false : "shallow";
})();

function view(e: Entry): Item {
  if (e.raw !== undefined) return { item: e.raw, rvAt: e.rvAt, head: e.head };
  const b = scratchOf(0, itemLength(e));
  unpackInto(e, b, 0);
  return { item: b, rvAt: e.rvAt, head: e.head };
}

/** Pieces of about this size hold a list's unpacked items. */
const LIST_CHUNK = 1 << 20;

/** The entry's item JSON in a Buffer that may be handed out. */
function itemBytes(e: Entry): Buffer {
  return e.raw ?? unpack(e);
}

/**
 * The item JSON of each entry, for a list: the hot ones as they are, the others unpacked side by
 * side into chunks of about 1 MiB, a comma between neighbours (so a writer may send a run of them
 * as one piece of a JSON array).
 */
function listItems(entries: readonly Entry[]): Buffer[] {
  const items = new Array<Buffer>(entries.length);
  let left = 0;
  for (let i = 0; i < entries.length; i++) if (entries[i]!.raw === undefined) left += itemLength(entries[i]!) + 1;
  let chunk: Buffer | undefined;
  let used = 0;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    if (e.raw !== undefined) {
      items[i] = e.raw;
      continue;
    }
    const n = itemLength(e);
    if (chunk === undefined || used + n > chunk.length) {
      const size = Math.max(n + 1, Math.min(left, LIST_CHUNK));
      chunk = size < 4096 ? Buffer.allocUnsafe(size) : Buffer.allocUnsafeSlow(size);
      used = 0;
    }
    unpackInto(e, chunk, used);
    items[i] = chunk.subarray(used, used + n);
    used += n;
    if (used < chunk.length) chunk[used++] = 0x2c;
    left -= n + 1;
  }
  return items;
}

/**
 * Items (`count`, `size` bytes in all) back to back in pieces of about 1 MiB: `lengthOf(i)` and
 * `writeInto(i, buf, at)` give each one, when its piece is made.
 */
function* inPieces(count: number, size: number, lengthOf: (i: number) => number, writeInto: (i: number, buf: Buffer, at: number) => void): Generator<Buffer> {
  let left = size;
  let chunk: Buffer | undefined;
  let used = 0;
  for (let i = 0; i < count; i++) {
    const n = lengthOf(i);
    if (chunk !== undefined && used + n > chunk.length) {
      yield chunk.subarray(0, used);
      chunk = undefined;
    }
    if (chunk === undefined) {
      const want = Math.max(n, Math.min(left, LIST_CHUNK));
      chunk = want < 4096 ? Buffer.allocUnsafe(want) : Buffer.allocUnsafeSlow(want);
      used = 0;
    }
    writeInto(i, chunk, used);
    used += n;
    left -= n;
  }
  if (chunk !== undefined && used > 0) yield chunk.subarray(0, used);
}

/** One change as the cache saw it; `prev` is the state before it (kube's watchCacheEvent). */
interface CacheEvent {
  type: EventType;
  key: string;
  /** The new state; for DELETED, the last state at the deletion's revision. */
  cur: Entry;
  prev: Entry | undefined;
  rv: bigint;
  time: number;
}

/** The WatchEvents one cache event became, shared by the watchers that get the same one. */
interface Fanout {
  /** A live event's item JSON, as ingested (`cur`'s). */
  item?: Buffer;
  same?: WatchEvent;
  added?: WatchEvent;
  left?: WatchEvent;
}

const defaultAttrs = (o: KObject): ObjectAttrs => ({
  labels: o.metadata.labels ?? {},
  fields: { "metadata.name": o.metadata.name ?? "", "metadata.namespace": o.metadata.namespace ?? "" },
});

/** The recent events (kube's watchCache ring): sized by count, grown while all of it is fresh. */
class EventRing {
  private buf: Array<CacheEvent | undefined>;
  /** Absolute indexes: events live in [start, end). */
  private start = 0;
  private end = 0;
  private cap: number;

  constructor(private readonly minCap: number, private readonly maxCap: number, private readonly freshMs: number) {
    this.cap = minCap;
    this.buf = new Array<CacheEvent | undefined>(minCap);
  }

  get size(): number {
    return this.end - this.start;
  }

  get capacity(): number {
    return this.cap;
  }

  private at(i: number): CacheEvent {
    return this.buf[i % this.cap]!;
  }

  /** Adds an event; returns true if an older one had to go. */
  push(ev: CacheEvent): boolean {
    if (this.size === this.cap) {
      if (ev.time - this.at(this.start).time < this.freshMs) this.resize(Math.min(this.cap * 2, this.maxCap));
      else if (ev.time - this.at(this.end - Math.floor(this.cap / 4)).time > this.freshMs) this.resize(Math.max(Math.floor(this.cap / 2), this.minCap));
    }
    let evicted = false;
    if (this.size === this.cap) {
      this.buf[this.start % this.cap] = undefined;
      this.start++;
      evicted = true;
    }
    this.buf[this.end % this.cap] = ev;
    this.end++;
    return evicted;
  }

  private resize(cap: number): void {
    if (cap === this.cap) return;
    const keep = Math.min(this.size, cap);
    const next = new Array<CacheEvent | undefined>(cap);
    const from = this.end - keep;
    for (let i = 0; i < keep; i++) next[i] = this.at(from + i);
    this.buf = next;
    this.cap = cap;
    this.start = 0;
    this.end = keep;
  }

  oldestRV(): bigint | undefined {
    return this.size > 0 ? this.at(this.start).rv : undefined;
  }

  /** The events after `rv`, oldest first. */
  since(rv: bigint): CacheEvent[] {
    let lo = this.start;
    let hi = this.end;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.at(mid).rv > rv) hi = mid;
      else lo = mid + 1;
    }
    const out: CacheEvent[] = [];
    for (let i = lo; i < this.end; i++) out.push(this.at(i));
    return out;
  }

  clear(): void {
    this.buf = new Array<CacheEvent | undefined>(this.minCap);
    this.cap = this.minCap;
    this.start = this.end = 0;
  }
}

/** A watcher served from the cache. */
interface CacheWatcher {
  q: WatchQueue;
  key: string;
  recursive: boolean;
  predicate: Predicate | undefined;
  all: boolean;
  /** Events at or below this revision were covered when it started. */
  minRV: bigint;
  allowBookmarks: boolean;
  nextBookmark: number;
}

/** A list from memory: the entries and their keys, in key order. */
interface EntryList {
  keys: string[];
  entries: Entry[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

interface Waiter {
  rv: bigint;
  resolve: () => void;
  reject: (e: unknown) => void;
  timer: NodeJS.Timeout;
}

/** etcd versions whose progress responses promise every earlier event was sent (kube #123192). */
export function progressTrustworthy(version: string): boolean {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(version);
  if (!m) return false;
  const [maj, min, patch] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (maj !== 3) return maj > 3;
  if (min === 4) return patch >= 31;
  if (min === 5) return patch >= 13;
  return min > 5;
}

/**
 * kube's watch cache for one resource prefix: lists it once, then follows one etcd watch,
 * keeping the current objects (sorted by key) and a ring of recent events in memory. Reads with
 * a resourceVersion, consistent lists, and watches are served from memory; writes go to the
 * store and come back through the watch.
 */
export function cacher(store: Storage, client: EtcdClient, prefix: string, opts: CacherOptions = {}): Cacher {
  return new WatchCache(store as Etcd3Storage, client, asPrefix(prefix), opts);
}

class WatchCache implements Cacher {
  private objects: BTree<string, Entry> = new BTree<string, Entry>(undefined, compareKeys);
  private readonly packer = new Packer();
  private hot: Hot;
  /** Items in another encoding (ItemEncoding): its id, its own dictionary, the bytes held. */
  private altId: string | undefined;
  private readonly altPacker = new Packer();
  private altBytes = 0;
  private readonly altBudget: number;
  /** Decoded objects, least recently used first. */
  private readonly decoded = new Map<Entry, KObject>();
  /** Objects just written through this cache whose events have not come yet (offerWritten). */
  private readonly written = new Map<string, { rev: bigint; obj: KObject }>();
  private readonly decodedMax: number;
  /** The `head`s (apiVersion and kind) seen, so that entries share one string. */
  private readonly heads = new Map<string, string>();
  private readonly attrsOf_: (obj: KObject) => ObjectAttrs;
  private events = 0;
  private eventMs = 0;
  private rv = 0n;
  /** The revision of the last list, and whether events since then have left the ring. */
  private listRV = 0n;
  private evictedSinceList = false;
  private readonly ring: EventRing;
  private readonly watchers = new Set<CacheWatcher>();
  private waiters: Waiter[] = [];
  private isReady = false;
  /** Ready once at least (a later relist makes it unready again for a while). */
  private everReady = false;
  private readyResolve!: () => void;
  private readonly readyPromise = new Promise<void>((r) => (this.readyResolve = r));
  private closed = false;
  private stream: WatchStream | undefined;
  private progressOutstanding = false;
  private progressTimer: NodeJS.Timeout | undefined;
  /** A read began waiting while a progress request was out. */
  private progressRequeue = false;
  private trustProgress = false;
  private readonly bookmarkTimer: NodeJS.Timeout;
  private readonly now: () => number;

  constructor(
    private readonly store: Etcd3Storage,
    private readonly client: EtcdClient,
    private readonly prefix: string,
    private readonly opts: CacherOptions,
  ) {
    this.now = opts.now ?? Date.now;
    this.decodedMax = opts.decodedCacheSize ?? 1024;
    this.hot = new Hot(opts.hotBytes ?? 48 * 1024 * 1024);
    this.altBudget = opts.encodedAsBytes ?? 32 * 1024 * 1024;
    this.attrsOf_ = opts.attrs ?? defaultAttrs;
    this.ring = new EventRing(opts.minEvents ?? 100, opts.maxEvents ?? 100 * 1024, opts.eventFreshMs ?? 75_000);
    const interval = opts.bookmarkIntervalMs ?? 60_000;
    this.bookmarkTimer = setInterval(() => this.sendBookmarks(), Math.min(1000, interval));
    this.bookmarkTimer.unref();
    void this.run();
  }

  get resourceVersion(): bigint {
    return this.rv;
  }

  ready(): Promise<void> {
    return this.readyPromise;
  }

  // ---- following etcd ------------------------------------------------------------------

  private async run(): Promise<void> {
    const mode = this.opts.consistentReads ?? "auto";
    while (!this.closed) {
      try {
        if (mode === "auto") this.trustProgress = progressTrustworthy((await this.client.status()).version);
        else this.trustProgress = mode === "cache";
        await this.listAndWatch();
      } catch {
        // etcd unreachable or the watch failed: list again after a pause.
      }
      if (this.closed) break;
      this.unready();
      await new Promise((r) => setTimeout(r, this.opts.relistBackoffMs ?? 1000).unref());
    }
  }

  /** Lists the prefix, then watches from the list's revision; resolves when the watch ends. */
  private async listAndWatch(): Promise<void> {
    const tree = new BTree<string, Entry>(undefined, compareKeys);
    // The old tree's hot bytes go with it (entries of both count against the budget meanwhile).
    this.hot.clear();
    const rev = await readPrefix(this.client, this.prefix, this.opts.pageSize ?? 10_000, (kv) => {
      const key = fromBytes(kv.key);
      tree.set(key, this.ingest(key, kv.value, kv.modRevision).entry);
    });
    if (this.closed) return;
    this.objects = tree;
    this.altBytes = 0;
    this.decoded.clear();
    this.written.clear();
    this.rv = rev;
    this.listRV = rev;
    this.evictedSinceList = false;
    this.ring.clear();
    const s = this.client.watchStream();
    this.stream = s;
    this.progressOutstanding = false;
    await new Promise<void>((resolve) => {
      s.onClose(() => resolve());
      s.onResponse((r) => {
        if (this.stream !== s) return;
        if (r.canceled) {
          // Compacted past us, or refused: list again.
          s.close();
          resolve();
          return;
        }
        if (r.created) {
          this.isReady = true;
          this.everReady = true;
          this.readyResolve();
          if (this.waiters.length > 0) this.requestProgress();
          return;
        }
        try {
          this.onWatchResponse(r);
        } catch {
          // An object that does not decode: kube's reflector fails its watch and lists again
          // (and stays unready while the list fails; reads go to the store meanwhile).
          s.close();
          resolve();
        }
      });
      const k = toBytes(this.prefix);
      s.create(create(WatchCreateRequestSchema, { key: k, rangeEnd: prefixEnd(k), startRevision: rev + 1n, progressNotify: true }));
    });
    if (this.stream === s) this.stream = undefined;
  }

  /** The cache cannot serve: end every watcher (clients re-watch), reads go to the store. */
  private unready(): void {
    this.isReady = false;
    this.stream = undefined;
    for (const w of this.watchers) w.q.end();
    this.watchers.clear();
    // Reads waiting for a revision give up now (consistent lists then go to the store).
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(tooLargeResourceVersion(this.prefix, w.rv, this.rv));
    }
  }

  /**
   * A stored value as an entry: its item JSON spliced from the bytes (item.ts), packed. `item` is
   * the item JSON in a Buffer of its own when `keep` (for live watchers), else undefined (it was
   * made in scratch space).
   */
  private ingest(key: string, value: Uint8Array, rev: bigint, keep = false): { entry: Entry; item: Buffer | undefined } {
    const it = encodeItem(key, value, rev, keep ? undefined : scratchAlloc);
    const { packed, dict } = this.packer.pack(it.item);
    const e: Entry = { packed, dict, rvAt: it.rvAt, head: this.intern(it.head), rev, attrs: undefined, raw: undefined, alt: undefined };
    if (this.hot.budget > 0) this.hot.add(e, it.item);
    return { entry: e, item: keep ? it.item : undefined };
  }

  /** `e` is no longer the current state of its key. */
  private forget(e: Entry): void {
    this.decoded.delete(e);
    this.hot.drop(e);
    if (e.alt !== undefined) this.altBytes -= e.alt.packed.length + ALT_OVERHEAD;
  }

  /**
   * `bytes` (e in `enc`) kept packed on the entry while it is the current state of its key
   * (forget() gives its cost back), if the encoding is the cache's and the budget allows.
   */
  private keepAlt(key: string, e: Entry, enc: ItemEncoding, bytes: Uint8Array): void {
    this.altId ??= enc.id;
    if (this.altId !== enc.id || e.alt !== undefined || this.altBytes >= this.altBudget || this.objects.get(key) !== e) return;
    e.alt = this.altPacker.pack(asBuffer(bytes));
    this.altBytes += e.alt.packed.length + ALT_OVERHEAD;
  }

  /** The entry is held in `enc`. */
  private hasAlt(e: Entry, enc: ItemEncoding): boolean {
    return e.alt !== undefined && this.altId === enc.id;
  }

  /**
   * The entry in `enc`, encoded from its object (`obj`, or decoded now), kept packed when
   * allowed. The bytes are a view the next encoding may overwrite.
   */
  private encodeAlt(key: string, e: Entry, enc: ItemEncoding, obj?: () => KObject): Uint8Array {
    const bytes = enc.encode(obj ? obj() : (this.decoded.get(e) ?? decodeItem(key, view(e))));
    this.keepAlt(key, e, enc, bytes);
    return bytes;
  }

  /** The entry in `enc`, in a Buffer of its own: unpacked if kept, else encoded (and kept). */
  private encodedAs(key: string, e: Entry, enc: ItemEncoding, obj?: () => KObject): Buffer {
    if (this.hasAlt(e, enc)) return unpack(e.alt!);
    return Buffer.from(this.encodeAlt(key, e, enc, obj));
  }

  private intern(head: string): string {
    const h = this.heads.get(head);
    if (h !== undefined) return h;
    if (this.heads.size < 64) this.heads.set(head, head);
    return head;
  }

  /** An entry's object: decoded, frozen, shared; `remember` keeps it among the recently used. */
  private objectOf(key: string, e: Entry, remember: boolean): KObject {
    const hit = this.decoded.get(e);
    if (hit !== undefined) {
      if (remember) {
        this.decoded.delete(e);
        this.decoded.set(e, hit);
      }
      return hit;
    }
    const obj = this.own(decodeItem(key, view(e)));
    if (remember && this.decodedMax > 0) this.remember(e, obj);
    return obj;
  }

  private attrs(key: string, e: Entry): ObjectAttrs {
    return (e.attrs ??= this.attrsOf_(this.decoded.get(e) ?? decodeItem(key, view(e))));
  }

  /** The predicate on an entry: from its attributes when the predicate can, else on the object. */
  private matches(p: Predicate, key: string, e: Entry): boolean {
    return p.matchesAttrs ? p.matchesAttrs(this.attrs(key, e)) : p.matches(this.objectOf(key, e, false));
  }

  /**
   * A watch event for the entry; its item JSON (`item` when the caller has it at hand) and its
   * object are made when first asked for, once for every watcher it goes to.
   */
  private event(type: EventType, key: string, e: Entry, remember: boolean, item?: Buffer): WatchEvent {
    let obj: KObject | undefined;
    let enc = item;
    const decode = () => (obj ??= this.objectOf(key, e, remember));
    const ev: CachedWatchEvent = {
      type,
      get encoded(): Buffer {
        return (enc ??= itemBytes(e));
      },
      get object(): KObject {
        return decode();
      },
      encodedAs: (as: ItemEncoding) => this.encodedAs(key, e, as, decode),
    };
    return ev;
  }

  private own(obj: KObject): KObject {
    const f = this.opts.freeze ?? defaultFreeze;
    if (f === "deep") return deepFreeze(obj);
    if (f === "shallow") {
      Object.freeze(obj.metadata);
      Object.freeze(obj);
    }
    return obj;
  }

  private onWatchResponse(r: WatchResponse): void {
    if (r.events.length === 0) {
      // A progress notification: every event up to the header's revision has been sent.
      if (r.watchId === -1n) this.progressOutstanding = false;
      const rev = r.header?.revision ?? 0n;
      if (rev > this.rv) this.rv = rev;
      this.wake();
      return;
    }
    const time = this.now();
    const t0 = performance.now();
    for (const e of r.events) {
      const kv = e.kv!;
      const key = fromBytes(kv.key);
      const prev = this.objects.get(key);
      const rv = kv.modRevision;
      if (rv > this.rv) this.rv = rv;
      // Watchers get the item JSON as it comes (no unpacking), in a Buffer of its own.
      const live = this.watchers.size > 0;
      let ev: CacheEvent;
      let item: Buffer | undefined;
      if (e.type === Event_EventType.DELETE) {
        if (prev === undefined) continue;
        this.objects.delete(key);
        this.forget(prev);
        let cur: Entry;
        ({ entry: cur, item } = this.atRevision(prev, rv, live));
        ev = { type: "DELETED", key, cur, prev, rv, time };
      } else {
        // A value that does not decode throws: the watch fails and the cache lists again.
        let cur: Entry;
        ({ entry: cur, item } = this.ingest(key, kv.value, rv, live));
        this.objects.set(key, cur);
        if (prev) this.forget(prev);
        const w = this.written.size > 0 ? this.written.get(key) : undefined;
        if (w !== undefined && w.rev <= rv) {
          this.written.delete(key);
          if (w.rev === rv) this.remember(cur, w.obj);
        }
        ev = { type: prev ? "MODIFIED" : "ADDED", key, cur, prev, rv, time };
      }
      if (this.ring.push(ev)) this.evictedSinceList = true;
      if (!live) continue;
      const fan: Fanout = { item };
      for (const w of this.watchers) {
        if (ev.rv <= w.minRV) continue;
        const out = this.forWatcher(w, ev, fan);
        if (out) w.q.push(out);
      }
    }
    this.events += r.events.length;
    this.eventMs += performance.now() - t0;
    this.wake();
  }

  private requestProgress(): void {
    if (this.progressOutstanding || !this.stream || !this.isReady) return;
    clearTimeout(this.progressTimer);
    this.progressTimer = undefined;
    this.progressOutstanding = true;
    this.stream.requestProgress();
  }

  /** Asks again later (kube: every 100 ms while reads wait), not in a tight loop. */
  private requestProgressSoon(): void {
    if (this.progressTimer) return;
    this.progressTimer = setTimeout(() => {
      this.progressTimer = undefined;
      if (this.waiters.length > 0) this.requestProgress();
    }, 100);
    this.progressTimer.unref();
  }

  /** Settles the reads waiting for a revision the cache has now reached. */
  private wake(): void {
    if (this.waiters.length === 0) return;
    const still: Waiter[] = [];
    for (const w of this.waiters) {
      if (w.rv <= this.rv) {
        clearTimeout(w.timer);
        w.resolve();
      } else still.push(w);
    }
    this.waiters = still;
    if (still.length === 0 || !this.trustProgress || this.progressOutstanding) return;
    // A read that started waiting after the last request went out may need a newer answer now;
    // otherwise the revision it waits for is not there yet: ask again in a while.
    if (this.progressRequeue) {
      this.progressRequeue = false;
      this.requestProgress();
    } else this.requestProgressSoon();
  }

  /** Waits until the cache has seen `rv` (kube's waitUntilFreshAndBlock); TooLargeResourceVersion after the timeout. */
  private waitFor(rv: bigint, key: string): Promise<void> {
    if (rv <= this.rv) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timeout = this.opts.waitTimeoutMs ?? 3000;
      const w: Waiter = {
        rv,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((x) => x !== w);
          reject(tooLargeResourceVersion(key, rv, this.rv));
        }, timeout),
      };
      this.waiters.push(w);
      if (!this.trustProgress) return;
      if (this.progressOutstanding) this.progressRequeue = true;
      else this.requestProgress();
    });
  }

  /** The store's current revision: a linearizable read of one key (kube reads the resource prefix's key). */
  private async currentRV(): Promise<bigint> {
    const k = toBytes(this.prefix);
    try {
      const r = await this.client.range(create(RangeRequestSchema, { key: k, countOnly: true }));
      return r.header!.revision;
    } catch (e) {
      throw fromEtcdError(e, this.prefix);
    }
  }

  // ---- serving ------------------------------------------------------------------------

  private covers(key: string): boolean {
    return key.startsWith(this.prefix);
  }

  /**
   * `prev` (no longer held) at another revision: a DELETED event's object, packed (it lives as
   * long as its event). `item`: its item JSON when `keep`.
   */
  private atRevision(prev: Entry, rv: bigint, keep = false): { entry: Entry; item: Buffer | undefined } {
    const it = atRevision(view(prev), prev.rev, rv, keep ? undefined : scratchAlloc);
    const { packed, dict } = this.packer.pack(it.item);
    return { entry: { packed, dict, rvAt: it.rvAt, head: prev.head, rev: rv, attrs: prev.attrs, raw: undefined, alt: undefined }, item: keep ? it.item : undefined };
  }

  /** `prev` at another revision for one event only (an object leaving a watcher's selector). */
  private leftEvent(key: string, prev: Entry, rv: bigint): WatchEvent {
    const { entry, item } = this.atRevision(prev, rv, true);
    return this.event("DELETED", key, entry, true, item);
  }

  /** The entry get() answers with; "store" when the store must answer. */
  private async getEntry(key: string, o: GetOptions): Promise<Entry | undefined | "store"> {
    // kube serves "" (the latest) from etcd: one key is as cheap there as a consistency check.
    if (!o.resourceVersion || !this.isReady || !this.covers(key)) return "store";
    const rv = parseResourceVersion(o.resourceVersion, key);
    if (rv > this.rv) await this.waitFor(rv, key);
    const e = this.objects.get(key);
    if (e === undefined && !o.ignoreNotFound) throw storageError("KeyNotFound", key, this.rv);
    return e;
  }

  async get(key: string, o: GetOptions = {}): Promise<KObject | undefined> {
    const e = await this.getEntry(key, o);
    if (e === "store") return this.store.get(key, o);
    return e && this.objectOf(key, e, true);
  }

  async getEncoded(key: string, o: GetOptions = {}): Promise<Buffer | undefined> {
    const e = await this.getEntry(key, o);
    if (e !== "store") return e && itemBytes(e);
    if (this.store.getEncoded) return this.store.getEncoded(key, o);
    const obj = await this.store.get(key, o);
    return obj && itemOf(obj).item;
  }

  /** The entry's bytes when the write's event is in already (usually), else the store's answer. */
  writtenEncoded(key: string, obj: KObject): Buffer | undefined {
    const rv = obj.metadata?.resourceVersion;
    if (this.isReady && rv && this.answers.has(obj)) {
      const e = this.objects.get(key);
      if (e !== undefined && e.rev.toString() === rv) return itemBytes(e);
    }
    return this.store.writtenEncoded?.(key, obj);
  }

  async getList(prefix: string, o: ListOptions = {}): Promise<ListResult> {
    const r = await this.listEntries(prefix, o);
    if (r === "store") return this.store.getList(prefix, o);
    const { keys, entries, ...meta } = r;
    const items = new Array<KObject>(entries.length);
    for (let i = 0; i < entries.length; i++) items[i] = this.objectOf(keys[i]!, entries[i]!, false);
    return { items, ...meta };
  }

  /** The items as the cache holds them: nothing decoded, nothing encoded (unless a predicate lacks matchesAttrs). */
  async getListEncoded(prefix: string, o: ListOptions = {}): Promise<EncodedListResult> {
    const r = await this.listEntries(prefix, o);
    if (r === "store") {
      if (this.store.getListEncoded) return this.store.getListEncoded(prefix, o);
      const l = await this.store.getList(prefix, o);
      return { ...l, items: l.items.map((obj) => itemOf(obj).item) };
    }
    const { keys: _keys, entries, ...meta } = r;
    return { items: listItems(entries), ...meta };
  }

  async getListEncodedAs(prefix: string, o: ListOptions = {}, enc: ItemEncoding): Promise<EncodedListStream> {
    const r = await this.listEntries(prefix, o);
    if (r === "store") {
      const { items: objs, ...meta } = await this.store.getList(prefix, o);
      const items = objs.map((obj) => Buffer.from(enc.encode(obj)));
      const size = sumLengths(items);
      return { ...meta, size, pieces: () => inPieces(items.length, size, (i) => items[i]!.length, (i, b, at) => void items[i]!.copy(b, at)) };
    }
    const { keys, entries, ...meta } = r;
    // Those not held in `enc` yet: encoded now (~50 µs a pod), in slices with other work let in;
    // kept packed, or (when they cannot be) copied for this list.
    const extra = new Map<number, Buffer>();
    let sliceEnd = performance.now() + ENCODE_SLICE_MS;
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      if (this.hasAlt(e, enc)) continue;
      const bytes = this.encodeAlt(keys[i]!, e, enc);
      if (!this.hasAlt(e, enc)) extra.set(i, Buffer.from(bytes));
      if ((i & 15) === 15 && performance.now() > sliceEnd) {
        await new Promise((r) => setImmediate(r));
        sliceEnd = performance.now() + ENCODE_SLICE_MS;
      }
    }
    const kept = (i: number) => itemLength(entries[i]!.alt!);
    const lengthOf = extra.size === 0 ? kept : (i: number) => extra.get(i)?.length ?? kept(i);
    let size = 0;
    for (let i = 0; i < entries.length; i++) size += lengthOf(i);
    const writeInto = (i: number, b: Buffer, at: number) => {
      const x = extra.size === 0 ? undefined : extra.get(i);
      if (x) x.copy(b, at);
      else unpackInto(entries[i]!.alt!, b, at);
    };
    return { ...meta, size, pieces: () => inPieces(entries.length, size, lengthOf, writeInto) };
  }

  private async listEntries(prefix: string, o: ListOptions): Promise<EntryList | "store"> {
    const keyPrefix = asPrefix(prefix);
    const rvText = o.resourceVersion ?? "";
    const match = o.resourceVersionMatch ?? "";
    const limit = o.limit && o.limit > 0 ? o.limit : 0;
    // kube 1.32's shouldDelegateList: continuations and exact reads need etcd's history.
    if (!this.isReady || !this.covers(keyPrefix) || o.continue || match === "Exact" || (match === "" && limit > 0 && rvText !== "" && rvText !== "0")) {
      return "store";
    }
    let rv = parseResourceVersion(rvText, keyPrefix);
    const consistent = rvText === "";
    if (consistent) {
      if (!this.trustProgress) return "store";
      rv = await this.currentRV();
    }
    try {
      await this.waitFor(rv, keyPrefix);
    } catch (e) {
      // A consistent read falls back to etcd rather than fail (kube does the same).
      if (consistent && e instanceof StorageError && e.code === "TooLargeResourceVersion") return "store";
      throw e;
    }
    if (!this.isReady) return "store";
    return this.listFromMemory(keyPrefix, rvText === "0" ? 0 : limit, o.predicate);
  }

  /** The list as the cache holds it now; kube ignores `limit` for resourceVersion "0". */
  private listFromMemory(keyPrefix: string, limit: number, pred: Predicate | undefined): EntryList {
    const all = pred === undefined || pred.empty === true;
    const keys: string[] = [];
    const entries: Entry[] = [];
    const result: EntryList = { keys, entries, resourceVersion: this.rv.toString() };
    // Keys under the prefix sort below the prefix with its last character ("/") raised by one.
    const hi = keyPrefix.slice(0, -1) + String.fromCharCode(keyPrefix.charCodeAt(keyPrefix.length - 1) + 1);
    if (limit === 0) {
      this.objects.forRange(keyPrefix, hi, false, (k, e) => {
        if (all || this.matches(pred!, k, e)) {
          keys.push(k);
          entries.push(e);
        }
      });
      return result;
    }
    // A page: walk only as far as it needs.
    let more = false;
    for (const [k, e] of this.objects.entries(keyPrefix, [])) {
      if (!k.startsWith(keyPrefix)) break;
      if (entries.length >= limit) {
        more = true;
        break;
      }
      if (all || this.matches(pred!, k, e)) {
        keys.push(k);
        entries.push(e);
      }
    }
    if (more) {
      result.continue = encodeContinue(keys[keys.length - 1]! + "\x00", keyPrefix, this.rv);
      if (all) {
        // Every key the cache holds is under its own prefix: no need to count those.
        const total = keyPrefix === this.prefix ? this.objects.size : this.objects.forRange(keyPrefix, hi, false);
        result.remainingItemCount = total - limit;
      }
    }
    return result;
  }

  watch(keyOrPrefix: string, o: WatchOptions): Watch {
    const key = o.recursive ? asPrefix(keyOrPrefix) : keyOrPrefix;
    const rv = parseResourceVersion(o.resourceVersion, key);
    if (!this.covers(key)) return this.store.watch(keyOrPrefix, o);
    const initial = o.sendInitialEvents === true;
    if (!this.isReady) {
      // A watch on a cache still making its first list (caches start on first use, often with
      // this very request) waits for it, then is answered from memory, as kube's caches are
      // ready before they serve: a watch from a revision gets its 410 if that is too old, where
      // etcd would replay its history; one from now ("" or "0") would otherwise stay on the store
      // for its whole life, each event decoded and encoded for it alone (~5 % of the server for
      // one watcher of pods in bench:cluster). A cache that was ready once, and after the wait,
      // sends watches to the store.
      if (!initial && !this.everReady && !this.closed) return this.watchWhenReady(keyOrPrefix, key, rv, o);
      return this.store.watch(keyOrPrefix, o);
    }
    const rvText = o.resourceVersion ?? "";
    if (initial && rvText === "" && !this.trustProgress) return this.store.watch(keyOrPrefix, o);
    const q = new WatchQueue(this.opts.watchBufferSize ?? 1000);
    this.startWatch(q, key, rv, o);
    return q;
  }

  /** The watch of a cache not ready yet: from memory once it is, else (after waitTimeoutMs) from the store. */
  private watchWhenReady(keyOrPrefix: string, key: string, rv: bigint, o: WatchOptions): Watch {
    const q = new WatchQueue(this.opts.watchBufferSize ?? 1000);
    let inner: Watch | undefined;
    let timer: NodeJS.Timeout | undefined;
    q.setCleanup(() => {
      clearTimeout(timer);
      inner?.stop();
    });
    void Promise.race([
      this.readyPromise,
      new Promise<void>((r) => (timer = setTimeout(r, this.opts.waitTimeoutMs ?? 3000))),
    ]).then(() => {
      clearTimeout(timer);
      if (q.ended) return;
      if (this.isReady) {
        this.startWatch(q, key, rv, o);
        return;
      }
      // Still listing (or closed): the store answers; its events pass through this queue.
      const w = (inner = this.store.watch(keyOrPrefix, o));
      w.onEvent((ev) => q.push(ev));
      w.onEnd(() => q.end());
    });
    return q;
  }

  /** Serves a watch from memory into q (the cache is ready). */
  private startWatch(q: WatchQueue, key: string, rv: bigint, o: WatchOptions): void {
    const rvText = o.resourceVersion ?? "";
    const w: CacheWatcher = {
      q,
      key,
      recursive: o.recursive,
      predicate: o.predicate,
      all: o.predicate === undefined || o.predicate.empty === true,
      minRV: 0n,
      allowBookmarks: o.allowBookmarks === true,
      nextBookmark: this.now() + (this.opts.bookmarkIntervalMs ?? 60_000),
    };
    q.setCleanup(() => this.watchers.delete(w));
    if (o.sendInitialEvents === true) {
      // Watch-list: wait until the cache is as new as asked ("" = the store's current revision).
      void (async () => {
        try {
          const want = rvText === "" ? await this.currentRV() : rv;
          await this.waitFor(want, key);
        } catch (e) {
          q.push({ type: "ERROR", object: errorStatus(e) });
          q.end();
          return;
        }
        if (q.ended) return;
        if (!this.isReady) {
          q.end();
          return;
        }
        this.startFromState(w);
        if (w.allowBookmarks) {
          q.push({ type: "BOOKMARK", object: { metadata: { resourceVersion: this.rv.toString(), annotations: { "k8s.io/initial-events-end": "true" } } } });
        }
      })();
      return;
    }
    if (rv === 0n) {
      this.startFromState(w);
      return;
    }
    // From a revision: replay what the ring holds after it, or say it is too old.
    const oldest = this.listRV > 0n && !this.evictedSinceList ? this.listRV + 1n : (this.ring.oldestRV() ?? this.rv + 1n);
    if (rv < oldest - 1n) {
      q.push({ type: "ERROR", object: expiredStatus(`too old resource version: ${rv} (${oldest - 1n})`) });
      q.end();
      return;
    }
    const replay = this.ring.since(rv);
    w.minRV = rv > this.rv ? rv : this.rv;
    q.setInitial(this.replay(w, replay));
    this.watchers.add(w);
  }

  /** Starts a watcher with ADDED for the current state (a snapshot: the tree is cloned in O(1)). */
  private startFromState(w: CacheWatcher): void {
    const snapshot = this.objects.clone();
    w.minRV = this.rv;
    w.q.setInitial(this.added(w, snapshot));
    this.watchers.add(w);
  }

  private *added(w: CacheWatcher, tree: BTree<string, Entry>): Generator<WatchEvent> {
    // The current state, possibly large: its objects are decoded (if asked for) but not kept.
    if (!w.recursive) {
      const e = tree.get(w.key);
      if (e !== undefined && (w.all || this.matches(w.predicate!, w.key, e))) yield this.event("ADDED", w.key, e, false);
      return;
    }
    for (const [k, e] of tree.entries(w.key)) {
      if (!k.startsWith(w.key)) return;
      if (w.all || this.matches(w.predicate!, k, e)) yield this.event("ADDED", k, e, false);
    }
  }

  private *replay(w: CacheWatcher, events: CacheEvent[]): Generator<WatchEvent> {
    for (const ev of events) {
      const out = this.forWatcher(w, ev, {});
      if (out) yield out;
    }
  }

  /**
   * What a cache event is to one watcher: its key and predicate decide (kube's cacheWatcher
   * rules). `fan` shares the resulting events between the watchers of one cache event.
   */
  private forWatcher(w: CacheWatcher, ev: CacheEvent, fan: Fanout): WatchEvent | undefined {
    if (w.recursive ? !ev.key.startsWith(w.key) : ev.key !== w.key) return undefined;
    if (w.all) return (fan.same ??= this.event(ev.type, ev.key, ev.cur, true, fan.item));
    const p = w.predicate!;
    if (ev.type === "DELETED") return this.matches(p, ev.key, ev.prev!) ? (fan.same ??= this.event("DELETED", ev.key, ev.cur, true, fan.item)) : undefined;
    const now = this.matches(p, ev.key, ev.cur);
    const before = ev.prev !== undefined && this.matches(p, ev.key, ev.prev);
    if (now) {
      if (before || ev.type === "ADDED") return (fan.same ??= this.event(ev.type, ev.key, ev.cur, true, fan.item));
      return (fan.added ??= this.event("ADDED", ev.key, ev.cur, true, fan.item));
    }
    // Leaving the selector: the last matching state, at this event's revision.
    if (before) return (fan.left ??= this.leftEvent(ev.key, ev.prev!, ev.rv));
    return undefined;
  }

  private sendBookmarks(): void {
    const now = this.now();
    const every = this.opts.bookmarkIntervalMs ?? 60_000;
    for (const w of this.watchers) {
      if (!w.allowBookmarks || now < w.nextBookmark) continue;
      w.nextBookmark = now + every;
      if (this.rv <= w.minRV) continue;
      w.q.push({ type: "BOOKMARK", object: { metadata: { resourceVersion: this.rv.toString() } } });
    }
  }

  // ---- writes and the rest go to the store ----------------------------------------------

  async create(key: string, obj: KObject, o?: CreateOptions): Promise<KObject> {
    const out = await this.store.create(key, obj, o);
    if (!o?.dryRun) this.offerWritten(key, out);
    return out;
  }

  /**
   * Answers of this cache's own writes that were stored, not dry runs (whose answer carries the
   * resourceVersion of the object it would have replaced): what writtenEncoded may answer for.
   */
  private readonly answers = new WeakSet<KObject>();

  /**
   * The cached object saves the store its first read when it is current (kube does the same):
   * the shared decoded object when there is one (a write's own, offerWritten), else a private
   * decoding the writer may change in place, not remembered (the entry is about to be replaced).
   */
  private cached(key: string): CachedState | undefined {
    const e = this.isReady && this.covers(key) ? this.objects.get(key) : undefined;
    if (e === undefined) return undefined;
    const it = view(e);
    const text = fromBytes(it.item);
    const data = storedText(it, text);
    const hit = this.decoded.get(e);
    if (hit !== undefined) return { obj: hit, data, shared: true };
    return { obj: decodeItem(key, it, text), data, shared: false };
  }

  async guaranteedUpdate(key: string, tryUpdate: UpdateFunc, o?: UpdateOptions): Promise<KObject> {
    const out = await this.store.guaranteedUpdate(key, tryUpdate, o, this.cached(key));
    if (!o?.dryRun) this.offerWritten(key, out);
    return out;
  }

  /**
   * A write's own object becomes its entry's decoded object, shared and frozen as any other
   * (asCached): the next write of the key (a pod is created, bound and updated in quick
   * succession), its readers and its watchers then parse nothing.
   */
  private offerWritten(key: string, obj: KObject): void {
    this.answers.add(obj);
    if (this.decodedMax <= 0 || !this.isReady || !this.covers(key)) return;
    const rv = obj.metadata?.resourceVersion;
    if (typeof rv !== "string" || !/^[1-9][0-9]*$/.test(rv)) return;
    const rev = BigInt(rv);
    const e = this.objects.get(key);
    if (e !== undefined && e.rev >= rev) {
      if (e.rev === rev && !this.decoded.has(e)) this.remember(e, this.own(asCached(obj)));
      return;
    }
    this.written.set(key, { rev, obj: this.own(asCached(obj)) });
    // Writes whose events never come (the cache stopped) must not pile up.
    if (this.written.size > this.decodedMax) this.written.delete(this.written.keys().next().value!);
  }

  private remember(e: Entry, obj: KObject): void {
    this.decoded.set(e, obj);
    if (this.decoded.size > this.decodedMax) this.decoded.delete(this.decoded.keys().next().value!);
  }

  delete(key: string, o?: DeleteOptions): Promise<KObject> {
    return this.store.delete(key, o, this.cached(key));
  }

  /** From etcd, as kube counts (the cache may trail a write just made). */
  count(prefix: string): Promise<number> {
    return this.store.count(prefix);
  }

  currentRevision(): Promise<bigint> {
    return this.store.currentRevision();
  }

  stats(): CacherStats {
    let itemBytes = 0;
    let heldBytes = 0;
    let withAttrs = 0;
    for (const e of this.objects.values()) {
      itemBytes += itemLength(e);
      heldBytes += e.packed.length;
      if (e.attrs) withAttrs++;
    }
    return { objects: this.objects.size, itemBytes, heldBytes, hotBytes: this.hot.bytes, encodedAsBytes: this.altBytes, withAttrs, decoded: this.decoded.size, events: this.events, eventMs: this.eventMs };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.bookmarkTimer);
    clearTimeout(this.progressTimer);
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(storageError("Unreachable", this.prefix, 0n, "the watch cache is closed"));
    }
    this.stream?.close();
    this.unready();
    this.hot.clear();
    this.readyResolve();
  }
}
