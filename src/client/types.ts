/**
 * The contract every client of the API server in kplane shares (controllers, scheduler,
 * simulated nodes): what a resource is, how to read and write it, informers, listers, work
 * queues and events. The shapes follow client-go's so that its documentation explains ours.
 * Implementations: rest.ts (HTTP), fake.ts (in memory, for tests).
 */
import type { KObject, ListMeta } from "../apiserver/api/types.js";

export type { KObject, ObjectMeta, OwnerReference, ListMeta } from "../apiserver/api/types.js";

/** A served resource: where it lives on the wire and which kind it holds. */
export interface ResourceType {
  /** "" for the core group. */
  group: string;
  version: string;
  /** Plural, lower case: "pods", "deployments". */
  resource: string;
  kind: string;
  namespaced: boolean;
}

export interface KList<T extends KObject = KObject> {
  apiVersion?: string;
  kind?: string;
  metadata: ListMeta;
  items: T[];
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  resourceVersionMatch?: "Exact" | "NotOlderThan";
  limit?: number;
  continue?: string;
}

export interface WatchOptions {
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  timeoutSeconds?: number;
  allowWatchBookmarks?: boolean;
  sendInitialEvents?: boolean;
}

/**
 * What a caller wants back from a read or write. `metadataOnly`: the answer is the object's
 * meta.k8s.io/v1 PartialObjectMetadata (kind, apiVersion and metadata only), as kube's metadata
 * client asks for it (`Accept: application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1`).
 * For callers that read nothing but metadata of the answer: the request itself is unchanged,
 * and the server encodes and the client decodes much less.
 */
export interface ResponseOptions {
  metadataOnly?: boolean;
}

export type GetOptions = ResponseOptions;

export interface WriteOptions extends ResponseOptions {
  dryRun?: boolean;
  fieldManager?: string;
  /** Server-side apply only. */
  force?: boolean;
}

export interface DeleteOptions extends ResponseOptions {
  propagationPolicy?: "Orphan" | "Background" | "Foreground";
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

/** json = RFC 6902, merge = RFC 7386, strategic = kube's strategic merge, apply = server-side apply (YAML or JSON body). */
export type PatchType = "json" | "merge" | "strategic" | "apply";

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";

export interface WatchEvent<T extends KObject = KObject> {
  type: WatchEventType;
  /** For ERROR, a meta/v1 Status (as a KObject with code/reason/message). */
  object: T;
}

export interface WatchHandle {
  /** Ends the watch; `done` then resolves. */
  stop(): void;
  /**
   * Resolves when the stream ends (stop(), the server's timeout, or the connection closing);
   * rejects with an ApiError when the watch request itself is refused (e.g. 410 Gone).
   * An ERROR event inside a running stream is delivered to the handler, not thrown.
   */
  done: Promise<void>;
}

/** A Kubernetes `Status` failure, as the server answered it. */
export class ApiError extends Error {
  constructor(
    /** HTTP status code (0 when no answer came: connection refused or reset). */
    readonly code: number,
    /** Status.reason: NotFound, AlreadyExists, Conflict, Invalid, Gone, Expired, ... */
    readonly reason: string,
    message: string,
    /** The whole Status body when there was one. */
    readonly status?: Record<string, unknown>,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export const isNotFound = (e: unknown): boolean => e instanceof ApiError && e.code === 404;
export const isAlreadyExists = (e: unknown): boolean => e instanceof ApiError && e.code === 409 && e.reason === "AlreadyExists";
export const isConflict = (e: unknown): boolean => e instanceof ApiError && e.code === 409 && e.reason !== "AlreadyExists";
/** 410: a resourceVersion too old for a watch, or an expired continue token. */
export const isGone = (e: unknown): boolean => e instanceof ApiError && e.code === 410;
export const isInvalid = (e: unknown): boolean => e instanceof ApiError && e.code === 422;
export const isForbidden = (e: unknown): boolean => e instanceof ApiError && e.code === 403;

/** A resource as discovery reports it (/api/v1, /apis/<g>/<v>): subresources excluded. */
export interface DiscoveredResource extends ResourceType {
  verbs: string[];
}

/**
 * The typed Kubernetes API as the control loop uses it. Every call is one HTTP request
 * (or one watch stream). `namespace` is ignored for cluster-scoped types.
 */
export interface ApiClient {
  /** With `metadataOnly`, the answer is a PartialObjectMetadata (see ResponseOptions). */
  get<T extends KObject = KObject>(type: ResourceType, namespace: string | undefined, name: string, options?: GetOptions): Promise<T>;
  list<T extends KObject = KObject>(type: ResourceType, namespace: string | undefined, options?: ListOptions): Promise<KList<T>>;
  /** Events are delivered in order, one call at a time, on the stream's own schedule. */
  watch<T extends KObject = KObject>(type: ResourceType, namespace: string | undefined, options: WatchOptions, onEvent: (e: WatchEvent<T>) => void): WatchHandle;
  create<T extends KObject = KObject>(type: ResourceType, namespace: string | undefined, obj: T, options?: WriteOptions): Promise<T>;
  /** PUT of the whole object, or of a subresource ("status", "scale"). The object carries its namespace and name. */
  update<T extends KObject = KObject>(type: ResourceType, obj: T, options?: WriteOptions & { subresource?: string }): Promise<T>;
  patch<T extends KObject = KObject>(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    patchType: PatchType,
    body: unknown,
    options?: WriteOptions & { subresource?: string },
  ): Promise<T>;
  /** Answers the object when the server answers it (graceful deletion, finalizers), else undefined. */
  delete<T extends KObject = KObject>(type: ResourceType, namespace: string | undefined, name: string, options?: DeleteOptions): Promise<T | undefined>;
  /** POST to a subresource: pods/binding, pods/eviction. Answers the response body. */
  createSubresource(type: ResourceType, namespace: string | undefined, name: string, subresource: string, body: KObject, options?: WriteOptions): Promise<KObject>;
  /** Every served resource (preferred and other versions), for the garbage collector and namespace deletion. */
  discovery(): Promise<DiscoveredResource[]>;
}

/** Turns an object into its cache key: "namespace/name", or "name" when cluster-scoped. */
export type KeyFunc = (obj: KObject) => string;
/** An index function answers the index values of an object (e.g. its namespace, its node name). */
export type IndexFunc<T extends KObject = KObject> = (obj: T) => string[];

/** Read-only view of an informer's cache (client-go's Lister + Indexer). Objects are shared: never mutate them; clone first. */
export interface Lister<T extends KObject = KObject> {
  get(namespace: string | undefined, name: string): T | undefined;
  getByKey(key: string): T | undefined;
  /** Every object, or those of one namespace; optionally filtered by a label selector string. */
  list(namespace?: string, labelSelector?: string): T[];
  byIndex(indexName: string, value: string): T[];
  keys(): string[];
}

/** The last known state of an object deleted while the watch was down (client-go's DeletedFinalStateUnknown). */
export interface Tombstone<T extends KObject = KObject> {
  tombstone: true;
  key: string;
  obj: T;
}

export interface ResourceEventHandler<T extends KObject = KObject> {
  add?(obj: T): void;
  /** Also called on resync with old === new (same object). */
  update?(oldObj: T, newObj: T): void;
  delete?(obj: T | Tombstone<T>): void;
}

/** A shared informer: list + watch of one resource into an indexed cache, with handlers. */
export interface Informer<T extends KObject = KObject> {
  readonly type: ResourceType;
  readonly lister: Lister<T>;
  addEventHandler(handler: ResourceEventHandler<T>, resyncMs?: number): void;
  /** Add indexes before start. */
  addIndexers(indexers: Record<string, IndexFunc<T>>): void;
  hasSynced(): boolean;
  /** The resourceVersion of the last list or event seen. */
  lastSyncResourceVersion(): string;
}

export interface InformerFactory {
  /** One shared informer per type (and namespace/selector options) for everyone who asks. */
  for<T extends KObject = KObject>(type: ResourceType, options?: { namespace?: string; labelSelector?: string; fieldSelector?: string }): Informer<T>;
  /** Starts every informer asked for so far (and any asked for later), until the signal aborts. */
  start(signal: AbortSignal): void;
  /** Resolves when every started informer has synced (or rejects when the signal aborts). */
  waitForSync(signal: AbortSignal): Promise<void>;
}

/** Index name every informer has: the object's namespace. */
export const NAMESPACE_INDEX = "namespace";

/**
 * A rate-limited, delaying work queue (client-go's workqueue): a key is processed by at most
 * one worker at a time; adding a key being processed marks it dirty and re-queues it on done().
 */
export interface WorkQueue<K = string> {
  add(key: K): void;
  addAfter(key: K, delayMs: number): void;
  /** Adds after the key's per-item exponential backoff (5 ms doubling to 1000 s, as client-go's default controller limiter) combined with an overall bucket. */
  addRateLimited(key: K): void;
  /** Clears the key's backoff after a successful sync. */
  forget(key: K): void;
  numRequeues(key: K): number;
  /** Waits for the next key; undefined once the queue is shut down and drained. */
  get(): Promise<K | undefined>;
  done(key: K): void;
  len(): number;
  shutDown(): void;
}

export type EventType = "Normal" | "Warning";

/** Records core/v1 Events about an object, as client-go's EventRecorder (with its de-duplication into count/lastTimestamp). */
export interface EventRecorder {
  event(obj: KObject, type: EventType, reason: string, message: string): void;
}

/** Time as the control loop sees it; tests pass a fake one. */
export interface Clock {
  now(): number;
}

export const realClock: Clock = { now: () => Date.now() };
