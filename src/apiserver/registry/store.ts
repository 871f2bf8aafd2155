import { randomUUID } from "node:crypto";
import type { FieldError, KObject, ObjectMeta } from "../api/types.js";
import { ApiError, errors, successStatus, type GroupResource, type Status } from "../api/status.js";
import type { EncodedListResult, ListResult, Predicate, Preconditions, Storage, Watch, WatchOptions } from "../storage/interface.js";
import { StorageError } from "../storage/interface.js";
import {
  invalidCauses, invalidMessage, nameIsDNS1035Label, nameIsDNSLabel, nameIsDNSSubdomain, validateObjectMeta,
  validateObjectMetaUpdate, validatePathSegmentName, type NameValidator,
} from "../validation/index.js";
import type { ResourceInfo, Strategy, StrategyContext } from "./types.js";
import { defaultResetFields, ignoreManagedFieldsTimestamps, updateManagedFields, type FieldManagerOptions } from "../fieldmanager/index.js";
import { copyJSON, jsonEqual } from "../../util/json.js";

/**
 * The generic registry store (kube's genericregistry.Store): one per served resource, doing
 * the work every resource shares — keys, names, uids, timestamps, ObjectMeta validation,
 * optimistic concurrency, graceful deletion and finalizers — and calling the resource's
 * Strategy for the rest. It never touches HTTP; handlers call it with decoded objects.
 */

export interface WriteOptions {
  dryRun: boolean;
  /**
   * The manager the write's managedFields entry is recorded under (the request's fieldManager,
   * else its user agent's prefix). Absent: managedFields are left as they are.
   */
  fieldManager?: string;
}

export interface DeleteOptionsBody {
  gracePeriodSeconds?: number;
  propagationPolicy?: "Orphan" | "Background" | "Foreground";
  orphanDependents?: boolean;
  preconditions?: Preconditions;
  dryRun?: string[];
}

export interface ListRequest {
  resourceVersion?: string;
  resourceVersionMatch?: "" | "NotOlderThan" | "Exact";
  limit?: number;
  continue?: string;
  predicate?: Predicate;
}

/** Names kube validates with something other than a DNS-1123 subdomain. */
const nameRules: Record<string, NameValidator> = {
  "/namespaces": nameIsDNSLabel,
  "/services": nameIsDNS1035Label,
  "/serviceaccounts": nameIsDNSSubdomain,
  "/replicationcontrollers": nameIsDNSSubdomain,
  "rbac.authorization.k8s.io/roles": validatePathSegmentName,
  "rbac.authorization.k8s.io/clusterroles": validatePathSegmentName,
  "rbac.authorization.k8s.io/rolebindings": validatePathSegmentName,
  "rbac.authorization.k8s.io/clusterrolebindings": validatePathSegmentName,
  "apps/statefulsets": nameIsDNSSubdomain,
  "apps/deployments": nameIsDNSSubdomain,
  "batch/cronjobs": nameIsDNSSubdomain,
  "/nodes": nameIsDNSSubdomain,
  "apiregistration.k8s.io/apiservices": validatePathSegmentName,
};

/** Resources whose DELETE answers the deleted object (the others answer a Success Status). */
const returnsDeletedObject = new Set(["/pods", "/namespaces", "/nodes", "/services", "/persistentvolumes", "/persistentvolumeclaims"]);

const generateChars = "bcdfghjklmnpqrstvwxz2456789";

export function generateName(base: string): string {
  const max = 63 - 5;
  const b = base.length > max ? base.slice(0, max) : base;
  let s = "";
  for (let i = 0; i < 5; i++) s += generateChars[Math.floor(Math.random() * generateChars.length)];
  return b + s;
}

/** RFC 3339 with second precision, as metav1.Time marshals. */
export function timestamp(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** A deep copy of a stored (JSON) value; see util/json.ts for why not structuredClone. */
/** kube's maxNameGenerationCreateAttempts. */
const MAX_NAME_GENERATION_ATTEMPTS = 8;

export function clone<T>(v: T): T {
  return copyJSON(v);
}

/** Side effects some resources need around writes (Service ClusterIP and NodePort allocation). */
export interface RestHooks {
  /** Before a create or update is written: reserve what the object needs, filling it in.
   * Returns a rollback (write failed) and a release of what `old` held and `obj` no longer does. */
  beforeWrite?(obj: KObject, old: KObject | undefined): Promise<{ rollback: () => Promise<void>; released: () => Promise<void> }>;
  afterDelete?(obj: KObject): Promise<void>;
}

export interface StoreDeps {
  hooks?: RestHooks;
  /** Mutating admission, run after defaulting and before validation. */
  mutate?: (obj: KObject, a: { operation: "CREATE" | "UPDATE"; resource: GroupResource; subresource: string; namespace: string; name: string; dryRun: boolean }) => Promise<void>;
  storage: Storage;
  /** Checks that a namespace exists and is not terminating before creating in it. */
  admitNamespace?: (namespace: string, resource: GroupResource, name: string) => Promise<void>;
  clock?: () => Date;
  /** False when objects are converted between a storage version and this one (default true). */
  servedAsStored?: boolean;
}

export class ResourceStore {
  readonly gr: GroupResource;
  readonly apiVersion: string;
  /**
   * `{"kind":"Pod","apiVersion":"v1",`: put in front of an item's JSON (the storage's encoded
   * form, without kind and apiVersion) it makes the object's JSON.
   */
  readonly typeHeader: Buffer;
  /**
   * Objects are served as they are stored (no conversion from a storage version), so the
   * storage's encoded fast paths can answer for this resource.
   */
  readonly servedAsStored: boolean;
  private readonly nameFn: NameValidator;
  private readonly clock: () => Date;

  constructor(readonly info: ResourceInfo, readonly strategy: Strategy, private readonly deps: StoreDeps) {
    this.gr = { group: info.group, resource: info.resource };
    this.apiVersion = info.group ? `${info.group}/${info.version}` : info.version;
    this.typeHeader = Buffer.from(`{"kind":${JSON.stringify(info.kind)},"apiVersion":${JSON.stringify(this.apiVersion)},`);
    this.servedAsStored = deps.servedAsStored ?? true;
    this.nameFn = nameRules[`${info.group}/${info.resource}`] ?? nameIsDNSSubdomain;
    this.clock = deps.clock ?? (() => new Date());
  }

  get storage(): Storage {
    return this.deps.storage;
  }

  keyRoot(namespace: string): string {
    const root = `/registry/${this.info.etcdPrefix}/`;
    return this.info.namespaced && namespace ? `${root}${namespace}/` : root;
  }

  key(namespace: string, name: string): string {
    return this.keyRoot(namespace) + name;
  }

  private ctx(namespace: string, dryRun: boolean): StrategyContext {
    return { namespace, now: this.clock(), dryRun };
  }

  /** Sets apiVersion and kind, which the store writes with the object. */
  private typed(obj: KObject): KObject {
    obj.apiVersion = this.apiVersion;
    obj.kind = this.info.kind;
    return obj;
  }

  /** What the field manager needs to know about a write through this endpoint. */
  fieldManagerOptions(subresource: string | undefined): FieldManagerOptions {
    const gvk = { group: this.info.group, version: this.info.version, kind: this.info.kind };
    const hasStatus = this.info.subresources?.some((s) => s.name === "status") ?? false;
    return { gvk, ...(subresource ? { subresource } : {}), resetFields: defaultResetFields(gvk, subresource, hasStatus), now: this.clock() };
  }

  private invalid(name: string, errs: FieldError[]): ApiError {
    const kindName = { group: this.info.group, kind: this.info.kind };
    return errors.invalid(this.info.group, this.info.kind, name, invalidMessage(kindName, name, errs), invalidCauses(errs));
  }

  /** Maps storage errors to kube's Status errors for this resource. */
  mapError(err: unknown, name: string): unknown {
    if (!(err instanceof StorageError)) return err;
    switch (err.code) {
      case "KeyNotFound":
        return errors.notFound(this.gr, name);
      case "KeyExists":
        return errors.alreadyExists(this.gr, name);
      case "ResourceVersionConflicts":
        return errors.conflict(this.gr, name, err.message);
      case "ResourceExpired": {
        const e = errors.expired(err.message);
        // kube hands back a token to continue at the latest revision (an inconsistent list).
        if (err.continueToken) e.status.metadata = { continue: err.continueToken };
        return e;
      }
      case "TooLargeResourceVersion":
        return errors.resourceVersionTooLarge(err.message);
      case "InvalidObj":
        // Failed preconditions: kube answers 409 with the storage's text.
        return errors.conflict(this.gr, name, err.message);
      case "Unreachable":
        return errors.internal(err);
      case "BadRequest":
        return errors.badRequest(err.message);
    }
  }

  private checkNamespace(obj: KObject, namespace: string): void {
    const meta = obj.metadata;
    if (this.info.namespaced) {
      if (meta.namespace && namespace && meta.namespace !== namespace) {
        throw errors.badRequest("the namespace of the provided object does not match the namespace sent on the request");
      }
      if (!meta.namespace) meta.namespace = namespace;
    } else if (meta.namespace) {
      delete meta.namespace;
    }
  }

  async get(namespace: string, name: string, resourceVersion?: string): Promise<KObject> {
    try {
      const obj = await this.storage.get(this.key(namespace, name), resourceVersion === undefined ? {} : { resourceVersion });
      if (!obj) throw errors.notFound(this.gr, name);
      return obj;
    } catch (err) {
      throw this.mapError(err, name);
    }
  }

  /**
   * Looks an object up in the cache first and confirms a miss with a consistent read (it may
   * be brand new); undefined when it does not exist. What admission plugins use.
   */
  async find(namespace: string, name: string): Promise<KObject | undefined> {
    for (const rv of ["0", undefined]) {
      try {
        return await this.get(namespace, name, rv);
      } catch (e) {
        if (!(e instanceof ApiError) || e.code !== 404) throw e;
      }
    }
    return undefined;
  }

  /**
   * The object as its item JSON (without kind and apiVersion; see typeHeader), or undefined when
   * the storage has no encoded fast path or this resource is converted on the way out.
   */
  async getEncoded(namespace: string, name: string, resourceVersion?: string): Promise<Buffer | undefined> {
    const s = this.storage;
    if (!this.servedAsStored || !s.getEncoded) return undefined;
    try {
      const b = await s.getEncoded(this.key(namespace, name), resourceVersion === undefined ? {} : { resourceVersion });
      if (!b) throw errors.notFound(this.gr, name);
      return b;
    } catch (err) {
      throw this.mapError(err, name);
    }
  }

  /**
   * What a write answered with (create, update, patch: `obj` as storage returned it), as item JSON
   * from what was stored (see Storage.writtenEncoded), so that the answer is not encoded again.
   */
  writtenEncoded(obj: KObject): Buffer | undefined {
    const s = this.storage;
    const m = obj.metadata;
    if (!this.servedAsStored || !s.writtenEncoded || !m?.name || obj.kind !== this.info.kind) return undefined;
    return s.writtenEncoded(this.key(m.namespace ?? "", m.name), obj);
  }

  /** A list as item JSON (see getEncoded), or undefined when there is no fast path. */
  async listEncoded(namespace: string, req: ListRequest): Promise<EncodedListResult | undefined> {
    const s = this.storage;
    if (!this.servedAsStored || !s.getListEncoded) return undefined;
    try {
      return await s.getListEncoded(this.keyRoot(namespace), req);
    } catch (err) {
      throw this.mapError(err, "");
    }
  }

  async list(namespace: string, req: ListRequest): Promise<ListResult> {
    try {
      return await this.storage.getList(this.keyRoot(namespace), req);
    } catch (err) {
      throw this.mapError(err, "");
    }
  }

  watch(namespace: string, opts: Omit<WatchOptions, "recursive">, name?: string): Watch {
    if (name) return this.storage.watch(this.key(namespace, name), { ...opts, recursive: false });
    return this.storage.watch(this.keyRoot(namespace), { ...opts, recursive: true });
  }

  /**
   * Create (POST); defaults, validation and admission run here. A name made from
   * `generateName` that is taken is made again, up to 8 attempts in all (kube 1.32's
   * RetryGenerateName), each from a copy of the request.
   */
  async create(namespace: string, input: KObject, opts: WriteOptions): Promise<KObject> {
    const meta = input.metadata;
    if (!meta || meta.name || !meta.generateName) return this.createOnce(namespace, input, opts);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.createOnce(namespace, attempt < MAX_NAME_GENERATION_ATTEMPTS ? copyJSON(input) : input, opts);
      } catch (e) {
        if (attempt >= MAX_NAME_GENERATION_ATTEMPTS || !(e instanceof ApiError) || e.status.reason !== "AlreadyExists") throw e;
      }
    }
  }

  private async createOnce(namespace: string, input: KObject, opts: WriteOptions): Promise<KObject> {
    let obj = this.typed(input);
    let meta: ObjectMeta = (obj.metadata ??= {});
    this.checkNamespace(obj, namespace);
    if (meta.resourceVersion) throw errors.badRequest("resourceVersion should not be set on objects to be created");
    if (!meta.name && meta.generateName) meta.name = generateName(meta.generateName);
    meta.uid = randomUUID();
    meta.creationTimestamp = timestamp(this.clock());
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    delete meta.selfLink;
    const ctx = this.ctx(namespace, opts.dryRun);
    this.strategy.defaults?.(obj);
    if (opts.fieldManager !== undefined) obj = updateManagedFields(undefined, obj, opts.fieldManager, this.fieldManagerOptions(undefined));
    this.strategy.prepareForCreate?.(obj, ctx);
    meta = obj.metadata;
    const name = meta.name ?? "";
    pruneEmptyMeta(meta);
    await this.deps.mutate?.(obj, { operation: "CREATE", resource: this.gr, subresource: "", namespace: meta.namespace ?? "", name, dryRun: opts.dryRun });
    // kube's order: allocation (BeginCreate: ClusterIPs, node ports), validation, then
    // validating admission (NamespaceLifecycle).
    const nameErrs = validateObjectMeta(meta, { namespaced: this.info.namespaced, nameFn: this.nameFn });
    const reserved = nameErrs.length ? undefined : await this.reserve(obj, undefined, name);
    try {
      const errs = [...nameErrs, ...(this.strategy.validate?.(obj, ctx) ?? [])];
      if (errs.length) throw this.invalid(name, errs);
      if (this.info.namespaced && this.deps.admitNamespace) await this.deps.admitNamespace(meta.namespace ?? "", this.gr, name);
    } catch (e) {
      await reserved?.rollback();
      throw e;
    }
    try {
      const created = await this.storage.create(this.key(meta.namespace ?? "", name), obj, { dryRun: opts.dryRun, ...this.ttl(obj) });
      if (opts.dryRun) await reserved?.rollback();
      return created;
    } catch (err) {
      await reserved?.rollback();
      throw this.mapError(err, name);
    }
  }

  private async reserve(obj: KObject, old: KObject | undefined, name: string) {
    if (!this.deps.hooks?.beforeWrite) return undefined;
    try {
      return await this.deps.hooks.beforeWrite(obj, old);
    } catch (e) {
      const fe = (e as { fieldErrors?: FieldError[] }).fieldErrors;
      if (fe) throw this.invalid(name, fe);
      throw e;
    }
  }

  private ttl(obj: KObject): { ttlSeconds?: number } {
    // Events expire after an hour (kube-apiserver --event-ttl).
    if (this.info.resource === "events" && obj) return { ttlSeconds: 3600 };
    return {};
  }

  /**
   * Update (PUT) of the resource or one of its subresources. Optimistic concurrency on
   * metadata.resourceVersion; system fields carried over from the stored object.
   */
  async update(namespace: string, name: string, input: KObject, opts: WriteOptions & { subresource?: string }): Promise<{ obj: KObject; created: boolean }> {
    const obj = this.typed(input);
    obj.metadata ??= {};
    this.checkNamespace(obj, namespace);
    if (obj.metadata.name !== undefined && obj.metadata.name !== name) {
      throw errors.badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`);
    }
    obj.metadata.name = name;
    return this.applyUpdate(namespace, name, () => obj, { ...opts, sharedCurrent: true });
  }

  /**
   * The shared read-modify-write: `produce(current)` returns the new object (a fresh value the
   * store may mutate); used by PUT (ignores current) and PATCH (derives from current).
   */
  async applyUpdate(
    namespace: string,
    name: string,
    produce: (current: KObject | undefined) => KObject | Promise<KObject>,
    opts: WriteOptions & {
      subresource?: string;
      forceAllowCreate?: boolean;
      internal?: boolean;
      /** `produce` made managedFields itself (server-side apply): do not record an Update. */
      applied?: boolean;
      /** `produce` never changes its argument (PUT ignores it; patches copy it): no copy is made for it. */
      leavesCurrent?: boolean;
      /**
       * leavesCurrent, and what `produce` answers shares nothing with its argument that the
       * write goes on to change (PUT answers the body; binding copies along the paths it
       * changes): the watch cache's shared object is then handed to it without a copy. Patches
       * share untouched parts with it, which defaulting may then change: not them.
       */
      sharedCurrent?: boolean;
      /** The stored object's uid and resourceVersion must be these (a 409 Conflict otherwise). */
      preconditions?: Preconditions;
    },
  ): Promise<{ obj: KObject; created: boolean }> {
    const key = this.key(namespace, name);
    const ctx = this.ctx(namespace, opts.dryRun);
    let created = false;
    const sub = opts.subresource ? this.strategy.subresources?.[opts.subresource] : undefined;
    let reserved: { rollback: () => Promise<void>; released: () => Promise<void> } | undefined;
    try {
      const result = await this.storage.guaranteedUpdate(
        key,
        async (current) => {
          created = false;
          // A retried attempt gives back what the previous attempt reserved.
          if (reserved) await reserved.rollback();
          reserved = undefined;
          let next = this.typed(await produce(current && !opts.leavesCurrent && !opts.sharedCurrent ? clone(current) : current));
          next.metadata ??= {};
          let meta = next.metadata;
          const track = opts.fieldManager !== undefined && !opts.applied && !opts.internal;
          if (!current) {
            if (!(this.strategy.allowCreateOnUpdate || opts.forceAllowCreate) || opts.subresource) throw errors.notFound(this.gr, name);
            created = true;
            meta.name = name;
            if (this.info.namespaced) meta.namespace = namespace;
            delete meta.resourceVersion;
            meta.uid = randomUUID();
            meta.creationTimestamp = timestamp(this.clock());
            this.strategy.defaults?.(next);
            if (track) next = updateManagedFields(undefined, next, opts.fieldManager!, this.fieldManagerOptions(undefined));
            this.strategy.prepareForCreate?.(next, ctx);
            meta = next.metadata;
            pruneEmptyMeta(meta);
            const errs = [
              ...validateObjectMeta(meta, { namespaced: this.info.namespaced, nameFn: this.nameFn }),
              ...(this.strategy.validate?.(next, ctx) ?? []),
            ];
            if (errs.length) throw this.invalid(name, errs);
            if (this.info.namespaced && this.deps.admitNamespace) await this.deps.admitNamespace(namespace, this.gr, name);
            reserved = await this.reserve(next, undefined, name);
            return next;
          }
          const old = current;
          const rv = meta.resourceVersion;
          if (!rv) {
            if (this.strategy.allowUnconditionalUpdate === false) {
              throw this.invalid(name, [{ type: "FieldValueInvalid", field: "metadata.resourceVersion", badValue: 0, detail: "must be specified for an update" }]);
            }
            // An unconditional update: kube fills the stored version in before validating.
            meta.resourceVersion = old.metadata.resourceVersion;
          } else if (rv !== old.metadata.resourceVersion) {
            throw errors.modified(this.gr, name);
          }
          // System fields the client cannot change.
          if (!meta.uid) meta.uid = old.metadata.uid;
          meta.creationTimestamp = old.metadata.creationTimestamp ?? null;
          if (old.metadata.deletionTimestamp) meta.deletionTimestamp = old.metadata.deletionTimestamp;
          else delete meta.deletionTimestamp;
          if (old.metadata.deletionGracePeriodSeconds !== undefined) meta.deletionGracePeriodSeconds = old.metadata.deletionGracePeriodSeconds;
          else delete meta.deletionGracePeriodSeconds;
          if (old.metadata.generation !== undefined) meta.generation = old.metadata.generation;
          else delete meta.generation;
          delete meta.selfLink;
          if (opts.internal) {
            // A system write through a subresource that owns the change (binding, finalize).
            meta.resourceVersion = old.metadata.resourceVersion;
            return sameObject(next, old) ? current : next;
          }
          this.strategy.defaults?.(next);
          if (opts.subresource === "status") {
            // Status writes own only .status (kube's status strategies + ResetObjectMetaForStatus).
            for (const k of Object.keys(next)) if (k !== "status" && k !== "metadata" && k !== "apiVersion" && k !== "kind") delete next[k];
            for (const [k, v] of Object.entries(old)) if (k !== "status" && k !== "metadata") next[k] = v;
            // (An apply to /status made its own managedFields: those stay.)
            for (const f of ["labels", "annotations", "finalizers", "ownerReferences", "generation", ...(opts.applied ? [] : ["managedFields" as const])] as const) {
              if (old.metadata[f] !== undefined) meta[f] = old.metadata[f] as never;
              else delete meta[f];
            }
          }
          if (track) {
            next = updateManagedFields(old, next, opts.fieldManager!, this.fieldManagerOptions(opts.subresource));
            meta = next.metadata;
          }
          if (sub) sub.prepareForUpdate?.(next, old, ctx);
          else if (opts.subresource !== "status") this.strategy.prepareForUpdate?.(next, old, ctx);
          // A write that changes nothing but managedFields times is no write at all.
          if (meta.managedFields) next = ignoreManagedFieldsTimestamps(next, old);
          meta = next.metadata;
          const errs = [
            ...validateObjectMeta(meta, { namespaced: this.info.namespaced, nameFn: this.nameFn }),
            ...validateObjectMetaUpdate(meta, old.metadata),
            ...(sub ? sub.validateUpdate?.(next, old, ctx) ?? [] : [
              ...(this.strategy.validate?.(next, ctx) ?? []),
              ...(this.strategy.validateUpdate?.(next, old, ctx) ?? []),
            ]),
          ];
          if (errs.length) throw this.invalid(name, errs);
          // The last finalizer removed from an object being deleted: delete it now.
          if (meta.deletionTimestamp && !(meta.finalizers?.length) && (meta.deletionGracePeriodSeconds ?? 0) === 0) {
            return { delete: true as const };
          }
          pruneEmptyMeta(meta);
          if (!opts.subresource) reserved = await this.reserve(next, old, name);
          // Unchanged: keep the stored object (no write, same resourceVersion).
          meta.resourceVersion = old.metadata.resourceVersion;
          if (sameObject(next, old)) return current;
          return next;
        },
        // Below, old is only read; what the new object takes from it is shared, as kube's
        // strategies share old's spec and metadata maps, and nothing changes those afterwards.
        { ignoreNotFound: true, dryRun: opts.dryRun, leavesCurrent: opts.sharedCurrent, preconditions: opts.preconditions },
      );
      const r = reserved as { rollback: () => Promise<void>; released: () => Promise<void> } | undefined;
      if (opts.dryRun) await r?.rollback();
      else await r?.released();
      return { obj: result, created };
    } catch (err) {
      const r = reserved as { rollback: () => Promise<void> } | undefined;
      await r?.rollback();
      throw this.mapError(err, name);
    }
  }

  /**
   * Delete: graceful (deletionTimestamp + grace period) when the strategy asks for it, blocked
   * by finalizers (then only marked), immediate otherwise. Answers the object or a Status.
   */
  async delete(namespace: string, name: string, options: DeleteOptionsBody, dryRun: boolean): Promise<{ body: KObject | Status; deleted: boolean }> {
    const key = this.key(namespace, name);
    const now = this.clock();
    let current: KObject;
    try {
      const got = await this.storage.get(key, {});
      if (!got) throw errors.notFound(this.gr, name);
      current = got;
    } catch (err) {
      throw this.mapError(err, name);
    }
    const pre = options.preconditions;
    const checkPre = (obj: KObject) => {
      if (pre?.uid && pre.uid !== obj.metadata.uid) {
        throw errors.conflict(this.gr, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${obj.metadata.uid ?? ""}`);
      }
      if (pre?.resourceVersion && pre.resourceVersion !== obj.metadata.resourceVersion) {
        throw errors.conflict(this.gr, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${obj.metadata.resourceVersion ?? ""}`);
      }
    };
    checkPre(current);

    const policy = options.propagationPolicy ?? (options.orphanDependents === true ? "Orphan" : options.orphanDependents === false ? "Background" : undefined);
    const wantFinalizer = policy === "Orphan" ? "orphan" : policy === "Foreground" ? "foregroundDeletion" : undefined;
    const grace = this.strategy.gracePeriod?.(current, options.gracePeriodSeconds);
    const isNamespace = this.info.group === "" && this.info.resource === "namespaces";
    const needsMarking = (obj: KObject) =>
      (obj.metadata.finalizers?.length ?? 0) > 0 || wantFinalizer !== undefined || (grace !== undefined && grace > 0) ||
      (isNamespace && ((obj.spec as { finalizers?: string[] } | undefined)?.finalizers?.length ?? 0) > 0);

    if (needsMarking(current)) {
      let removeNow = false;
      try {
        const updated = await this.storage.guaranteedUpdate(
          key,
          (cur) => {
            if (!cur) throw errors.notFound(this.gr, name);
            checkPre(cur);
            const next = cur; // the storage's own copy for this attempt
            const meta = next.metadata;
            if (wantFinalizer) {
              const other = wantFinalizer === "orphan" ? "foregroundDeletion" : "orphan";
              meta.finalizers = [...(meta.finalizers ?? []).filter((f) => f !== other)];
              if (!meta.finalizers.includes(wantFinalizer)) meta.finalizers.push(wantFinalizer);
            } else if (policy === "Background" && meta.finalizers) {
              meta.finalizers = meta.finalizers.filter((f) => f !== "orphan" && f !== "foregroundDeletion");
              if (meta.finalizers.length === 0) delete meta.finalizers;
            }
            const g = grace ?? 0;
            if (!meta.deletionTimestamp) {
              meta.deletionTimestamp = timestamp(new Date(now.getTime() + g * 1000));
              meta.deletionGracePeriodSeconds = g;
            } else if (meta.deletionGracePeriodSeconds !== undefined && g < meta.deletionGracePeriodSeconds) {
              // A shorter grace period may replace a longer one.
              meta.deletionTimestamp = timestamp(new Date(now.getTime() + g * 1000));
              meta.deletionGracePeriodSeconds = g;
            }
            if (isNamespace) {
              const status = ((next.status as Record<string, unknown> | undefined) ?? {});
              status.phase = "Terminating";
              next.status = status;
            }
            const blocked = (meta.finalizers?.length ?? 0) > 0 ||
              (isNamespace && ((next.spec as { finalizers?: string[] } | undefined)?.finalizers?.length ?? 0) > 0);
            if (!blocked && g === 0) {
              removeNow = true;
              return { delete: true as const };
            }
            return next;
          },
          { dryRun },
        );
        if (!removeNow) return { body: updated, deleted: false };
        if (!dryRun) await this.deps.hooks?.afterDelete?.(updated);
        return { body: this.deletedBody(updated), deleted: true };
      } catch (err) {
        throw this.mapError(err, name);
      }
    }
    try {
      const deleted = await this.storage.delete(key, { dryRun, validateDeletion: checkPre });
      if (!dryRun) await this.deps.hooks?.afterDelete?.(deleted);
      return { body: this.deletedBody(deleted), deleted: true };
    } catch (err) {
      throw this.mapError(err, name);
    }
  }

  private deletedBody(obj: KObject): KObject | Status {
    if (returnsDeletedObject.has(`${this.info.group}/${this.info.resource}`)) return obj;
    const details: Status["details"] = { name: obj.metadata.name ?? "" };
    if (this.info.group) details.group = this.info.group;
    details.kind = this.info.resource;
    if (obj.metadata.uid) details.uid = obj.metadata.uid;
    return successStatus(details);
  }
}

/** Go's omitempty for metadata: empty maps and lists are not written. */
/**
 * The fields a field selector can name on `obj`: metadata.name, metadata.namespace for
 * namespaced resources, and the strategy's own (kube's GetAttrs).
 */
export function selectableFields(info: ResourceInfo, strategy: Strategy, obj: KObject): Record<string, string> {
  const f: Record<string, string> = { "metadata.name": obj.metadata.name ?? "" };
  if (info.namespaced) f["metadata.namespace"] = obj.metadata.namespace ?? "";
  const own = strategy.selectableFields?.(obj);
  return own ? Object.assign(f, own) : f;
}

export function pruneEmptyMeta(meta: ObjectMeta): void {
  for (const f of ["labels", "annotations", "finalizers", "ownerReferences", "managedFields"] as const) {
    const v = meta[f];
    if (v === null || (Array.isArray(v) && v.length === 0) || (typeof v === "object" && v !== null && !Array.isArray(v) && Object.keys(v).length === 0)) delete meta[f];
  }
}

/** Deep equality of two JSON values (objects as produced by JSON.parse). */
/** Deep equality of stored objects (undefined members count as absent). */
export function sameObject(a: unknown, b: unknown): boolean {
  return jsonEqual(a, b);
}
