import type { KObject } from "../api/types.js";
import type { Predicate, Storage, UpdateResult, Watch, WatchEvent } from "../storage/interface.js";
import { convert } from "./conversion/index.js";

/**
 * The storage of one served version of a resource that is stored in another (HPAs served as
 * autoscaling/v1 are stored as v2; events.k8s.io Events as core Events): objects are converted
 * to the storage version on the way in and to the served version on the way out, as kube's
 * codec does around etcd. Strategies, admission and handlers only ever see the served version.
 * The encoded fast paths are not offered: their bytes are in the storage version.
 */
export function convertingStorage(inner: Storage, served: string, stored: string): Storage {
  const out = (o: KObject): KObject => convert(o, served);
  const into = (o: KObject): KObject => convert(o, stored);
  const pred = (p: Predicate | undefined): Predicate | undefined => {
    if (!p || p.empty) return p;
    const matches = (o: KObject) => p.matches(out(o));
    // Labels and the selectable fields are the same in every version of these kinds.
    return p.matchesAttrs ? { matches, matchesAttrs: p.matchesAttrs } : { matches };
  };
  return {
    async create(key, obj, opts) {
      return out(await inner.create(key, into(obj), opts));
    },
    async get(key, opts) {
      const o = await inner.get(key, opts);
      return o && out(o);
    },
    async getList(prefix, opts) {
      const p = pred(opts?.predicate);
      const r = await inner.getList(prefix, opts && { ...opts, ...(p ? { predicate: p } : {}) });
      return { ...r, items: r.items.map(out) };
    },
    async guaranteedUpdate(key, tryUpdate, opts) {
      const result = await inner.guaranteedUpdate(
        key,
        async (current): Promise<UpdateResult> => {
          const view = current && out(current);
          const next = await tryUpdate(view);
          if ("delete" in next && next.delete === true && !("metadata" in next)) return next;
          // The same reference back means "no change": hand the stored object back.
          if (next === view && current) return current;
          return into(next as KObject);
        },
        opts,
      );
      return out(result);
    },
    async delete(key, opts) {
      const validate = opts?.validateDeletion;
      const o = await inner.delete(key, opts && { ...opts, ...(validate ? { validateDeletion: (cur: KObject) => validate(out(cur)) } : {}) });
      return out(o);
    },
    watch(keyOrPrefix, opts): Watch {
      const p = pred(opts.predicate);
      const w = inner.watch(keyOrPrefix, { ...opts, ...(p ? { predicate: p } : {}) });
      return {
        onEvent(fn) {
          w.onEvent((ev: WatchEvent) => {
            if (ev.type === "BOOKMARK" || ev.type === "ERROR") return fn(ev);
            return fn({ type: ev.type, object: out(ev.object) });
          });
        },
        onEnd: (fn) => w.onEnd(fn),
        stop: () => w.stop(),
      };
    },
    count: (prefix) => inner.count(prefix),
    currentRevision: () => inner.currentRevision(),
    close: () => inner.close(),
  };
}
