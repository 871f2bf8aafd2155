import assert from "node:assert/strict";
import { test } from "node:test";
import { R } from "../../client/resources.js";
import type { KObject } from "../../client/types.js";
import { testEnv } from "../job/testutil.js";
import { newPodGCController } from "./controller.js";
import { terminatedToDelete } from "./core.js";

const pod = (name: string, phase: string, extra: { nodeName?: string; created?: string; deleting?: boolean; reason?: string } = {}): KObject => ({
  metadata: {
    name,
    namespace: "default",
    creationTimestamp: extra.created ?? "2026-01-01T00:00:00Z",
    ...(extra.deleting ? { deletionTimestamp: "2026-01-01T00:00:00Z", deletionGracePeriodSeconds: 30 } : {}),
  },
  spec: extra.nodeName ? { nodeName: extra.nodeName } : {},
  status: { phase, ...(extra.reason ? { reason: extra.reason } : {}) },
});

const readyNode = (name: string, taints: { key: string; effect: string }[] = [], ready = true): KObject => ({
  metadata: { name },
  spec: { taints },
  status: { conditions: [{ type: "Ready", status: ready ? "True" : "False" }] },
});

test("terminated pods over the threshold go, evicted then oldest first", async () => {
  const env = testEnv();
  env.client.seed(R.nodes, readyNode("n1"));
  env.client.seed(
    R.pods,
    pod("old", "Succeeded", { nodeName: "n1", created: "2026-01-01T00:00:01Z" }),
    pod("evicted", "Failed", { nodeName: "n1", created: "2026-01-01T00:00:09Z", reason: "Evicted" }),
    pod("new", "Failed", { nodeName: "n1", created: "2026-01-01T00:00:05Z" }),
    pod("running", "Running", { nodeName: "n1" }),
  );
  const ctl = newPodGCController(env.ctx, { terminatedPodThreshold: 1 });
  await ctl.sync();
  // Already finished: no status patch, just a forced delete.
  assert.deepEqual(env.client.writes(), ["delete pods default/evicted", "delete pods default/old"]);
  assert.deepEqual((env.client.actions.find((a) => a.verb === "delete")?.object as { gracePeriodSeconds?: number }).gracePeriodSeconds, 0);
  assert.deepEqual(env.client.objectsOf(R.pods).map((p) => p.metadata.name).sort(), ["new", "running"]);
});

test("pods on a vanished node are marked Failed with DisruptionTarget after the quarantine, then deleted", async () => {
  const env = testEnv();
  env.client.seed(R.nodes, readyNode("n1"));
  env.client.seed(R.pods, pod("orphan", "Running", { nodeName: "gone" }), pod("fine", "Running", { nodeName: "n1" }));
  const ctl = newPodGCController(env.ctx);
  await ctl.sync();
  assert.deepEqual(env.client.writes(), []);
  env.clock.advance(40_000);
  await ctl.sync();
  assert.deepEqual(env.client.writes(), ["patch pods/status default/orphan", "delete pods default/orphan"]);
  const patch = env.client.actions.find((a) => a.verb === "patch");
  assert.equal(patch?.patchType, "strategic");
  assert.deepEqual((patch?.object as { status: unknown }).status, {
    phase: "Failed",
    conditions: [{ type: "DisruptionTarget", status: "True", reason: "DeletionByPodGC", message: "PodGC: node no longer exists", lastTransitionTime: "2026-01-01T00:00:40Z" }],
  });
  assert.ok(env.client.actions.some((a) => a.verb === "get" && a.resource === "nodes" && a.name === "gone"));
  assert.deepEqual(env.client.objectsOf(R.pods).map((p) => p.metadata.name), ["fine"]);
});

test("a node that shows up during the quarantine saves its pods", async () => {
  const env = testEnv();
  env.client.seed(R.pods, pod("p", "Running", { nodeName: "late" }));
  const ctl = newPodGCController(env.ctx);
  await ctl.sync();
  env.client.seed(R.nodes, readyNode("late"));
  env.clock.advance(40_000);
  await ctl.sync();
  assert.deepEqual(env.client.writes(), []);
});

test("unscheduled terminating pods and terminating pods on out-of-service nodes are force-deleted", async () => {
  const env = testEnv();
  env.client.seed(R.nodes, readyNode("down", [{ key: "node.kubernetes.io/out-of-service", effect: "NoExecute" }], false), readyNode("up"));
  env.client.seed(
    R.pods,
    pod("unscheduled", "Pending", { deleting: true }),
    pod("stuck", "Running", { nodeName: "down", deleting: true }),
    pod("graceful", "Running", { nodeName: "up", deleting: true }),
  );
  const ctl = newPodGCController(env.ctx);
  await ctl.sync();
  assert.deepEqual(env.client.writes(), [
    "patch pods/status default/stuck",
    "delete pods default/stuck",
    "patch pods/status default/unscheduled",
    "delete pods default/unscheduled",
  ]);
  const statuses = env.client.actions.filter((a) => a.verb === "patch").map((a) => (a.object as { status: unknown }).status);
  assert.deepEqual(statuses, [{ phase: "Failed" }, { phase: "Failed" }]);
  assert.deepEqual(env.client.objectsOf(R.pods).map((p) => p.metadata.name), ["graceful"]);
});

test("core: threshold 0 disables terminated-pod collection", () => {
  assert.deepEqual(terminatedToDelete([pod("a", "Failed")], 0), []);
  assert.deepEqual(terminatedToDelete([pod("a", "Failed"), pod("b", "Succeeded")], 1).map((p) => p.metadata.name), ["a"]);
});
