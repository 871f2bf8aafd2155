import assert from "node:assert/strict";
import { test } from "node:test";
import { R } from "../../client/resources.js";
import { ApiError } from "../../client/types.js";
import { testEnv } from "../job/testutil.js";
import { newServiceAccountsController } from "./controller.js";

test("every active namespace gets a default service account, re-created when deleted", async () => {
  const env = testEnv();
  env.client.seed(R.namespaces, { metadata: { name: "a" }, status: { phase: "Active" } }, { metadata: { name: "b" }, status: { phase: "Active" } });
  env.client.seed(R.serviceaccounts, { metadata: { name: "default", namespace: "b" } });
  const ctl = newServiceAccountsController(env.ctx, { queue: env.queue });
  assert.deepEqual(env.queue.added.sort(), ["a", "b"]);

  await ctl.sync("a");
  await ctl.sync("b");
  assert.deepEqual(env.client.writes(), ["create serviceaccounts a/default"]);
  assert.deepEqual(env.client.actions[0]?.object, { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "default", namespace: "a" } });

  env.queue.clear();
  await env.client.delete(R.serviceaccounts, "b", "default");
  assert.deepEqual(env.queue.added, ["b"]);
  env.client.clearActions();
  await ctl.sync("b");
  assert.deepEqual(env.client.writes(), ["create serviceaccounts b/default"]);
  assert.equal(env.client.objectsOf(R.serviceaccounts).length, 2);
});

test("terminating and missing namespaces get nothing", async () => {
  const env = testEnv();
  env.client.seed(R.namespaces, { metadata: { name: "t", deletionTimestamp: "2026-01-01T00:00:00Z", finalizers: ["x"] }, status: { phase: "Terminating" } });
  const ctl = newServiceAccountsController(env.ctx, { queue: env.queue });
  await ctl.sync("t");
  await ctl.sync("missing");
  assert.deepEqual(env.client.writes(), []);
});

test("AlreadyExists and NamespaceTerminating refusals are not errors; others are", async () => {
  const env = testEnv();
  env.client.seed(R.namespaces, { metadata: { name: "a" }, status: { phase: "Active" } });
  const ctl = newServiceAccountsController(env.ctx, { queue: env.queue });
  let answer: ApiError = new ApiError(409, "AlreadyExists", 'serviceaccounts "default" already exists');
  env.client.addReactor((a) => (a.verb === "create" ? answer : undefined));
  await ctl.sync("a");
  answer = new ApiError(403, "Forbidden", 'serviceaccounts "default" is forbidden: unable to create new content in namespace a because it is being terminated', {
    details: { causes: [{ type: "NamespaceTerminating", message: "namespace a is being terminated", field: "metadata.namespace" }] },
  });
  await ctl.sync("a");
  answer = new ApiError(500, "InternalError", "boom");
  await assert.rejects(ctl.sync("a"), /boom/);
});
