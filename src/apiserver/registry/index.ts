import type { GroupResource } from "../api/status.js";
import type { KObject } from "../api/types.js";
import type { ObjectAttrs, Storage } from "../storage/interface.js";
import { storageAPIVersion } from "./conversion/index.js";
import { convertingStorage } from "./converting.js";
import { coreStrategies } from "./core/index.js";
import { groupStrategies } from "./groups.js";
import { ResourceStore, selectableFields, type RestHooks, type StoreDeps } from "./store.js";
import type { ResourceInfo, Strategy } from "./types.js";

/**
 * The registry: one ResourceStore per served group/version/resource, each over the storage for
 * its etcd prefix (a watch cache per prefix, shared by the versions of one resource).
 */
export interface Registry {
  readonly resources: readonly ResourceInfo[];
  lookup(group: string, version: string, resource: string): ResourceStore | undefined;
  /** The store of a resource in its preferred version (for internal callers). */
  byResource(group: string, resource: string): ResourceStore | undefined;
  close(): Promise<void>;
}

export interface RegistryOptions {
  resources: readonly ResourceInfo[];
  /**
   * Storage for one etcd prefix ("/registry/pods/"); called lazily, once per prefix. `attrs`
   * gives the labels and selectable fields of an object stored there (for the watch cache).
   */
  storageFor(prefix: string, attrs: (obj: KObject) => ObjectAttrs): Storage;
  admitNamespace?: (namespace: string, gr: GroupResource, name: string) => Promise<void>;
  mutate?: StoreDeps["mutate"];
  /** Write hooks per "group/resource" (Service allocation). */
  hooks?: Record<string, RestHooks>;
  clock?: () => Date;
}

function apiVersionOf(info: ResourceInfo): string {
  return info.group ? `${info.group}/${info.version}` : info.version;
}

export function strategyFor(group: string, resource: string): Strategy {
  const table = group === "" ? coreStrategies : groupStrategies[group];
  return table?.[resource] ?? {};
}

export function createRegistry(opts: RegistryOptions): Registry {
  const storages = new Map<string, Storage>();
  const stores = new Map<string, ResourceStore>();
  const preferred = new Map<string, ResourceStore>();
  const lazyStorage = (prefix: string, attrs: (obj: KObject) => ObjectAttrs): Storage => {
    // Created on first use so that start-up does not open a watch per resource.
    let s: Storage | undefined;
    const get = () => {
      if (!s) {
        s = storages.get(prefix) ?? opts.storageFor(prefix, attrs);
        storages.set(prefix, s);
      }
      return s;
    };
    return new Proxy({} as Storage, {
      get(_t, prop) {
        const target = get() as unknown as Record<string | symbol, unknown>;
        const v = target[prop];
        return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
  };
  // Resources sharing a prefix (a resource's versions; core and events.k8s.io Events).
  const sharing = new Map<string, ResourceInfo[]>();
  for (const info of opts.resources) {
    const prefix = `/registry/${info.etcdPrefix}/`;
    sharing.set(prefix, [...(sharing.get(prefix) ?? []), info]);
  }
  const byPrefix = new Map<string, Storage>();
  for (const info of opts.resources) {
    const prefix = `/registry/${info.etcdPrefix}/`;
    let storage = byPrefix.get(prefix);
    if (!storage) {
      // Objects under a prefix are in the storage version: its resource's fields apply.
      const infos = sharing.get(prefix)!;
      const owner = infos.find((i) => apiVersionOf(i) === (storageAPIVersion(i.group, i.kind) ?? apiVersionOf(i))) ?? info;
      const strategy = strategyFor(owner.group, owner.resource);
      const attrs = (obj: KObject): ObjectAttrs => ({ labels: obj.metadata.labels ?? {}, fields: selectableFields(owner, strategy, obj) });
      storage = lazyStorage(prefix, attrs);
      byPrefix.set(prefix, storage);
    }
    const hooks = opts.hooks?.[`${info.group}/${info.resource}`];
    const stored = storageAPIVersion(info.group, info.kind);
    const servedAsStored = stored === undefined || stored === apiVersionOf(info);
    if (!servedAsStored) storage = convertingStorage(storage, apiVersionOf(info), stored);
    const deps = { storage, servedAsStored, ...(hooks ? { hooks } : {}), ...(opts.mutate ? { mutate: opts.mutate } : {}), ...(opts.admitNamespace ? { admitNamespace: opts.admitNamespace } : {}), ...(opts.clock ? { clock: opts.clock } : {}) };
    const store = new ResourceStore(info, strategyFor(info.group, info.resource), deps);
    stores.set(`${info.group}/${info.version}/${info.resource}`, store);
    if (!preferred.has(`${info.group}/${info.resource}`)) preferred.set(`${info.group}/${info.resource}`, store);
  }
  return {
    resources: opts.resources,
    lookup: (g, v, r) => stores.get(`${g}/${v}/${r}`),
    byResource: (g, r) => preferred.get(`${g}/${r}`),
    async close() {
      await Promise.all([...storages.values()].map((s) => s.close()));
    },
  };
}
