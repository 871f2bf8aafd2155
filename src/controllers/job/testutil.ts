/** Test wiring shared by the job and cronjob controller tests: fakes plus a queue that records. */
import { FakeClient, FakeClock, FakeInformerFactory, FakeRecorder } from "../../client/fake.js";
import type { WorkQueue } from "../../client/types.js";
import type { ControllerContext } from "../types.js";

/** Records what a controller asks of its queue; never hands out keys. */
export class RecordingQueue implements WorkQueue {
  readonly added: string[] = [];
  readonly after: { key: string; delayMs: number }[] = [];
  add(key: string): void {
    this.added.push(key);
  }
  addAfter(key: string, delayMs: number): void {
    this.after.push({ key, delayMs });
  }
  addRateLimited(key: string): void {
    this.added.push(key);
  }
  forget(): void {}
  numRequeues(): number {
    return 0;
  }
  get(): Promise<string | undefined> {
    return Promise.resolve(undefined);
  }
  done(): void {}
  len(): number {
    return 0;
  }
  shutDown(): void {}
  clear(): void {
    this.added.length = 0;
    this.after.length = 0;
  }
}

export interface TestEnv {
  clock: FakeClock;
  client: FakeClient;
  informers: FakeInformerFactory;
  recorder: FakeRecorder;
  queue: RecordingQueue;
  ctx: ControllerContext;
}

export function testEnv(start = Date.parse("2026-01-01T00:00:00Z")): TestEnv {
  const clock = new FakeClock(start);
  const client = new FakeClient(clock);
  const informers = new FakeInformerFactory(client);
  const recorder = new FakeRecorder();
  const quiet = { info: () => {}, warn: () => {}, error: () => {} };
  const ctx: ControllerContext = { client, informers, recorder: () => recorder, clock, log: quiet };
  return { clock, client, informers, recorder, queue: new RecordingQueue(), ctx };
}
