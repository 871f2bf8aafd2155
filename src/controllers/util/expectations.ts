/**
 * kube's ControllerExpectations as counters: creations and deletions a sync sent and the
 * informer has not shown yet. A controller does not sync a key again until they are seen (or
 * five minutes pass), so it never acts twice on a stale cache.
 */
export const EXPECTATIONS_TTL_MS = 5 * 60_000;

interface Expectation {
  adds: number;
  dels: number;
  at: number;
}

export class CountExpectations {
  private readonly byKey = new Map<string, Expectation>();
  constructor(private readonly now: () => number) {}

  expect(key: string, adds: number, dels: number): void {
    this.byKey.set(key, { adds, dels, at: this.now() });
  }

  observe(key: string, what: "adds" | "dels"): void {
    const e = this.byKey.get(key);
    if (e) e[what]--;
  }

  satisfied(key: string): boolean {
    const e = this.byKey.get(key);
    return !e || (e.adds <= 0 && e.dels <= 0) || this.now() - e.at > EXPECTATIONS_TTL_MS;
  }

  delete(key: string): void {
    this.byKey.delete(key);
  }
}
