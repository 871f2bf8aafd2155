import { test } from "node:test";
import assert from "node:assert/strict";
import * as networking from "./networking.js";
import { cells, headers, k } from "./testing.js";

test("ingresses", () => {
  assert.deepEqual(headers(networking.ingresses), ["Name", "Class", "Hosts", "Address", "Ports", "Age"]);
  const ing = k("web", {
    spec: { ingressClassName: "nginx", rules: [{ host: "a.example.com" }, { host: "b.example.com" }], tls: [{ hosts: ["a.example.com"] }] },
    status: { loadBalancer: { ingress: [{ hostname: "lb.example.com" }, { ip: "10.1.1.1" }] } },
  });
  assert.deepEqual(cells(networking.ingresses, ing), ["web", "nginx", "a.example.com,b.example.com", "10.1.1.1,lb.example.com", "80, 443", "5m"]);
  assert.deepEqual(cells(networking.ingresses, k("bare")), ["bare", "<none>", "*", "", "80", "5m"]);
  assert.equal(cells(networking.ingresses, k("x", { spec: { rules: [{}, { http: {} }] } }))[2], "*");
  const many = k("x", { spec: { rules: [{ host: "a" }, {}, { host: "c" }, { host: "d" }, { host: "e" }] } });
  assert.equal(cells(networking.ingresses, many)[2], "a,c,d + 2 more...");
});

test("ingressclasses and networkpolicies", () => {
  assert.deepEqual(headers(networking.ingressClasses), ["Name", "Controller", "Parameters", "Age"]);
  const withParams = k("nginx", { spec: { controller: "k8s.io/ingress-nginx", parameters: { apiGroup: "k8s.example.com", kind: "IngressParameters", name: "external-lb" } } });
  assert.deepEqual(cells(networking.ingressClasses, withParams), ["nginx", "k8s.io/ingress-nginx", "IngressParameters.k8s.example.com/external-lb", "5m"]);
  assert.equal(cells(networking.ingressClasses, k("x", { spec: { parameters: { kind: "ConfigMap", name: "cfg" } } }))[2], "ConfigMap/cfg");
  assert.equal(cells(networking.ingressClasses, k("x"))[2], "<none>");

  assert.deepEqual(headers(networking.networkPolicies), ["Name", "Pod-Selector", "Age"]);
  assert.deepEqual(cells(networking.networkPolicies, k("deny", { spec: { podSelector: {} } })), ["deny", "<none>", "5m"]);
  assert.equal(cells(networking.networkPolicies, k("x", { spec: { podSelector: { matchLabels: { role: "db" } } } }))[1], "role=db");
  assert.equal(cells(networking.networkPolicies, k("x", { spec: { podSelector: { matchLabels: { "bad key!": "x" } } } }))[1], "<error>");
});

test("servicecidrs and ipaddresses", () => {
  assert.deepEqual(cells(networking.serviceCIDRs, k("kubernetes", { spec: { cidrs: ["10.96.0.0/12", "fd00::/108"] } })), ["kubernetes", "10.96.0.0/12,fd00::/108", "5m"]);
  assert.deepEqual(headers(networking.ipAddresses), ["Name", "ParentRef"]);
  const ip = k("10.96.0.1", { spec: { parentRef: { group: "", resource: "Services", namespace: "default", name: "kubernetes" } } });
  assert.deepEqual(cells(networking.ipAddresses, ip), ["10.96.0.1", "services/default/kubernetes", "5m"]);
  const gw = k("10.0.0.2", { spec: { parentRef: { group: "gateway.networking.k8s.io", resource: "gateways", name: "gw" } } });
  assert.equal(cells(networking.ipAddresses, gw)[1], "gateways.gateway.networking.k8s.io/gw");
  assert.equal(cells(networking.ipAddresses, k("x"))[1], "<none>");
});

test("endpointslices", () => {
  assert.deepEqual(headers(networking.endpointSlices), ["Name", "AddressType", "Ports", "Endpoints", "Age"]);
  const slice = k("web-abc", {
    addressType: "IPv4",
    ports: [{ port: 80, name: "http" }, { name: "metrics" }, {}],
    endpoints: [{ addresses: ["10.0.0.1"] }, { addresses: ["10.0.0.2", "10.0.0.3"] }, { addresses: ["10.0.0.4"] }],
  });
  assert.deepEqual(cells(networking.endpointSlices, slice), ["web-abc", "IPv4", "80,metrics,*", "10.0.0.1,10.0.0.2,10.0.0.3 + 1 more...", "5m"]);
  assert.deepEqual(cells(networking.endpointSlices, k("empty", { addressType: "IPv6" })), ["empty", "IPv6", "<unset>", "<unset>", "5m"]);
});
