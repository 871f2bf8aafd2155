// goShape skips the values whose types cannot lack an always-written field: the result is the
// one the full walk gives.
import assert from "node:assert/strict";
import { test } from "node:test";
import { goShape, mayNeedShape, shapeSkips } from "./gozero.js";
import { rootType } from "./schema.js";
import { seededRandom as rng } from "../../util/random.js";

/** Random edits: members dropped, emptied or nulled, unknown members added. */
function mutate(v: unknown, r: () => number): unknown {
  if (Array.isArray(v)) return v.map((x) => mutate(x, r));
  if (typeof v !== "object" || v === null) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    const p = r();
    if (p < 0.1) continue;
    out[k] = p < 0.15 ? (Array.isArray(x) ? [] : typeof x === "object" ? {} : x) : p < 0.18 ? null : mutate(x, r);
  }
  if (r() < 0.05) out.extra = { nested: { x: 1 } };
  return out;
}

const podSpec = {
  containers: [{
    name: "app", image: "img", ports: [{ containerPort: 80, name: "http" }], env: [{ name: "A", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }],
    resources: { requests: { cpu: "1" } }, volumeMounts: [{ name: "v", mountPath: "/v" }], readinessProbe: { httpGet: { port: 80 } },
    securityContext: { capabilities: { add: ["NET_ADMIN"] } },
  }],
  volumes: [{ name: "v", configMap: { name: "c", items: [{ key: "k", path: "p" }] } }, { name: "p", projected: { sources: [{ serviceAccountToken: { path: "token" } }] } }],
  affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { a: "b" } }, topologyKey: "zone" }] } },
  tolerations: [{ key: "k", operator: "Exists" }],
};
const objects: Array<[{ group: string; version: string; kind: string }, unknown]> = [
  [{ group: "", version: "v1", kind: "Pod" }, { apiVersion: "v1", kind: "Pod", metadata: { name: "p", labels: { a: "b" }, ownerReferences: [{ apiVersion: "v1", kind: "X", name: "x", uid: "u" }] }, spec: podSpec, status: { conditions: [{ type: "Ready", status: "True" }] } }],
  [{ group: "apps", version: "v1", kind: "Deployment" }, { metadata: { name: "d" }, spec: { selector: { matchLabels: { a: "b" } }, template: { metadata: { labels: { a: "b" } }, spec: podSpec }, strategy: { rollingUpdate: { maxSurge: 1 } } } }],
  [{ group: "", version: "v1", kind: "Service" }, { metadata: { name: "s" }, spec: { ports: [{ port: 80, targetPort: "http" }], selector: { a: "b" } } }],
  [{ group: "apiextensions.k8s.io", version: "v1", kind: "CustomResourceDefinition" }, { metadata: { name: "c" }, spec: { group: "g", names: { kind: "K", plural: "ks" }, versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object", properties: { spec: { type: "object", properties: { x: { type: "string" } } } } } } }] } }],
];

test("goShape with its skipped walks equals the full walk", () => {
  let compared = 0;
  for (const [gvk, obj] of objects) {
    const t = rootType(gvk);
    const r = rng(3 + compared);
    for (let i = 0; i < 200; i++) {
      const v = i === 0 ? obj : mutate(obj, r);
      const fast = JSON.stringify(goShape(t.types, t.root, v));
      shapeSkips.on = false;
      let full: string;
      try {
        full = JSON.stringify(goShape(t.types, t.root, v));
      } finally {
        shapeSkips.on = true;
      }
      assert.equal(fast, full, `${gvk.kind} #${i}`);
      compared++;
    }
  }
  assert.equal(compared, 800);
});

test("mayNeedShape: plain values no, structs with always-written fields (and what holds them) yes", () => {
  const t = rootType({ group: "", version: "v1", kind: "Pod" });
  const named = (n: string) => ({ named: n });
  assert.equal(mayNeedShape(t.types, t.root), true);
  assert.equal(mayNeedShape(t.types, named("io.k8s.api.core.v1.PodSpec")), true);
  assert.equal(mayNeedShape(t.types, named("io.k8s.api.core.v1.Container")), true);
  // Through claims: ResourceClaim always writes its name.
  assert.equal(mayNeedShape(t.types, named("io.k8s.api.core.v1.ResourceRequirements")), true);
  for (const n of ["io.k8s.api.core.v1.Capabilities", "io.k8s.api.core.v1.Toleration", "io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector", "io.k8s.apimachinery.pkg.api.resource.Quantity"]) {
    assert.equal(mayNeedShape(t.types, named(n)), false, n);
  }
});
