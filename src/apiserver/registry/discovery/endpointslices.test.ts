import { test } from "node:test";
import assert from "node:assert/strict";
import type { KObject } from "../../api/types.js";
import { created, edited, runCreate, runUpdate } from "../groupsupport/testing.js";
import { endpointSliceStrategy } from "./endpointslices.js";

const slice: KObject = {
  metadata: { name: "web-abc", labels: { "kubernetes.io/service-name": "web" } },
  addressType: "IPv4",
  endpoints: [{ addresses: ["10.0.0.5"], conditions: { ready: true } }],
  ports: [{ port: 80 }],
};

test("endpointslice defaults and generation", () => {
  const { obj, errors } = runCreate(endpointSliceStrategy, slice);
  assert.deepEqual(errors, []);
  assert.deepEqual(obj.ports, [{ port: 80, name: "", protocol: "TCP" }]);
  assert.equal(obj.metadata.generation, 1);
  const stored = created(endpointSliceStrategy, slice);
  assert.equal(runUpdate(endpointSliceStrategy, edited(stored, { "metadata.annotations": { a: "b" } }), stored).obj.metadata.generation, 1);
  assert.equal(runUpdate(endpointSliceStrategy, edited(stored, { "metadata.labels": { a: "b" } }), stored).obj.metadata.generation, 2);
  assert.equal(runUpdate(endpointSliceStrategy, edited(stored, { endpoints: [] }), stored).obj.metadata.generation, 2);
});

const cases: [string, Record<string, unknown>, string[]][] = [
  ["no addressType", { addressType: undefined }, ["addressType: Required value"]],
  ["bad addressType", { addressType: "IPv5" }, ['addressType: Unsupported value: "IPv5": supported values: "FQDN", "IPv4", "IPv6"']],
  [
    "bad addresses",
    { endpoints: [{ addresses: ["fe80::1"] }, { addresses: [] }, { addresses: ["127.0.0.1"] }] },
    [
      'endpoints[0].addresses[0]: Invalid value: "fe80::1": must be a valid IPv4 address',
      "endpoints[1].addresses: Required value: must contain at least 1 address",
      'endpoints[2].addresses[0]: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)',
    ],
  ],
  [
    "ports",
    { ports: [{ name: "http", protocol: "ICMP" }, { name: "http", protocol: "TCP" }] },
    ['ports[0].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"', 'ports[1].name: Duplicate value: "http"'],
  ],
];
for (const [name, sets, errors] of cases) {
  test(`endpointslice validation: ${name}`, () => assert.deepEqual(runCreate(endpointSliceStrategy, edited(slice, sets)).errors, errors));
}

test("addressType is immutable", () => {
  const stored = created(endpointSliceStrategy, slice);
  assert.deepEqual(runUpdate(endpointSliceStrategy, edited(stored, { addressType: "FQDN", endpoints: [{ addresses: ["a.example.com"] }] }), stored).errors, [
    'addressType: Invalid value: "FQDN": field is immutable',
  ]);
});
