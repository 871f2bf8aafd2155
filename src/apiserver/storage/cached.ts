import type { KObject } from "../api/types.js";
import { fromBytes } from "./codec.js";
import type { Item } from "./item.js";

/**
 * What the watch cache hands a write (kube's cachedExistingObject): the object it holds for the
 * key, and the stored form that object came from, so that an update neither copies an object
 * nobody else holds nor encodes the old object again to see whether anything changed.
 */
export interface CachedState {
  obj: KObject;
  /** The stored form (etcd's value) as text, when known; else it is encoded from obj. */
  data?: string;
  /** True when obj is the cache's (frozen, read by others): a writer changes a copy. */
  shared: boolean;
}

const RV_KEY = '"resourceVersion":"';

/**
 * The stored form an item was made from: its JSON with apiVersion and kind first and without
 * metadata.resourceVersion, which is what encodeObject gives for the item's object. Undefined
 * when the item is not plain ASCII before the revision (byte and character offsets differ).
 */
export function storedText(it: Item, text: string = fromBytes(it.item)): string | undefined {
  const at = it.rvAt;
  if (text.length !== it.item.length && Buffer.byteLength(text.slice(0, at)) !== at) return undefined;
  const start = at - RV_KEY.length;
  if (start <= 0 || text.slice(start, at) !== RV_KEY) return undefined;
  const close = text.indexOf('"', at);
  if (close < 0) return undefined;
  let from = start;
  let to = close + 1;
  if (text[to] === ",") to++;
  else if (text[from - 1] === ",") from--;
  const body = text.slice(0, from) + text.slice(to);
  if (!it.head) return body;
  return body.length > 2 ? `{${it.head},${body.slice(1)}` : `{${it.head}}`;
}
