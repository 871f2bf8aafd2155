/**
 * In-memory ApiClient and informers for table tests of controllers, the scheduler and nodes
 * (client-go's fake clientset + object tracker). Writes update the informers' caches and call
 * their handlers synchronously, before the write's promise resolves, so a test can drive a
 * whole loop without timers. It is not an API server: no defaulting or validation; it keeps
 * just enough of kube's semantics (resourceVersion conflicts, generateName, finalizers and
 * graceful pod deletion, pods/binding, status and scale subresources) for controllers to behave.
 */
import { applyPatch } from "../apiserver/patch/index.js";
import { matchesLabels, parseFieldSelector, parseLabelSelector, matchesFields } from "../apiserver/selectors/index.js";
import { Indexer, keyOf } from "./cache.js";
import { apiVersionOf } from "./resources.js";
import {
  ApiError,
  type ApiClient,
  type Clock,
  type DeleteOptions,
  type DiscoveredResource,
  type GetOptions,
  type EventRecorder,
  type EventType,
  type IndexFunc,
  type Informer,
  type InformerFactory,
  type KList,
  type KObject,
  type ListOptions,
  type PatchType,
  type ResourceEventHandler,
  type ResponseOptions,
  type ResourceType,
  type WatchEvent,
  type WatchHandle,
  type WatchOptions,
  type WorkQueue,
  type WriteOptions,
} from "./types.js";

export interface Action {
  verb: "get" | "list" | "watch" | "create" | "update" | "patch" | "delete";
  resource: string;
  namespace?: string;
  name?: string;
  subresource?: string;
  /** The body sent (create/update/createSubresource), or the patch. */
  object?: unknown;
  patchType?: PatchType;
}

/** Answer an error to make the call fail, or undefined to let it through. */
export type Reactor = (action: Action) => ApiError | undefined;

type Listener = (type: ResourceType, e: WatchEvent) => void;

const typeKey = (t: ResourceType): string => `${t.group}/${t.resource}`;
const clone = <T>(o: T): T => structuredClone(o);

export class FakeClock implements Clock {
  constructor(public t = Date.parse("2026-01-01T00:00:00Z")) {}
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

export class FakeRecorder implements EventRecorder {
  readonly events: string[] = [];
  event(_obj: KObject, type: EventType, reason: string, message: string): void {
    this.events.push(`${type} ${reason} ${message}`);
  }
}

export class FakeClient implements ApiClient {
  readonly actions: Action[] = [];
  private readonly objects = new Map<string, Map<string, KObject>>();
  private readonly types = new Map<string, ResourceType>();
  private readonly listeners = new Set<Listener>();
  private readonly reactors: Reactor[] = [];
  private rv = 100;
  private uid = 0;

  constructor(readonly clock: Clock = new FakeClock()) {}

  /** Puts objects in place without recording actions (a test's starting state). */
  seed(type: ResourceType, ...objs: KObject[]): void {
    for (const o of objs) this.store(type, this.stamp(type, clone(o), o.metadata.namespace), "ADDED");
  }

  addReactor(r: Reactor): void {
    this.reactors.push(r);
  }

  /** Objects currently stored (clones). */
  objectsOf<T extends KObject = KObject>(type: ResourceType, namespace?: string): T[] {
    const m = this.objects.get(typeKey(type));
    if (!m) return [];
    return [...m.values()].filter((o) => !namespace || o.metadata.namespace === namespace).map((o) => clone(o) as T);
  }

  /** The recorded actions without reads, as "verb resource[/sub] ns/name" lines: handy for assertions. */
  writes(): string[] {
    return this.actions
      .filter((a) => a.verb !== "get" && a.verb !== "list" && a.verb !== "watch")
      .map((a) => `${a.verb} ${a.resource}${a.subresource ? "/" + a.subresource : ""} ${a.namespace ? a.namespace + "/" : ""}${a.name ?? ""}`);
  }

  clearActions(): void {
    this.actions.length = 0;
  }

  /** @internal used by FakeInformerFactory */
  subscribe(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  private record(a: Action): void {
    this.actions.push(a);
    for (const r of this.reactors) {
      const err = r(a);
      if (err) throw err;
    }
  }

  private bucket(type: ResourceType): Map<string, KObject> {
    const k = typeKey(type);
    this.types.set(k, type);
    let m = this.objects.get(k);
    if (!m) this.objects.set(k, (m = new Map()));
    return m;
  }

  private key(type: ResourceType, namespace: string | undefined, name: string): string {
    return type.namespaced && namespace ? `${namespace}/${name}` : name;
  }

  private stamp(type: ResourceType, obj: KObject, namespace: string | undefined): KObject {
    obj.apiVersion ??= apiVersionOf(type);
    obj.kind ??= type.kind;
    const m = obj.metadata;
    if (type.namespaced) m.namespace = namespace ?? m.namespace ?? "default";
    else delete m.namespace;
    if (!m.name && m.generateName) m.name = m.generateName + (++this.uid).toString(36).padStart(5, "x");
    m.uid ??= `uid-${++this.uid}`;
    m.creationTimestamp ??= new Date(this.clock.now()).toISOString().replace(/\.\d+Z$/, "Z");
    m.generation ??= 1;
    return obj;
  }

  private store(type: ResourceType, obj: KObject, kind: "ADDED" | "MODIFIED" | "DELETED"): KObject {
    const b = this.bucket(type);
    const key = this.key(type, obj.metadata.namespace, obj.metadata.name ?? "");
    obj.metadata.resourceVersion = String(++this.rv);
    if (kind === "DELETED") b.delete(key);
    else b.set(key, obj);
    for (const l of this.listeners) l(type, { type: kind, object: clone(obj) });
    return clone(obj);
  }

  private notFound(type: ResourceType, name: string): ApiError {
    const what = type.group ? `${type.resource}.${type.group}` : type.resource;
    return new ApiError(404, "NotFound", `${what} "${name}" not found`);
  }

  private current(type: ResourceType, namespace: string | undefined, name: string): KObject {
    const o = this.bucket(type).get(this.key(type, namespace, name));
    if (!o) throw this.notFound(type, name);
    return o;
  }

  async get<T extends KObject = KObject>(type: ResourceType, namespace: string | undefined, name: string, options: GetOptions = {}): Promise<T> {
    this.record({ verb: "get", resource: type.resource, namespace, name });
    return answer(clone(this.current(type, namespace, name)), options) as T;
  }

  async list<T extends KObject = KObject>(type: ResourceType, namespace: string | undefined, options: ListOptions = {}): Promise<KList<T>> {
    this.record({ verb: "list", resource: type.resource, namespace });
    const ls = options.labelSelector ? parseLabelSelector(options.labelSelector) : undefined;
    const fs = options.fieldSelector ? parseFieldSelector(options.fieldSelector) : undefined;
    const items = this.objectsOf<T>(type, type.namespaced ? namespace : undefined).filter(
      (o) => (!ls || matchesLabels(ls, o.metadata.labels)) && (!fs || matchesFields(fs, fieldsOf(o))),
    );
    return { apiVersion: apiVersionOf(type), kind: `${type.kind}List`, metadata: { resourceVersion: String(this.rv) }, items };
  }

  watch<T extends KObject = KObject>(type: ResourceType, namespace: string | undefined, options: WatchOptions, onEvent: (e: WatchEvent<T>) => void): WatchHandle {
    this.record({ verb: "watch", resource: type.resource, namespace });
    const ls = options.labelSelector ? parseLabelSelector(options.labelSelector) : undefined;
    let resolve!: () => void;
    const done = new Promise<void>((r) => (resolve = r));
    const unsubscribe = this.subscribe((t, e) => {
      if (typeKey(t) !== typeKey(type)) return;
      if (type.namespaced && namespace && e.object.metadata.namespace !== namespace) return;
      if (ls && !matchesLabels(ls, e.object.metadata.labels)) return;
      onEvent(e as WatchEvent<T>);
    });
    return {
      stop: () => {
        unsubscribe();
        resolve();
      },
      done,
    };
  }

  async create<T extends KObject = KObject>(type: ResourceType, namespace: string | undefined, obj: T, options: WriteOptions = {}): Promise<T> {
    this.record({ verb: "create", resource: type.resource, namespace: namespace ?? obj.metadata.namespace, name: obj.metadata.name, object: clone(obj) });
    const o = this.stamp(type, clone(obj), namespace ?? obj.metadata.namespace);
    const key = this.key(type, o.metadata.namespace, o.metadata.name ?? "");
    if (this.bucket(type).has(key)) {
      const what = type.group ? `${type.resource}.${type.group}` : type.resource;
      throw new ApiError(409, "AlreadyExists", `${what} "${o.metadata.name}" already exists`);
    }
    if (options.dryRun) return answer(o, options) as T;
    return answer(this.store(type, o, "ADDED"), options) as T;
  }

  async update<T extends KObject = KObject>(type: ResourceType, obj: T, options: WriteOptions & { subresource?: string } = {}): Promise<T> {
    const ns = obj.metadata.namespace;
    const name = obj.metadata.name ?? "";
    this.record({ verb: "update", resource: type.resource, namespace: ns, name, subresource: options.subresource, object: clone(obj) });
    const cur = this.current(type, ns, name);
    const rv = obj.metadata.resourceVersion;
    if (rv && rv !== cur.metadata.resourceVersion) throw conflict(type, name);
    let next: KObject;
    if (options.subresource === "status") next = { ...clone(cur), status: clone(obj.status) };
    else if (options.subresource === "scale") {
      next = clone(cur);
      const spec = (next.spec ??= {}) as Record<string, unknown>;
      spec.replicas = (obj.spec as { replicas?: number } | undefined)?.replicas;
    } else {
      next = clone(obj);
      next.metadata = { ...next.metadata, uid: cur.metadata.uid, creationTimestamp: cur.metadata.creationTimestamp, generation: cur.metadata.generation };
      if (JSON.stringify(next.spec) !== JSON.stringify(cur.spec)) next.metadata.generation = (cur.metadata.generation ?? 1) + 1;
    }
    if (options.dryRun) return answer(next, options) as T;
    return answer(this.finishWrite(type, next), options) as T;
  }

  async patch<T extends KObject = KObject>(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    patchType: PatchType,
    body: unknown,
    options: WriteOptions & { subresource?: string } = {},
  ): Promise<T> {
    this.record({ verb: "patch", resource: type.resource, namespace, name, subresource: options.subresource, object: clone(body), patchType });
    const cur = this.current(type, namespace, name);
    const text = typeof body === "string" ? body : JSON.stringify(body);
    const gvk = { group: type.group, version: type.version, kind: type.kind };
    const patched = applyPatch(patchType === "apply" ? "merge" : patchType, clone(cur) as Record<string, unknown>, text, gvk) as KObject;
    const rv = (patched.metadata as { resourceVersion?: string }).resourceVersion;
    if (rv && rv !== cur.metadata.resourceVersion) throw conflict(type, name);
    patched.metadata.uid = cur.metadata.uid;
    if (options.subresource !== "status" && JSON.stringify(patched.spec) !== JSON.stringify(cur.spec)) {
      patched.metadata.generation = (cur.metadata.generation ?? 1) + 1;
    }
    if (options.dryRun) return answer(patched, options) as T;
    return answer(this.finishWrite(type, patched), options) as T;
  }

  /** An update that clears the last finalizer of an object being deleted removes it. */
  private finishWrite(type: ResourceType, next: KObject): KObject {
    if (next.metadata.deletionTimestamp && !(next.metadata.finalizers?.length) && !this.gracefulPending(type, next)) {
      return this.store(type, next, "DELETED");
    }
    return this.store(type, next, "MODIFIED");
  }

  private gracefulPending(type: ResourceType, o: KObject): boolean {
    return type.resource === "pods" && type.group === "" && (o.metadata.deletionGracePeriodSeconds ?? 0) > 0;
  }

  async delete<T extends KObject = KObject>(type: ResourceType, namespace: string | undefined, name: string, options: DeleteOptions = {}): Promise<T | undefined> {
    // What travels as DeleteOptions (metadataOnly shapes the answer, not the request).
    const { metadataOnly: _answerOnly, ...sent } = options;
    this.record({ verb: "delete", resource: type.resource, namespace, name, object: clone(sent) });
    const cur = this.current(type, namespace, name);
    const pre = options.preconditions;
    if (pre?.uid && pre.uid !== cur.metadata.uid) {
      throw new ApiError(409, "Conflict", `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${cur.metadata.uid}`);
    }
    if (pre?.resourceVersion && pre.resourceVersion !== cur.metadata.resourceVersion) {
      throw new ApiError(409, "Conflict", `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in meta: ${cur.metadata.resourceVersion}`);
    }
    if (options.dryRun) return answer(clone(cur), options) as T;
    const next = clone(cur);
    const finalizers = [...(next.metadata.finalizers ?? [])];
    if (options.propagationPolicy === "Foreground" && !finalizers.includes("foregroundDeletion")) finalizers.push("foregroundDeletion");
    if (options.propagationPolicy === "Orphan" && !finalizers.includes("orphan")) finalizers.push("orphan");
    // Pods bound to a node wait for their grace period (the kubelet finishes the deletion).
    let grace = 0;
    if (type.resource === "pods" && type.group === "") {
      const spec = (next.spec ?? {}) as { nodeName?: string; terminationGracePeriodSeconds?: number };
      grace = spec.nodeName ? (options.gracePeriodSeconds ?? spec.terminationGracePeriodSeconds ?? 30) : 0;
      if (next.metadata.deletionTimestamp) grace = Math.min(grace, next.metadata.deletionGracePeriodSeconds ?? grace);
    }
    if (finalizers.length === 0 && grace === 0) {
      this.store(type, next, "DELETED");
      return undefined;
    }
    next.metadata.finalizers = finalizers.length ? finalizers : undefined;
    if (!next.metadata.deletionTimestamp || grace < (next.metadata.deletionGracePeriodSeconds ?? 0)) {
      next.metadata.deletionTimestamp = new Date(this.clock.now() + grace * 1000).toISOString().replace(/\.\d+Z$/, "Z");
    }
    next.metadata.deletionGracePeriodSeconds = grace;
    if (!next.metadata.finalizers) delete next.metadata.finalizers;
    return answer(this.store(type, next, "MODIFIED"), options) as T;
  }

  async createSubresource(type: ResourceType, namespace: string | undefined, name: string, subresource: string, body: KObject, options: WriteOptions = {}): Promise<KObject> {
    this.record({ verb: "create", resource: type.resource, namespace, name, subresource, object: clone(body) });
    const cur = this.current(type, namespace, name);
    if (type.resource === "pods" && subresource === "binding") {
      const spec = (cur.spec ?? {}) as { nodeName?: string };
      if (spec.nodeName) throw new ApiError(409, "Conflict", `Operation cannot be fulfilled on pods/binding "${name}": pod ${name} is already assigned to node "${spec.nodeName}"`);
      const target = (body as { target?: { name?: string } }).target?.name ?? "";
      const next = clone(cur);
      (next.spec as Record<string, unknown>).nodeName = target;
      const status = (next.status ??= {}) as { conditions?: Record<string, unknown>[] };
      status.conditions = [...(status.conditions ?? []).filter((c) => c.type !== "PodScheduled"), { type: "PodScheduled", status: "True", lastProbeTime: null, lastTransitionTime: new Date(this.clock.now()).toISOString().replace(/\.\d+Z$/, "Z") }];
      if (!options.dryRun) this.store(type, next, "MODIFIED");
      return { apiVersion: "v1", kind: "Status", metadata: {}, status: "Success", code: 201 };
    }
    if (type.resource === "pods" && subresource === "eviction") {
      if (!options.dryRun) await this.delete(type, namespace, name, (body as { deleteOptions?: DeleteOptions }).deleteOptions ?? {});
      return { apiVersion: "v1", kind: "Status", metadata: {}, status: "Success", code: 201 };
    }
    throw new ApiError(404, "NotFound", `the server could not find the requested resource`);
  }

  /** Every type in R with the full verb set, unless a test set `served`. */
  served: DiscoveredResource[] | undefined;
  async discovery(): Promise<DiscoveredResource[]> {
    if (this.served) return this.served;
    const { R } = await import("./resources.js");
    const verbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
    return Object.values(R).map((t) => ({ ...t, verbs }));
  }
}

/** The answer as the caller asked for it: the object, or its PartialObjectMetadata (as the API server converts it). */
function answer(o: KObject, options: ResponseOptions): KObject {
  return options.metadataOnly ? { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: o.metadata } : o;
}

function conflict(type: ResourceType, name: string): ApiError {
  const what = type.group ? `${type.resource}.${type.group}` : type.resource;
  return new ApiError(409, "Conflict", `Operation cannot be fulfilled on ${what} "${name}": the object has been modified; please apply your changes to the latest version and try again`);
}

/** Field-selector values of an object: metadata.name/namespace plus any dotted path asked for. */
function fieldsOf(o: KObject): Record<string, string> {
  return new Proxy({} as Record<string, string>, {
    get: (_t, p) => {
      if (typeof p !== "string") return undefined;
      let v: unknown = o;
      for (const part of p.split(".")) v = v && typeof v === "object" ? (v as Record<string, unknown>)[part] : undefined;
      return v === undefined || v === null ? "" : String(v);
    },
  });
}

class FakeInformer<T extends KObject> implements Informer<T> {
  readonly lister: Indexer<T>;
  private readonly handlers: ResourceEventHandler<T>[] = [];

  constructor(
    readonly type: ResourceType,
    private readonly client: FakeClient,
    private readonly namespace: string | undefined,
  ) {
    this.lister = new Indexer<T>();
    for (const o of client.objectsOf<T>(type, namespace)) this.lister.upsert(o);
    client.subscribe((t, e) => {
      if (t.group !== type.group || t.resource !== type.resource) return;
      if (namespace && e.object.metadata.namespace !== namespace) return;
      const obj = e.object as T;
      if (e.type === "DELETED") {
        const old = this.lister.remove(obj);
        if (old) for (const h of this.handlers) h.delete?.(obj);
      } else {
        const old = this.lister.upsert(obj);
        for (const h of this.handlers) {
          if (old) h.update?.(old, obj);
          else h.add?.(obj);
        }
      }
    });
  }

  addEventHandler(handler: ResourceEventHandler<T>): void {
    this.handlers.push(handler);
    for (const o of this.lister.list()) handler.add?.(o);
  }

  addIndexers(indexers: Record<string, IndexFunc<T>>): void {
    this.lister.addIndexers(indexers);
  }

  hasSynced(): boolean {
    return true;
  }

  lastSyncResourceVersion(): string {
    return "";
  }
}

/** Informers over a FakeClient: always synced, kept current synchronously by its writes. */
export class FakeInformerFactory implements InformerFactory {
  private readonly informers = new Map<string, FakeInformer<KObject>>();
  constructor(readonly client: FakeClient) {}

  for<T extends KObject = KObject>(type: ResourceType, options: { namespace?: string } = {}): Informer<T> {
    const k = `${typeKey(type)}|${options.namespace ?? ""}`;
    let inf = this.informers.get(k);
    if (!inf) this.informers.set(k, (inf = new FakeInformer<KObject>(type, this.client, options.namespace)));
    return inf as unknown as Informer<T>;
  }

  start(): void {}

  async waitForSync(): Promise<void> {}
}

/** Records what a controller asks of its queue; never hands out keys. */
export class RecordingQueue implements WorkQueue {
  readonly added: string[] = [];
  readonly after: { key: string; delayMs: number }[] = [];
  add(key: string): void {
    this.added.push(key);
  }
  addAfter(key: string, delayMs: number): void {
    this.after.push({ key, delayMs });
  }
  addRateLimited(key: string): void {
    this.added.push(key);
  }
  forget(): void {}
  numRequeues(): number {
    return 0;
  }
  get(): Promise<string | undefined> {
    return Promise.resolve(undefined);
  }
  done(): void {}
  len(): number {
    return 0;
  }
  shutDown(): void {}
  clear(): void {
    this.added.length = 0;
    this.after.length = 0;
  }
}
