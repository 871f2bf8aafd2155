import { test } from "node:test";
import assert from "node:assert/strict";
import { ApiMetrics } from "./metrics.js";
import type { RequestInfo } from "./filters/requestInfo.js";
import type { Registry } from "./registry/index.js";

const emptyRegistry = { resources: [], byResource: () => undefined } as unknown as Registry;

function info(over: Partial<RequestInfo>): RequestInfo {
  return { isResourceRequest: true, verb: "get", apiGroup: "", apiVersion: "v1", resource: "pods", subresource: "", namespace: "default", name: "p", ...over } as RequestInfo;
}

test("request count and duration histogram in the exposition format, with kube's names and labels", async () => {
  const m = new ApiMetrics(emptyRegistry);
  m.observe(info({}), 200, 0.003);
  m.observe(info({}), 200, 0.03);
  m.observe(info({}), 404, 0.001);
  m.observe(info({ verb: "list", name: "", namespace: "" }), 200, 2.5);
  m.observe(info({ isResourceRequest: false, verb: "get" }), 200, 0.001);
  const { body, contentType } = await m.render();
  assert.match(contentType, /^text\/plain/);
  const lines = body.split("\n");
  const get = 'verb="GET",dry_run="",group="",version="v1",resource="pods",subresource="",scope="resource",component="apiserver"';
  assert.ok(lines.includes(`apiserver_request_total{${get},code="200"} 2`));
  assert.ok(lines.includes(`apiserver_request_total{${get},code="404"} 1`));
  assert.ok(lines.includes('apiserver_request_total{verb="LIST",dry_run="",group="",version="v1",resource="pods",subresource="",scope="cluster",component="apiserver",code="200"} 1'));
  assert.ok(lines.includes('apiserver_request_total{verb="GET",dry_run="",group="",version="",resource="",subresource="",scope="",component="apiserver",code="200"} 1'));
  // Buckets are cumulative; a non-resource request has no duration series.
  assert.ok(lines.includes(`apiserver_request_duration_seconds_bucket{${get},le="0.005"} 2`));
  assert.ok(lines.includes(`apiserver_request_duration_seconds_bucket{${get},le="0.025"} 2`));
  assert.ok(lines.includes(`apiserver_request_duration_seconds_bucket{${get},le="0.05"} 3`));
  assert.ok(lines.includes(`apiserver_request_duration_seconds_bucket{${get},le="+Inf"} 3`));
  assert.ok(lines.includes(`apiserver_request_duration_seconds_count{${get}} 3`));
  const sum = Number(lines.find((l) => l.startsWith(`apiserver_request_duration_seconds_sum{${get}}`))!.split(" ").pop());
  assert.ok(Math.abs(sum - 0.034) < 1e-9);
  assert.equal(lines.filter((l) => l.startsWith("apiserver_request_duration_seconds_count")).length, 2);
  assert.ok(lines.includes("# TYPE apiserver_request_total counter"));
  assert.ok(lines.includes("# TYPE apiserver_request_duration_seconds histogram"));
  assert.ok(lines.includes("# TYPE apiserver_storage_objects gauge"));
});
