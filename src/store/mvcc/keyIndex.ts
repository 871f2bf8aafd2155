import { compareRev, type Revision } from "./revision.js";

// The history of one key, as etcd keeps it: generations of revisions. A generation starts with
// the put that creates the key and ends with its tombstone (the delete); the last generation is
// open (empty when the key is currently deleted).

interface Generation {
  ver: number;
  created: Revision;
  revs: Revision[];
}

export interface KeyAt {
  modified: Revision;
  created: Revision;
  version: number;
}

const emptyRev: Revision = { main: 0, sub: 0 };

export class KeyIndex {
  modified: Revision = emptyRev;
  generations: Generation[] = [{ ver: 0, created: emptyRev, revs: [] }];

  constructor(readonly key: string) {}

  put(rev: Revision): void {
    if (compareRev(rev, this.modified) <= 0) {
      throw new Error(`keyIndex ${JSON.stringify(this.key)}: put with revision ${rev.main}/${rev.sub} not above ${this.modified.main}/${this.modified.sub}`);
    }
    const g = this.generations[this.generations.length - 1]!;
    // A new array of one rather than a push onto the empty one: a push makes room for 17
    // (136 bytes a key, most keys having one revision between compactions).
    if (g.revs.length === 0) {
      g.created = rev;
      g.revs = [rev];
    } else g.revs.push(rev);
    g.ver++;
    this.modified = rev;
  }

  /** Used while rebuilding the index from the backend's newest revisions only. */
  restore(created: Revision, modified: Revision, ver: number): void {
    this.modified = modified;
    this.generations = [{ created, ver, revs: [modified] }];
  }

  /** Returns false when the key is already deleted (nothing to tombstone). */
  tombstone(rev: Revision): boolean {
    if (this.generations[this.generations.length - 1]!.revs.length === 0) return false;
    this.put(rev);
    this.generations.push({ ver: 0, created: emptyRev, revs: [] });
    return true;
  }

  isEmpty(): boolean {
    return this.generations.length === 1 && this.generations[0]!.revs.length === 0;
  }

  /** Whether the key currently exists (its last generation is open and not empty). */
  isLive(): boolean {
    return this.generations[this.generations.length - 1]!.revs.length > 0;
  }

  /** The version of the key visible at atRev, or undefined when it did not exist then. */
  get(atRev: number): KeyAt | undefined {
    const g = this.findGeneration(atRev);
    if (!g) return undefined;
    for (let n = g.revs.length - 1; n >= 0; n--) {
      const r = g.revs[n]!;
      if (r.main <= atRev) return { modified: r, created: g.created, version: g.ver - (g.revs.length - n - 1) };
    }
    return undefined;
  }

  private findGeneration(rev: number): Generation | undefined {
    const last = this.generations.length - 1;
    for (let i = last; i >= 0; i--) {
      const g = this.generations[i]!;
      if (g.revs.length === 0) continue;
      // A closed generation ends with its tombstone: at or after it the key did not exist.
      if (i !== last && g.revs[g.revs.length - 1]!.main <= rev) return undefined;
      if (g.revs[0]!.main <= rev) return g;
    }
    return undefined;
  }

  /**
   * Finds what compaction at atRev keeps: the newest revision <= atRev of the generation that
   * holds atRev, unless that revision is a tombstone. Adds kept revisions to `keep`.
   */
  private doCompact(atRev: number, keep: Set<string>): { genIdx: number; revIdx: number } {
    let genIdx = 0;
    while (genIdx < this.generations.length - 1) {
      const g = this.generations[genIdx]!;
      if (g.revs[g.revs.length - 1]!.main > atRev) break;
      genIdx++;
    }
    const g = this.generations[genIdx]!;
    let revIdx = -1;
    for (let i = g.revs.length - 1; i >= 0; i--) {
      if (g.revs[i]!.main <= atRev) {
        keep.add(revKey(g.revs[i]!));
        revIdx = i;
        break;
      }
    }
    return { genIdx, revIdx };
  }

  compact(atRev: number, keep: Set<string>): void {
    let { genIdx, revIdx } = this.doCompact(atRev, keep);
    const g = this.generations[genIdx]!;
    if (g.revs.length > 0) {
      if (revIdx !== -1) g.revs = g.revs.slice(revIdx);
      // A generation left holding only its tombstone is history nobody can read: drop it.
      if (g.revs.length === 1 && genIdx !== this.generations.length - 1) {
        keep.delete(revKey(g.revs[0]!));
        genIdx++;
      }
    }
    this.generations = this.generations.slice(genIdx);
  }

  /** Like compact, without changing anything: the revisions compaction at atRev would keep. */
  keep(atRev: number, keep: Set<string>): void {
    if (this.isEmpty()) return;
    const { genIdx, revIdx } = this.doCompact(atRev, keep);
    const g = this.generations[genIdx]!;
    if (g.revs.length > 0 && revIdx === g.revs.length - 1 && genIdx !== this.generations.length - 1) {
      keep.delete(revKey(g.revs[revIdx]!));
    }
  }
}

/** A compact string form of a revision, for sets. */
export function revKey(r: Revision): string {
  return `${r.main}_${r.sub}`;
}
