import { test } from "node:test";
import assert from "node:assert/strict";
import { serviceStrategy } from "./services.js";
import { create, update } from "./testing.js";

const svc = (spec: Record<string, unknown>) => ({ apiVersion: "v1", kind: "Service", metadata: { name: "web", namespace: "default" }, spec });

test("defaults of a ClusterIP service (clusterIP and ipFamilies come from the allocator)", () => {
  const { obj, errors } = create(serviceStrategy, svc({ selector: { app: "web" }, ports: [{ port: 80 }] }));
  assert.deepEqual(errors, []);
  assert.deepEqual(obj.spec, {
    selector: { app: "web" }, ports: [{ port: 80, protocol: "TCP", targetPort: 80 }],
    sessionAffinity: "None", type: "ClusterIP", internalTrafficPolicy: "Cluster",
  });
  assert.deepEqual(obj.status, { loadBalancer: {} });
});

test("defaults by type", () => {
  const lb = create(serviceStrategy, svc({ type: "LoadBalancer", ports: [{ port: 443, targetPort: "https" }], sessionAffinity: "ClientIP" })).obj.spec;
  assert.deepEqual(lb, {
    type: "LoadBalancer", ports: [{ port: 443, targetPort: "https", protocol: "TCP" }], sessionAffinity: "ClientIP",
    sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } }, externalTrafficPolicy: "Cluster", internalTrafficPolicy: "Cluster",
    allocateLoadBalancerNodePorts: true,
  });
  const en = create(serviceStrategy, svc({ type: "ExternalName", externalName: "example.com" }));
  assert.deepEqual(en.errors, []);
  assert.deepEqual(en.obj.spec, { type: "ExternalName", externalName: "example.com", sessionAffinity: "None" });
});

test("validation messages", () => {
  const cases: [Record<string, unknown>, string[]][] = [
    [{ selector: { app: "x" } }, ["spec.ports: Required value"]],
    [{ ports: [{ port: 0 }] }, ["spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive", "spec.ports[0].targetPort: Invalid value: 0: must be between 1 and 65535, inclusive"]],
    [{ ports: [{ port: 80, protocol: "ICMP" }] }, [`spec.ports[0].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"`]],
    [{ ports: [{ port: 80 }], type: "Fancy" }, [`spec.type: Unsupported value: "Fancy": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"`]],
    [{ ports: [{ port: 80 }, { port: 81 }] }, ["spec.ports[0].name: Required value", "spec.ports[1].name: Required value"]],
    [{ ports: [{ name: "a", port: 80 }, { name: "b", port: 80 }] }, [
      `spec.ports[1]: Duplicate value: core.ServicePort{Name:"", Protocol:"TCP", AppProtocol:(*string)(nil), Port:80, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}`,
    ]],
    [{ ports: [{ port: 80, nodePort: 30000 }] }, ["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"]],
    [{ ports: [{ port: 80 }], clusterIP: "10.0.0.1" }, ["spec.clusterIPs: Required value"]],
    [{ type: "ExternalName" }, ["spec.externalName: Required value"]],
  ];
  for (const [spec, want] of cases) assert.deepEqual(create(serviceStrategy, svc(spec)).errors, want, JSON.stringify(spec));
});

test("clusterIP may not change once set", () => {
  const stored = create(serviceStrategy, svc({ ports: [{ port: 80 }], clusterIP: "10.96.0.10", clusterIPs: ["10.96.0.10"] })).obj;
  const next = structuredClone(stored) as unknown as { spec: Record<string, unknown> };
  next.spec.clusterIP = "10.96.0.11";
  next.spec.clusterIPs = ["10.96.0.11"];
  assert.deepEqual(update(serviceStrategy, next, stored).errors, [`spec.clusterIPs[0]: Invalid value: []string{"10.96.0.11"}: may not change once set`]);
});

test("switching away from NodePort drops the node ports the client left alone", () => {
  const stored = create(serviceStrategy, svc({ type: "NodePort", ports: [{ port: 80, nodePort: 30080 }] })).obj;
  const next = structuredClone(stored) as unknown as { spec: Record<string, unknown> };
  next.spec.type = "ClusterIP";
  const r = update(serviceStrategy, next, stored);
  assert.deepEqual(r.errors, []);
  assert.deepEqual((r.obj.spec as { ports: unknown }).ports, [{ port: 80, protocol: "TCP", targetPort: 80 }]);
  assert.equal((r.obj.spec as Record<string, unknown>).externalTrafficPolicy, undefined);
});

test("selectable fields and status", () => {
  const stored = create(serviceStrategy, svc({ ports: [{ port: 80 }], clusterIP: "None", clusterIPs: ["None"] })).obj;
  assert.deepEqual(serviceStrategy.selectableFields!(stored), { "spec.clusterIP": "None", "spec.type": "ClusterIP" });
  const next = { ...structuredClone(stored), spec: {}, status: { loadBalancer: { ingress: [{ ip: "1.2.3.4" }] } } };
  const r = update(serviceStrategy, next, stored, "status");
  assert.deepEqual(r.obj.spec, stored.spec);
  assert.deepEqual(r.errors, ["status.loadBalancer.ingress[0].ipMode: Required value: must be specified when `ip` is set"]);
});
