import { ErrCompacted } from "./errors.js";
import type { KeyValue } from "./keyValue.js";
import type { Event, KvStore } from "./kvstore.js";
import { keyString, type KeyRange } from "./treeIndex.js";

/** What a watcher hands its events to (one watch stream). */
export interface WatchSink {
  /** True while the consumer is too far behind to take more; the watcher then waits unsynced. */
  congested(): boolean;
  /** Events of one or more revisions, in order; rev = the store revision at send time. */
  events(w: Watcher, events: WatchEvent[], rev: number): void;
  /** The watcher's start is below the compacted revision: it is cancelled. */
  compacted(w: Watcher, compactRev: number): void;
}

export interface WatchEvent extends Event {
  prevKv?: KeyValue;
}

export interface WatchOptions {
  range: KeyRange;
  /** 0 = from the next revision. */
  startRev: number;
  noPut: boolean;
  noDelete: boolean;
  prevKv: boolean;
}

export class Watcher {
  /** The next revision this watcher must receive. */
  minRev = 0;
  synced = false;
  canceled = false;
  group: WatcherGroup | undefined;

  constructor(
    readonly id: number,
    readonly opts: WatchOptions,
    readonly sink: WatchSink,
  ) {}

  accepts(ev: Event): boolean {
    return ev.type === "put" ? !this.opts.noPut : !this.opts.noDelete;
  }
}

/** Synced watchers with the same key range share one match per event. */
interface WatcherGroup {
  range: KeyRange;
  watchers: Set<Watcher>;
}

function inRange(r: KeyRange, key: string): boolean {
  if (r.end === null) return key === r.key;
  return key >= r.key && (r.end === "" || key < r.end);
}


/** Catch-up reads at most this many revisions for one watcher per pass (etcd: 1000). */
const maxRevsPerPass = 1000;

/**
 * etcd's watchable store: synced watchers get events as transactions commit; unsynced ones
 * (started in the past, or left behind by a slow consumer) are caught up from the backend.
 */
export class WatchableStore {
  private groups = new Map<string, WatcherGroup>();
  private unsynced = new Set<Watcher>();
  private syncScheduled = false;
  private timer: NodeJS.Timeout;

  constructor(private readonly kv: KvStore) {
    kv.onCommit = (events, rev) => this.notify(events, rev);
    // Watchers left behind by a congested consumer are retried on this tick, as etcd does every 100 ms.
    this.timer = setInterval(() => this.unsynced.size > 0 && this.syncWatchers(), 100);
    this.timer.unref();
  }

  watch(id: number, opts: WatchOptions, sink: WatchSink): Watcher {
    const w = new Watcher(id, opts, sink);
    const cur = this.kv.currentRev;
    if (opts.startRev === 0 || opts.startRev > cur) {
      w.minRev = opts.startRev === 0 ? cur + 1 : opts.startRev;
      this.addSynced(w);
    } else {
      w.minRev = opts.startRev;
      this.unsynced.add(w);
      this.scheduleSync();
    }
    return w;
  }

  cancel(w: Watcher): void {
    w.canceled = true;
    this.removeSynced(w);
    this.unsynced.delete(w);
  }

  /** Whether every event up to the current revision has been handed to this watcher. */
  isSynced(w: Watcher): boolean {
    return w.synced;
  }

  get watcherCount(): number {
    let n = this.unsynced.size;
    for (const g of this.groups.values()) n += g.watchers.size;
    return n;
  }

  close(): void {
    clearInterval(this.timer);
  }

  private groupKey(r: KeyRange): string {
    return r.end === null ? `k${r.key}` : `r${r.key}\u0000${r.end}`;
  }

  private addSynced(w: Watcher): void {
    const gk = this.groupKey(w.opts.range);
    let g = this.groups.get(gk);
    if (!g) {
      g = { range: w.opts.range, watchers: new Set() };
      this.groups.set(gk, g);
    }
    g.watchers.add(w);
    w.group = g;
    w.synced = true;
  }

  private removeSynced(w: Watcher): void {
    const g = w.group;
    if (!g) return;
    g.watchers.delete(w);
    if (g.watchers.size === 0) this.groups.delete(this.groupKey(g.range));
    w.group = undefined;
    w.synced = false;
  }

  /** A write transaction committed at rev with these events. */
  private notify(events: Event[], rev: number): void {
    if (this.groups.size === 0) return;
    for (const g of this.groups.values()) {
      let matched: Event[] | undefined;
      for (const ev of events) {
        if (inRange(g.range, keyString(ev.kv.key))) (matched ??= []).push(ev);
      }
      if (!matched) continue;
      for (const w of [...g.watchers]) {
        if (w.canceled || w.minRev > rev) continue;
        // Watchers without filters share one events array (the stream encodes it once).
        const evs = w.opts.noPut || w.opts.noDelete ? matched.filter((e) => w.accepts(e)) : matched;
        w.minRev = rev + 1;
        if (evs.length === 0) continue;
        if (w.sink.congested()) {
          // Leave it behind: it is caught up from the backend once its consumer reads again.
          w.minRev = rev;
          this.removeSynced(w);
          this.unsynced.add(w);
          continue;
        }
        w.sink.events(w, this.withPrevKv(w, evs), rev);
      }
    }
  }

  private withPrevKv(w: Watcher, evs: Event[]): WatchEvent[] {
    if (!w.opts.prevKv) return evs;
    return evs.map((ev) => {
      // A create has no previous version.
      if (ev.type === "put" && ev.kv.createRevision === ev.kv.modRevision) return ev;
      try {
        const r = this.kv.range({ key: keyString(ev.kv.key), end: null }, { rev: ev.kv.modRevision - 1 });
        return r.kvs.length > 0 ? { ...ev, prevKv: r.kvs[0] } : ev;
      } catch (e) {
        if (e instanceof ErrCompacted) return ev;
        throw e;
      }
    });
  }

  private scheduleSync(): void {
    if (this.syncScheduled) return;
    this.syncScheduled = true;
    setImmediate(() => {
      this.syncScheduled = false;
      this.syncWatchers();
    });
  }

  /** Catches unsynced watchers up from the backend; a caught-up watcher joins the synced set. */
  private syncWatchers(): void {
    const cur = this.kv.currentRev;
    const compactRev = this.kv.compactMainRev;
    let again = false;
    for (const w of [...this.unsynced]) {
      if (w.minRev < compactRev) {
        this.unsynced.delete(w);
        w.sink.compacted(w, compactRev);
        continue;
      }
      if (w.sink.congested()) continue;
      const to = Math.min(cur, w.minRev + maxRevsPerPass - 1);
      const evs: Event[] = [];
      if (w.minRev <= to) {
        this.kv.eventsBetween(w.minRev, to, (ev) => {
          if (inRange(w.opts.range, keyString(ev.kv.key)) && w.accepts(ev)) evs.push(ev);
        });
      }
      w.minRev = to + 1;
      if (evs.length > 0) w.sink.events(w, this.withPrevKv(w, evs), cur);
      if (to >= cur) {
        this.unsynced.delete(w);
        this.addSynced(w);
      } else {
        again = true;
      }
    }
    if (again) this.scheduleSync();
  }
}
