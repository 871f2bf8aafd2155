/**
 * Creations and deletions a controller has sent but its informer has not seen yet (kube's
 * UIDTrackingControllerExpectations): while any are outstanding a sync does not manage pods, so it
 * never acts twice on a stale cache. Deletions are tracked by pod key, so seeing one pod's
 * deletion twice (deletionTimestamp, then the DELETE) lowers the count once. Records expire after
 * five minutes, as kube's, in case an event is lost.
 */
import { EXPECTATIONS_TTL_MS } from "../util/expectations.js";
export { EXPECTATIONS_TTL_MS };

interface Record_ {
  adds: number;
  dels: Set<string>;
  at: number;
}

export class Expectations {
  private readonly records = new Map<string, Record_>();

  constructor(private readonly now: () => number) {}

  expectCreations(key: string, adds: number): void {
    this.records.set(key, { adds, dels: new Set(), at: this.now() });
  }

  expectDeletions(key: string, podKeys: string[]): void {
    this.records.set(key, { adds: 0, dels: new Set(podKeys), at: this.now() });
  }

  creationObserved(key: string): void {
    const r = this.records.get(key);
    if (r) r.adds--;
  }

  deletionObserved(key: string, podKey: string): void {
    this.records.get(key)?.dels.delete(podKey);
  }

  satisfied(key: string): boolean {
    const r = this.records.get(key);
    return !r || (r.adds <= 0 && r.dels.size === 0) || this.now() - r.at > EXPECTATIONS_TTL_MS;
  }

  delete(key: string): void {
    this.records.delete(key);
  }
}
