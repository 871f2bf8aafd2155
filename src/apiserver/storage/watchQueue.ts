import type { Watch, WatchEvent } from "./interface.js";

/**
 * One watcher's delivery, shared by the etcd3 store and the watch cache: events go to the
 * consumer in order, on later turns (so handlers attached right after `watch()` miss nothing).
 * A handler may return a promise to push back; events then queue, and a watcher whose queue of
 * live events passes `maxBuffered` is ended without an ERROR event, as kube-apiserver ends
 * watchers that cannot keep up (the client re-watches from the last resourceVersion it saw).
 * Initial events (the current state sent as ADDED) come from an iterator and do not count
 * against the bound.
 */
export class WatchQueue implements Watch {
  private handlers: Array<(ev: WatchEvent) => void | Promise<void>> = [];
  private enders: Array<() => void> = [];
  private initial: Iterator<WatchEvent> | undefined;
  private buf: WatchEvent[] = [];
  private head = 0;
  /** A handler's promise is outstanding. */
  private waiting = false;
  private draining = false;
  private scheduled = false;
  /** No more events are accepted; deliver what is queued, then finish. */
  private closing = false;
  private finished = false;

  /** `cleanup` runs once when the watcher ends, however it ends (owner unregisters it). */
  constructor(private readonly maxBuffered: number, private cleanup: () => void = () => {}) {}

  /** True once the watcher accepts no more events. */
  get ended(): boolean {
    return this.closing || this.finished;
  }

  setCleanup(fn: () => void): void {
    this.cleanup = fn;
  }

  /** The initial events, delivered before anything pushed. */
  setInitial(it: Iterator<WatchEvent>): void {
    this.initial = it;
    this.schedule();
  }

  /** Queues a live event; ends the watcher if it is too far behind. */
  push(ev: WatchEvent): void {
    if (this.closing || this.finished) return;
    this.buf.push(ev);
    if (this.buf.length - this.head > this.maxBuffered) {
      this.terminate();
      return;
    }
    this.schedule();
  }

  /** Queued live events not yet delivered. */
  get backlog(): number {
    return this.buf.length - this.head;
  }

  /** Ends after everything queued has been delivered (after an ERROR event, or at the end of history). */
  end(): void {
    if (this.closing || this.finished) return;
    this.closing = true;
    this.schedule();
  }

  /** Ends now, dropping whatever is queued. */
  terminate(): void {
    this.buf = [];
    this.head = 0;
    this.initial = undefined;
    this.finish();
  }

  onEvent(fn: (ev: WatchEvent) => void | Promise<void>): void {
    this.handlers.push(fn);
    this.schedule();
  }

  onEnd(fn: () => void): void {
    if (this.finished) queueMicrotask(fn);
    else this.enders.push(fn);
  }

  stop(): void {
    this.terminate();
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.closing = true;
    this.cleanup();
    const enders = this.enders.splice(0);
    // onEnd listeners hear of it on a later turn, after any event being delivered now.
    if (enders.length) queueMicrotask(() => enders.forEach((f) => f()));
  }

  private schedule(): void {
    if (this.scheduled || this.draining || this.waiting || this.finished) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      this.drain();
    });
  }

  private next(): WatchEvent | undefined {
    if (this.initial) {
      const r = this.initial.next();
      if (!r.done) return r.value;
      this.initial = undefined;
    }
    if (this.head < this.buf.length) {
      const ev = this.buf[this.head]!;
      this.buf[this.head++] = undefined as unknown as WatchEvent;
      if (this.head > 1024 && this.head * 2 > this.buf.length) {
        this.buf = this.buf.slice(this.head);
        this.head = 0;
      }
      return ev;
    }
    return undefined;
  }

  private drain(): void {
    if (this.draining || this.waiting || this.finished || this.handlers.length === 0) return;
    this.draining = true;
    try {
      while (!this.waiting && !this.finished) {
        const ev = this.next();
        if (ev === undefined) {
          if (this.closing) this.finish();
          break;
        }
        let pending: Array<Promise<void>> | undefined;
        for (const h of this.handlers) {
          let r: void | Promise<void>;
          try {
            r = h(ev);
          } catch (e) {
            // A consumer that throws cannot be served further; say why once.
            console.error("watch consumer failed; ending the watch:", e);
            this.terminate();
            return;
          }
          if (r !== undefined && typeof (r as Promise<void>).then === "function") (pending ??= []).push(r as Promise<void>);
        }
        if (pending) {
          this.waiting = true;
          const resume = () => {
            this.waiting = false;
            this.drain();
          };
          (pending.length === 1 ? pending[0]! : Promise.all(pending)).then(resume, () => this.terminate());
        }
      }
    } finally {
      this.draining = false;
    }
  }
}
