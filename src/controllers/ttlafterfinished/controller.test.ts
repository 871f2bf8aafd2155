import assert from "node:assert/strict";
import { test } from "node:test";
import { R } from "../../client/resources.js";
import type { KObject } from "../../client/types.js";
import { testEnv } from "../job/testutil.js";
import { newTTLAfterFinishedController } from "./controller.js";

const job = (name: string, ttl: number | undefined, finished?: { type: string; at?: string }): KObject => ({
  metadata: { name, namespace: "default", uid: `uid-${name}` },
  spec: ttl === undefined ? {} : { ttlSecondsAfterFinished: ttl },
  status: finished ? { conditions: [{ type: finished.type, status: "True", ...(finished.at ? { lastTransitionTime: finished.at } : {}) }] } : {},
});

test("a finished job is requeued for its TTL, then deleted in the foreground with a uid precondition", async () => {
  const env = testEnv();
  env.client.seed(R.jobs, job("done", 100, { type: "Complete", at: "2026-01-01T00:00:00Z" }), job("running", 100), job("no-ttl", undefined, { type: "Failed", at: "2026-01-01T00:00:00Z" }));
  const ctl = newTTLAfterFinishedController(env.ctx, { queue: env.queue });
  assert.deepEqual(env.queue.added, ["default/done"]);

  env.clock.advance(40_000);
  await ctl.sync("default/done");
  assert.deepEqual(env.queue.after, [{ key: "default/done", delayMs: 60_000 }]);
  assert.deepEqual(env.client.writes(), []);

  env.clock.advance(60_000);
  await ctl.sync("default/done");
  await ctl.sync("default/running");
  await ctl.sync("default/no-ttl");
  assert.deepEqual(env.client.writes(), ["delete jobs default/done"]);
  const del = env.client.actions.find((a) => a.verb === "delete");
  assert.deepEqual(del?.object, { propagationPolicy: "Foreground", preconditions: { uid: "uid-done" } });
});

test("the live TTL decides: a longer TTL set since the cache saw it defers the deletion", async () => {
  const env = testEnv();
  env.client.seed(R.jobs, job("j", 0, { type: "Failed", at: "2026-01-01T00:00:00Z" }));
  const ctl = newTTLAfterFinishedController(env.ctx, { queue: env.queue });
  // Another writer raises the TTL; the cache still has the old object at sync time.
  const cached = structuredClone(env.client.objectsOf(R.jobs)[0]!);
  await env.client.patch(R.jobs, "default", "j", "merge", { spec: { ttlSecondsAfterFinished: 30 } });
  const lister = (ctl as unknown as { jobs: { lister: { getByKey: (k: string) => KObject | undefined } } }).jobs.lister;
  lister.getByKey = () => cached;
  env.client.clearActions();
  await ctl.sync("default/j");
  assert.deepEqual(env.client.writes(), []);
  assert.deepEqual(env.queue.after.at(-1), { key: "default/j", delayMs: 30_000 });
});

test("a finished job without a finish time is an error to retry", async () => {
  const env = testEnv();
  env.client.seed(R.jobs, job("odd", 10, { type: "Complete" }));
  const ctl = newTTLAfterFinishedController(env.ctx, { queue: env.queue });
  await assert.rejects(ctl.sync("default/odd"), /unable to find the time when the Job default\/odd finished/);
});
