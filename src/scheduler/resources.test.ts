import { test } from "node:test";
import assert from "node:assert/strict";
import { milliValue, nodeAllocatable, podRequests, unitValue } from "./resources.js";
import { node, pod } from "./testutil.js";

test("quantities round up as MilliValue / Value", () => {
  const cases: [string | number, number, number][] = [
    ["100m", 100, 1],
    ["0.1", 100, 1],
    ["1", 1000, 1],
    ["1.5", 1500, 2],
    ["1Ki", 1024000, 1024],
    ["128Mi", 128 * 2 ** 20 * 1000, 128 * 2 ** 20],
    ["1G", 1e12, 1e9],
    ["1e3", 1e6, 1000],
    ["1n", 1, 1],
    [2, 2000, 2],
  ];
  for (const [q, milli, unit] of cases) {
    assert.equal(milliValue(q), milli, `milli ${q}`);
    assert.equal(unitValue(q), unit, `unit ${q}`);
  }
  assert.equal(milliValue("garbage"), 0);
});

test("pod requests: containers summed, init containers as a floor, sidecars added, overhead, limits defaulting requests", () => {
  const p = pod("p", {
    spec: {
      containers: [
        { name: "a", resources: { requests: { cpu: "100m", memory: "100Mi" } } },
        { name: "b", resources: { limits: { cpu: "200m", "example.com/gpu": "1" } } },
      ],
      initContainers: [
        { name: "sidecar", restartPolicy: "Always", resources: { requests: { cpu: "50m" } } },
        { name: "big-init", resources: { requests: { cpu: "1", memory: "50Mi" } } },
      ],
      overhead: { cpu: "10m" },
    },
  });
  const r = podRequests(p);
  // containers 300m + sidecar 50m = 350m < init 1000m + sidecar 50m = 1050m; + overhead 10m.
  assert.equal(r.requests.milliCPU, 1060);
  assert.equal(r.requests.memory, 100 * 2 ** 20);
  assert.equal(r.requests.scalar.get("example.com/gpu"), 1);
  // Non-zero: b names cpu but not memory, so it counts 200Mi of memory.
  assert.equal(r.nonZeroMemory, Math.max(100 * 2 ** 20 + 200 * 2 ** 20 + 200 * 2 ** 20, 50 * 2 ** 20 + 200 * 2 ** 20));
  const empty = podRequests(pod("e"));
  assert.equal(empty.requests.milliCPU, 0);
  assert.equal(empty.nonZeroCPU, 100);
  assert.equal(empty.nonZeroMemory, 200 * 2 ** 20);
});

test("node allocatable", () => {
  const a = nodeAllocatable(node("n", { cpu: "3500m", memory: "1Gi", pods: 10, extra: { "hugepages-2Mi": "4Mi" } }));
  assert.equal(a.milliCPU, 3500);
  assert.equal(a.memory, 2 ** 30);
  assert.equal(a.pods, 10);
  assert.equal(a.scalar.get("hugepages-2Mi"), 4 * 2 ** 20);
});
