import { test } from "node:test";
import assert from "node:assert/strict";
import type { KObject } from "../../api/types.js";
import { created, edited, runCreate, runUpdate } from "../groupsupport/testing.js";
import { ingressClassStrategy } from "./ingressclasses.js";
import { ingressStrategy } from "./ingresses.js";
import { networkPolicyStrategy } from "./networkpolicies.js";

const policy: KObject = {
  metadata: { name: "deny" },
  spec: { podSelector: {}, ingress: [{ ports: [{ port: 80 }], from: [{ podSelector: { matchLabels: { a: "b" } } }] }] },
};

test("networkpolicy defaults", () => {
  const { obj, errors } = runCreate(networkPolicyStrategy, policy);
  assert.deepEqual(errors, []);
  const spec = obj.spec as { policyTypes: unknown; ingress: { ports: unknown }[] };
  assert.deepEqual(spec.policyTypes, ["Ingress"]);
  assert.deepEqual(spec.ingress[0]!.ports, [{ port: 80, protocol: "TCP" }]);
  assert.equal(obj.metadata.generation, 1);
  const eg = runCreate(networkPolicyStrategy, edited(policy, { "spec.egress": [{}] })).obj.spec as { policyTypes: unknown };
  assert.deepEqual(eg.policyTypes, ["Ingress", "Egress"]);
  const stored = created(networkPolicyStrategy, policy);
  assert.equal(runUpdate(networkPolicyStrategy, edited(stored, { "spec.podSelector": { matchLabels: { x: "y" } } }), stored).obj.metadata.generation, 2);
});

const policyCases: [string, Record<string, unknown>, string[]][] = [
  ["empty peer", { "spec.ingress": [{ from: [{}] }] }, ["spec.ingress[0].from[0]: Required value: must specify a peer"]],
  [
    "ipBlock with another peer",
    { "spec.ingress": [{ from: [{ ipBlock: { cidr: "10.0.0.0/8", except: ["192.168.0.0/16"] }, podSelector: {} }] }] },
    [
      'spec.ingress[0].from[0].ipBlock.except[0]: Invalid value: "192.168.0.0/16": must be a strict subset of `cidr`',
      "spec.ingress[0].from[0]: Forbidden: may not specify both ipBlock and another peer",
    ],
  ],
  ["endPort below port", { "spec.ingress": [{ ports: [{ port: 90, endPort: 80 }] }] }, ["spec.ingress[0].ports[0].endPort: Invalid value: 90: must be greater than or equal to `port`"]],
  ["bad policy type", { "spec.policyTypes": ["Sideways"] }, ['spec.policyTypes[0]: Unsupported value: "Sideways": supported values: "Ingress", "Egress"']],
];
for (const [name, sets, errors] of policyCases) {
  test(`networkpolicy validation: ${name}`, () => assert.deepEqual(runCreate(networkPolicyStrategy, edited(policy, sets)).errors, errors));
}

const ingress: KObject = {
  metadata: { name: "web" },
  spec: {
    ingressClassName: "nginx",
    rules: [{ host: "example.com", http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "web", port: { number: 80 } } } }] } }],
  },
};

test("ingress create: status, generation", () => {
  const { obj, errors } = runCreate(ingressStrategy, ingress);
  assert.deepEqual(errors, []);
  assert.deepEqual(obj.status, { loadBalancer: {} });
  assert.equal(obj.metadata.generation, 1);
});

const ingressCases: [string, Record<string, unknown>, string[]][] = [
  ["no rules or backend", { "spec.rules": undefined }, ["spec: Invalid value: []networking.IngressRule(nil): either `defaultBackend` or `rules` must be specified"]],
  [
    "path problems",
    { "spec.rules": [{ host: "1.2.3.4", http: { paths: [{ path: "a//b", pathType: "Exact", backend: { service: { name: "web" } } }, { path: "/" }] } }] },
    [
      'spec.rules[0].host: Invalid value: "1.2.3.4": must be a DNS name, not an IP address',
      'spec.rules[0].http.paths[0].path: Invalid value: "a//b": must be an absolute path',
      "spec.rules[0].http.paths[0].path: Invalid value: \"a//b\": must not contain '//'",
      "spec.rules[0].http.paths[0].backend: Required value: port name or number is required",
      "spec.rules[0].http.paths[1].pathType: Required value: pathType must be specified",
    ],
  ],
  [
    "class annotation disagrees",
    { "metadata.annotations": { "kubernetes.io/ingress.class": "traefik" } },
    ['annotations.kubernetes.io/ingress.class: Invalid value: "traefik": must match `ingressClassName` when both are specified'],
  ],
];
for (const [name, sets, errors] of ingressCases) {
  test(`ingress validation: ${name}`, () => assert.deepEqual(runCreate(ingressStrategy, edited(ingress, sets)).errors, errors));
}

test("ingress status subresource", () => {
  const stored = created(ingressStrategy, ingress);
  const r = runUpdate(ingressStrategy, edited(stored, { status: { loadBalancer: { ingress: [{ ip: "nope" }] } } }), stored, "status");
  assert.deepEqual(r.errors, ['status.loadBalancer.ingress[0].ip: Invalid value: "nope": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)']);
  assert.deepEqual(ingressStrategy.warningsOnCreate?.(edited(ingress, { "metadata.annotations": { "kubernetes.io/ingress.class": "nginx" } })), [
    "annotation \"kubernetes.io/ingress.class\" is deprecated, please use 'spec.ingressClassName' instead",
  ]);
});

test("ingressclass", () => {
  const cls: KObject = { metadata: { name: "nginx" }, spec: { controller: "k8s.io/ingress-nginx", parameters: { kind: "Params", name: "p" } } };
  const { obj, errors } = runCreate(ingressClassStrategy, cls);
  assert.deepEqual(errors, []);
  assert.deepEqual((obj.spec as { parameters: unknown }).parameters, { kind: "Params", name: "p", scope: "Cluster" });
  assert.equal(obj.metadata.generation, 1);
  assert.deepEqual(runCreate(ingressClassStrategy, edited(cls, { "spec.parameters.scope": "Namespace" })).errors, [
    "spec.parameters.namespace: Required value: `parameters.scope` is set to 'Namespace'",
  ]);
  const stored = created(ingressClassStrategy, cls);
  assert.deepEqual(runUpdate(ingressClassStrategy, edited(stored, { "spec.controller": "example.com/other" }), stored).errors, [
    'spec.controller: Invalid value: "example.com/other": field is immutable',
  ]);
});
