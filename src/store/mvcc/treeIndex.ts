import sortedBtree from "sorted-btree";
import { KeyIndex, type KeyAt } from "./keyIndex.js";
import type { Revision } from "./revision.js";

/**
 * A key range in the store's internal form. Keys are "binary strings" (one char per byte,
 * latin1), so JavaScript string order is etcd's byte order.
 * end === null: the single key; end === "": every key >= key; otherwise [key, end).
 */
export interface KeyRange {
  key: string;
  end: string | null;
}

// sorted-btree is CommonJS with an ES-style default export: Node hands ESM the exports object.
const BTree = sortedBtree.default;
type BTree<K, V> = InstanceType<typeof sortedBtree.default<K, V>>;

/** A key's internal form: one char per byte ("binary string"), so string order is byte order. */
export const keyString = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("latin1");

const stringCompare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The in-memory index key -> history of revisions (etcd's treeIndex), rebuilt at start. */
export class TreeIndex {
  private tree: BTree<string, KeyIndex> = new BTree<string, KeyIndex>(undefined, stringCompare);

  get(key: string, atRev: number): KeyAt | undefined {
    return this.tree.get(key)?.get(atRev);
  }

  keyIndex(key: string): KeyIndex | undefined {
    return this.tree.get(key);
  }

  /** Calls fn for each key in the range visible at atRev, in key order; fn returns false to stop. */
  range(r: KeyRange, atRev: number, fn: (key: string, at: KeyAt) => boolean | void): void {
    if (r.end === null) {
      const at = this.get(r.key, atRev);
      if (at) fn(r.key, at);
      return;
    }
    if (r.end !== "" && r.key >= r.end) return;
    for (const [k, ki] of this.tree.entries(r.key)) {
      if (r.end !== "" && k >= r.end) break;
      const at = ki.get(atRev);
      if (at && fn(k, at) === false) break;
    }
  }

  /** Every key index in the range, live or not (for compares and deletes at the newest revision). */
  *keyIndexes(r: KeyRange): Iterable<KeyIndex> {
    if (r.end === null) {
      const ki = this.tree.get(r.key);
      if (ki) yield ki;
      return;
    }
    if (r.end !== "" && r.key >= r.end) return;
    for (const [k, ki] of this.tree.entries(r.key)) {
      if (r.end !== "" && k >= r.end) break;
      yield ki;
    }
  }

  put(key: string, rev: Revision): void {
    let ki = this.tree.get(key);
    if (!ki) {
      ki = new KeyIndex(key);
      this.tree.set(key, ki);
    }
    ki.put(rev);
  }

  /** Records a delete; false when the key does not currently exist. */
  tombstone(key: string, rev: Revision): boolean {
    const ki = this.tree.get(key);
    return ki ? ki.tombstone(rev) : false;
  }

  /** Adds a key index rebuilt from the backend (start-up). */
  insert(ki: KeyIndex): void {
    this.tree.set(ki.key, ki);
  }

  /** Compacts every key's history at rev; returns the revisions that stay available. */
  compact(rev: number): Set<string> {
    const keep = new Set<string>();
    const empty: string[] = [];
    this.tree.forEach((ki, k) => {
      ki.compact(rev, keep);
      if (ki.isEmpty()) empty.push(k);
    });
    for (const k of empty) this.tree.delete(k);
    return keep;
  }

  /** The revisions compaction at rev would keep (HashKV needs them). */
  keep(rev: number): Set<string> {
    const keep = new Set<string>();
    this.tree.forEach((ki) => ki.keep(rev, keep));
    return keep;
  }

  get size(): number {
    return this.tree.size;
  }
}
