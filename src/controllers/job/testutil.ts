/** Test wiring shared by the job and cronjob controller tests: fakes plus a queue that records. */
import { FakeClient, FakeClock, FakeInformerFactory, FakeRecorder } from "../../client/fake.js";
import type { WorkQueue } from "../../client/types.js";
import type { ControllerContext } from "../types.js";

import { RecordingQueue } from "../../client/fake.js";
export { RecordingQueue };

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
