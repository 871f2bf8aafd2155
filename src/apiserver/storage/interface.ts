import type { KObject } from "../api/types.js";

/**
 * The storage interface of the API server (kube's storage.Interface, in our terms). Keys are
 * full etcd keys (`/registry/pods/default/web-1`); values are objects (JSON in etcd).
 * resourceVersion is the etcd mod revision, written into metadata.resourceVersion on every
 * object handed out and never stored in the value.
 *
 * Two implementations: `etcd3.ts` (straight to an EtcdClient) and `cacher.ts` (a watch cache per
 * resource prefix that serves get/list/watch from memory and hands writes to the etcd3 store).
 *
 * Objects handed out by reads, by watch events and to `validateDeletion` may be shared with the
 * watch cache and other callers: clone before mutating. `tryUpdate` gets its own copy.
 *
 * "Item JSON" (the encoded fast paths): an object as JSON (UTF-8, usually compact) without
 * apiVersion and kind, with metadata.resourceVersion, e.g. `{"metadata":{...},"spec":{...}}` —
 * what a list's items look like. Its members other than those two are the object's.
 */
export interface Storage {
  /** Creates `key`; fails with KeyExists. Returns the stored object with its resourceVersion. */
  create(key: string, obj: KObject, opts?: CreateOptions): Promise<KObject>;
  /** Reads one object; NotFound unless ignoreNotFound (then undefined). */
  get(key: string, opts?: GetOptions): Promise<KObject | undefined>;
  /** Lists every object under `prefix` (which ends in "/") that the predicate admits. */
  getList(prefix: string, opts?: ListOptions): Promise<ListResult>;
  /**
   * Read-modify-write with compare-and-swap on the mod revision, retried on conflict
   * (kube's GuaranteedUpdate). `tryUpdate` gets the current object (undefined when missing
   * and ignoreNotFound is set) and returns the new one; returning the same object reference
   * unchanged means "no change" and nothing is written. It may throw to abort.
   * `tryUpdate` may also return `{ delete: true }` to delete the object atomically instead
   * (used when the last finalizer goes on an object being deleted).
   */
  guaranteedUpdate(key: string, tryUpdate: UpdateFunc, opts?: UpdateOptions): Promise<KObject>;
  /** Deletes `key`, checking preconditions and `validateDeletion` against the current object. */
  delete(key: string, opts?: DeleteOptions): Promise<KObject>;
  /** Watches one key (recursive false) or every key under a prefix. */
  watch(keyOrPrefix: string, opts: WatchOptions): Watch;
  /** Number of objects under prefix (for apiserver_storage_objects). */
  count(prefix: string): Promise<number>;
  /** The store's current revision, read consistently. */
  currentRevision(): Promise<bigint>;
  /** Stops background work (watch cache streams). */
  close(): Promise<void>;
  /**
   * Optional fast path (the watch cache, and the etcd3 store): getList's semantics, options and
   * errors, the items as item JSON. The Buffers may be shared: never mutate them.
   */
  getListEncoded?(prefix: string, opts?: ListOptions): Promise<EncodedListResult>;
  /** Optional fast path: get, the object as item JSON (shared: never mutate). */
  getEncoded?(key: string, opts?: GetOptions): Promise<Buffer | undefined>;
  /**
   * Optional fast path for a write's answer: `obj`, which a create or update of `key` through this
   * storage returned, as item JSON (shared: never mutate), made from what was stored rather than
   * by encoding the object again; undefined when that is not known. Never waits.
   */
  writtenEncoded?(key: string, obj: KObject): Buffer | undefined;
}

export interface CreateOptions {
  /** Attach the key to a lease of this many seconds (events use it). */
  ttlSeconds?: number;
  dryRun?: boolean;
}

export interface GetOptions {
  /** "" (consistent), "0" (any), or a revision to be not older than. */
  resourceVersion?: string;
  ignoreNotFound?: boolean;
}

export type ResourceVersionMatch = "" | "NotOlderThan" | "Exact";

export interface ListOptions {
  /** "" = consistent read; "0" = any (cache allowed); "N" with match NotOlderThan/Exact. */
  resourceVersion?: string;
  resourceVersionMatch?: ResourceVersionMatch;
  /** Page size; 0 or absent = all. */
  limit?: number;
  /** The continue token of a previous page (opaque; made by the storage). */
  continue?: string;
  predicate?: Predicate;
}

export interface ListResult {
  items: KObject[];
  /** The revision the list is consistent at. */
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

export interface EncodedListResult {
  /** Item JSON of each object (see Storage); shared, never mutate. */
  items: Buffer[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

/** The label and field values selectors look at (kube's GetAttrs), computed once per object version. */
export interface ObjectAttrs {
  labels: Readonly<Record<string, string>>;
  fields: Readonly<Record<string, string>>;
}

/** A filter on objects (label and field selectors, compiled by the registry). */
export interface Predicate {
  matches(obj: KObject): boolean;
  /** True when the predicate admits everything (lets storage page without filtering). */
  empty?: boolean;
  /** The same answer as matches(), from attributes, so the cache need not decode objects to filter. */
  matchesAttrs?(attrs: ObjectAttrs): boolean;
}

export interface Preconditions {
  uid?: string;
  resourceVersion?: string;
}

export type UpdateResult = KObject | { delete: true };
export type UpdateFunc = (current: KObject | undefined) => Promise<UpdateResult> | UpdateResult;

export interface UpdateOptions {
  ignoreNotFound?: boolean;
  preconditions?: Preconditions;
  dryRun?: boolean;
  /** tryUpdate never changes the object it is given: a shared (cached) one is not copied for it. */
  leavesCurrent?: boolean;
}

export interface DeleteOptions {
  preconditions?: Preconditions;
  /** Called with the current object before deleting; throw to refuse. */
  validateDeletion?: (current: KObject) => Promise<void> | void;
  dryRun?: boolean;
}

export interface WatchOptions {
  /** "" or "0": start with ADDED for every current object, then changes; "N": changes after N. */
  resourceVersion?: string;
  recursive: boolean;
  predicate?: Predicate;
  /** Send BOOKMARK events (roughly every minute, and on request). */
  allowBookmarks?: boolean;
  /** Watch-list: initial ADDED events then a BOOKMARK with the initial-events-end annotation. */
  sendInitialEvents?: boolean;
}

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";

export interface WatchEvent {
  type: WatchEventType;
  /** The object (for DELETED: its last state with the deletion's resourceVersion). For BOOKMARK:
   * an object with only metadata.resourceVersion (and annotations for initial-events-end).
   * For ERROR: a Status object (e.g. 410 Expired). From the watch cache it is decoded on first
   * access (once per event, shared by the watchers that get it). */
  object: KObject;
  /** ADDED/MODIFIED/DELETED from the watch cache: `object` as item JSON, made once and shared by
   * every watcher (never mutate). */
  encoded?: Buffer;
}

/** A running watch: events are pushed to `onEvent` in order until `stop()` or the end. */
export interface Watch {
  /**
   * `fn` may return a promise to push back (e.g. until the HTTP response drains): later events
   * wait for it, buffered up to a bound; a watcher that falls further behind is ended (onEnd,
   * no ERROR event), as kube-apiserver terminates watchers that cannot keep up.
   */
  onEvent(fn: (ev: WatchEvent) => void | Promise<void>): void;
  /** The watch ended (stop, storage closed, or an error already sent as an ERROR event). */
  onEnd(fn: () => void): void;
  stop(): void;
}

export type StorageErrorCode =
  | "KeyNotFound"
  | "KeyExists"
  | "ResourceVersionConflicts"
  | "InvalidObj"
  | "ResourceExpired" // compacted: list continue / exact RV too old
  | "TooLargeResourceVersion"
  | "Unreachable"
  | "BadRequest"; // a malformed continue token or resourceVersion (kube: 400 BadRequest)

/**
 * A storage failure. The registry turns these into API Status errors (NotFound, AlreadyExists,
 * Conflict, Expired, Timeout with ResourceVersionTooLarge, ...).
 */
export class StorageError extends Error {
  constructor(
    readonly code: StorageErrorCode,
    readonly key: string,
    message: string,
    readonly resourceVersion?: string,
    /** ResourceExpired on a continued list: kube's fresh, inconsistent token (ListMeta.continue of the 410). */
    readonly continueToken?: string,
  ) {
    super(message);
    this.name = "StorageError";
  }
}
