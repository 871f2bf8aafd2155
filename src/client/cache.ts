/**
 * An informer's cache (client-go's thread-safe store + indexer): objects by "namespace/name"
 * and by any number of named index functions. Single-threaded JS needs no locks.
 */
import { matchesLabels, parseLabelSelector, type LabelSelector } from "../apiserver/selectors/index.js";
import { NAMESPACE_INDEX, type IndexFunc, type KObject, type Lister } from "./types.js";

export function keyOf(obj: KObject): string {
  const ns = obj.metadata.namespace;
  return ns ? `${ns}/${obj.metadata.name ?? ""}` : (obj.metadata.name ?? "");
}

export function splitKey(key: string): { namespace: string | undefined; name: string } {
  const i = key.indexOf("/");
  return i < 0 ? { namespace: undefined, name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

const namespaceIndexFunc: IndexFunc = (obj) => [obj.metadata.namespace ?? ""];

const parsedSelectors = new Map<string, LabelSelector>();
function selectorOf(s: string): LabelSelector {
  let sel = parsedSelectors.get(s);
  if (!sel) {
    sel = parseLabelSelector(s);
    if (parsedSelectors.size > 1000) parsedSelectors.clear();
    parsedSelectors.set(s, sel);
  }
  return sel;
}

export class Indexer<T extends KObject = KObject> implements Lister<T> {
  private readonly items = new Map<string, T>();
  private readonly indexers = new Map<string, IndexFunc<T>>();
  /** index name -> index value -> keys */
  private readonly indices = new Map<string, Map<string, Set<string>>>();
  /**
   * key -> the object's values for each index, in the indexers' order: an update finds what to
   * take out without calling the index functions on the old object, and an update that changes
   * no value (most are status updates) touches no index.
   */
  private readonly values = new Map<string, string[][]>();

  constructor(indexers: Record<string, IndexFunc<T>> = {}) {
    this.addIndexers({ [NAMESPACE_INDEX]: namespaceIndexFunc as IndexFunc<T>, ...indexers });
  }

  addIndexers(indexers: Record<string, IndexFunc<T>>): void {
    for (const [name, fn] of Object.entries(indexers)) {
      if (this.indexers.has(name)) throw new Error(`indexer ${name} already exists`);
      this.indexers.set(name, fn);
      const index = new Map<string, Set<string>>();
      this.indices.set(name, index);
      for (const [key, obj] of this.items) {
        const vals = fn(obj);
        this.values.get(key)?.push(vals);
        for (const v of vals) addTo(index, v, key);
      }
    }
  }

  /** Adds or replaces; answers the previous object. */
  upsert(obj: T): T | undefined {
    const key = keyOf(obj);
    const old = this.items.get(key);
    this.items.set(key, obj);
    const prev = this.values.get(key);
    const next: string[][] = [];
    let i = 0;
    for (const [name, fn] of this.indexers) {
      const vals = fn(obj);
      next.push(vals);
      const before = prev?.[i++];
      if (before && sameValues(before, vals)) continue;
      const index = this.indices.get(name)!;
      if (before) for (const v of before) removeFrom(index, v, key);
      for (const v of vals) addTo(index, v, key);
    }
    this.values.set(key, next);
    return old;
  }

  /** Removes by the object's key; answers what was stored. */
  remove(obj: KObject | string): T | undefined {
    const key = typeof obj === "string" ? obj : keyOf(obj);
    const old = this.items.get(key);
    if (!old) return undefined;
    const prev = this.values.get(key);
    let i = 0;
    for (const name of this.indexers.keys()) {
      const index = this.indices.get(name)!;
      for (const v of prev?.[i++] ?? []) removeFrom(index, v, key);
    }
    this.values.delete(key);
    this.items.delete(key);
    return old;
  }

  /** Replaces the whole content (after a relist). */
  replace(objs: T[]): void {
    this.items.clear();
    this.values.clear();
    for (const index of this.indices.values()) index.clear();
    for (const o of objs) this.upsert(o);
  }

  get(namespace: string | undefined, name: string): T | undefined {
    return this.items.get(namespace ? `${namespace}/${name}` : name);
  }

  getByKey(key: string): T | undefined {
    return this.items.get(key);
  }

  list(namespace?: string, labelSelector?: string): T[] {
    let out: T[];
    if (namespace) out = this.byIndex(NAMESPACE_INDEX, namespace);
    else out = [...this.items.values()];
    if (labelSelector) {
      const sel = selectorOf(labelSelector);
      out = out.filter((o) => matchesLabels(sel, o.metadata.labels));
    }
    return out;
  }

  byIndex(indexName: string, value: string): T[] {
    const index = this.indices.get(indexName);
    if (!index) throw new Error(`index ${indexName} does not exist`);
    const keys = index.get(value);
    if (!keys) return [];
    const out: T[] = [];
    for (const k of keys) {
      const o = this.items.get(k);
      if (o) out.push(o);
    }
    return out;
  }

  keys(): string[] {
    return [...this.items.keys()];
  }

  get size(): number {
    return this.items.size;
  }
}

function addTo(index: Map<string, Set<string>>, value: string, key: string): void {
  let set = index.get(value);
  if (!set) index.set(value, (set = new Set()));
  set.add(key);
}

function removeFrom(index: Map<string, Set<string>>, value: string, key: string): void {
  const set = index.get(value);
  if (!set) return;
  set.delete(key);
  if (set.size === 0) index.delete(value);
}

function sameValues(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
