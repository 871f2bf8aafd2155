import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { applyPatchWithDetails, strategicMergePatch } from "./index.js";
import { DEPLOYMENT, GENERIC_422, POD, run, SERVICE, status } from "./testutil.js";

/**
 * Strategic merge patch on real kinds. The behaviours are those of kube 1.32's strategicpatch
 * package (its patch_test.go tables and the community strategic-merge-patch.md), restated on the
 * built-in schemas: what kubectl patch and kubectl apply (client-side) send.
 */

type Obj = Record<string, unknown>;

const pod = (spec: Obj = {}, metadata: Obj = {}): Obj => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "p", namespace: "default", ...metadata },
  spec: {
    containers: [
      { name: "web", image: "nginx:1.25", env: [{ name: "A", value: "1" }, { name: "B", value: "2" }], ports: [{ containerPort: 80, protocol: "TCP" }] },
      { name: "log", image: "busybox", args: ["tail", "-f"] },
    ],
    ...spec,
  },
});

const containers = (o: Obj) => ((o.spec as Obj).containers as Obj[]).map((c) => c.name);
const container = (o: Obj, name: string) => ((o.spec as Obj).containers as Obj[]).find((c) => c.name === name)!;

interface Case {
  name: string;
  original: Obj;
  patch: unknown;
  gvk?: { group: string; version: string; kind: string };
  /** Checks on the result, or the failure Status. */
  check?: (result: Obj) => void;
  want?: Obj;
  fails?: ReturnType<typeof status>;
}

const cases: Case[] = [
  // Lists of maps with a merge key (Pod containers by name).
  {
    name: "merges a container by name, keeping the others in place",
    original: pod(),
    patch: { spec: { containers: [{ name: "log", image: "busybox:1.36" }] } },
    check: (r) => {
      assert.deepEqual(containers(r), ["web", "log"]);
      assert.deepEqual(container(r, "log"), { name: "log", image: "busybox:1.36", args: ["tail", "-f"] });
    },
  },
  {
    name: "puts a new container before the server's (kubectl patch adding a sidecar)",
    original: pod(),
    patch: { spec: { containers: [{ name: "sidecar", image: "envoy" }] } },
    check: (r) => assert.deepEqual(containers(r), ["sidecar", "web", "log"]),
  },
  {
    name: "puts a new item after the patch's existing items that precede it",
    original: pod(),
    patch: { spec: { containers: [{ name: "web", image: "nginx:1.27" }, { name: "sidecar", image: "envoy" }] } },
    check: (r) => assert.deepEqual(containers(r), ["web", "sidecar", "log"]),
  },
  {
    name: "orders the patch's items as the patch does",
    original: pod(),
    patch: { spec: { containers: [{ name: "log" }, { name: "web" }] } },
    check: (r) => assert.deepEqual(containers(r), ["log", "web"]),
  },
  {
    name: "merges nested lists: env by name, ports by containerPort",
    original: pod(),
    patch: { spec: { containers: [{ name: "web", env: [{ name: "B", value: "20" }, { name: "C", value: "3" }], ports: [{ containerPort: 443 }] }] } },
    check: (r) => {
      const web = container(r, "web");
      assert.deepEqual(web.env, [{ name: "A", value: "1" }, { name: "B", value: "20" }, { name: "C", value: "3" }]);
      assert.deepEqual(web.ports, [{ containerPort: 443 }, { containerPort: 80, protocol: "TCP" }]);
    },
  },
  {
    name: "merges ports by containerPort alone, whatever the protocol (kubernetes#108255)",
    original: pod(),
    patch: { spec: { containers: [{ name: "web", ports: [{ containerPort: 80, protocol: "UDP" }] }] } },
    check: (r) => assert.deepEqual(container(r, "web").ports, [{ containerPort: 80, protocol: "UDP" }]),
  },
  {
    name: "$patch: delete removes list items by merge key (all duplicates)",
    original: pod({}, {}),
    patch: { spec: { containers: [{ name: "web", env: [{ name: "A", $patch: "delete" }, { name: "Z", $patch: "delete" }] }, { name: "log", $patch: "delete" }] } },
    check: (r) => {
      assert.deepEqual(containers(r), ["web"]);
      assert.deepEqual(container(r, "web").env, [{ name: "B", value: "2" }]);
    },
  },
  {
    name: "$patch: replace in a list replaces it with the other items",
    original: pod(),
    patch: { spec: { containers: [{ name: "only", image: "x" }, { $patch: "replace" }] } },
    check: (r) => assert.deepEqual((r.spec as Obj).containers, [{ name: "only", image: "x" }]),
  },
  {
    name: "$patch: replace alone empties the list",
    original: pod(),
    patch: { spec: { containers: [{ $patch: "replace" }] } },
    check: (r) => assert.deepEqual((r.spec as Obj).containers, []),
  },
  {
    name: "null deletes a field inside a merged item",
    original: pod(),
    patch: { spec: { containers: [{ name: "log", args: null }] } },
    check: (r) => assert.deepEqual(container(r, "log"), { name: "log", image: "busybox" }),
  },
  {
    name: "a new list item keeps its nulls and nested directives (kube's typed decoding drops them later)",
    original: pod(),
    patch: { spec: { containers: [{ name: "new", image: null, env: [{ name: "X", $patch: "delete" }] }] } },
    check: (r) => assert.deepEqual(container(r, "new"), { name: "new", image: null, env: [{ name: "X", $patch: "delete" }] }),
  },
  {
    name: "ownerReferences merge by uid",
    original: pod({}, { ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "rs", uid: "u1" }] }),
    patch: { metadata: { ownerReferences: [{ uid: "u1", controller: true }, { apiVersion: "v1", kind: "Node", name: "n", uid: "u2" }] } },
    check: (r) =>
      assert.deepEqual((r.metadata as Obj).ownerReferences, [
        { apiVersion: "apps/v1", kind: "ReplicaSet", name: "rs", uid: "u1", controller: true },
        { apiVersion: "v1", kind: "Node", name: "n", uid: "u2" },
      ]),
  },
  {
    name: "status conditions merge by type",
    original: { ...pod(), status: { phase: "Pending", conditions: [{ type: "PodScheduled", status: "True" }] } },
    patch: { status: { conditions: [{ type: "Ready", status: "False" }, { type: "PodScheduled", status: "False" }] } },
    check: (r) => assert.deepEqual((r.status as Obj).conditions, [{ type: "Ready", status: "False" }, { type: "PodScheduled", status: "False" }]),
  },
  // Lists without a patch strategy are replaced.
  {
    name: "tolerations (atomic) are replaced",
    original: pod({ tolerations: [{ key: "a", operator: "Exists" }, { key: "b", operator: "Exists" }] }),
    patch: { spec: { tolerations: [{ key: "c", operator: "Exists" }] } },
    check: (r) => assert.deepEqual((r.spec as Obj).tolerations, [{ key: "c", operator: "Exists" }]),
  },
  {
    name: "container args (no strategy) are replaced",
    original: pod(),
    patch: { spec: { containers: [{ name: "log", args: ["sleep"] }] } },
    check: (r) => assert.deepEqual(container(r, "log").args, ["sleep"]),
  },
  // Lists of primitives with the merge strategy (finalizers).
  {
    name: "finalizers: union, new ones first, duplicates dropped",
    original: pod({}, { finalizers: ["a", "b"] }),
    patch: { metadata: { finalizers: ["b", "c"] } },
    check: (r) => assert.deepEqual((r.metadata as Obj).finalizers, ["a", "b", "c"]),
  },
  {
    name: "finalizers: a new one alone goes first",
    original: pod({}, { finalizers: ["a", "b"] }),
    patch: { metadata: { finalizers: ["z"] } },
    check: (r) => assert.deepEqual((r.metadata as Obj).finalizers, ["z", "a", "b"]),
  },
  {
    name: "finalizers: the patch's order wins among its items",
    original: pod({}, { finalizers: ["a", "b", "c"] }),
    patch: { metadata: { finalizers: ["c", "a"] } },
    check: (r) => assert.deepEqual((r.metadata as Obj).finalizers, ["b", "c", "a"]),
  },
  {
    name: "$deleteFromPrimitiveList removes values, missing ones ignored",
    original: pod({}, { finalizers: ["a", "b", "c"] }),
    patch: { metadata: { "$deleteFromPrimitiveList/finalizers": ["b", "zz"] } },
    check: (r) => assert.deepEqual((r.metadata as Obj).finalizers, ["a", "c"]),
  },
  {
    name: "$deleteFromPrimitiveList works on lists without the merge strategy and adds nothing",
    original: pod(),
    patch: { spec: { containers: [{ name: "log", "$deleteFromPrimitiveList/args": ["-f"], "$deleteFromPrimitiveList/command": ["x"] }] } },
    check: (r) => assert.deepEqual(container(r, "log"), { name: "log", image: "busybox", args: ["tail"] }),
  },
  {
    name: "add and delete in one patch",
    original: pod({}, { finalizers: ["a", "b"] }),
    patch: { metadata: { finalizers: ["c"], "$deleteFromPrimitiveList/finalizers": ["a"] } },
    check: (r) => assert.deepEqual((r.metadata as Obj).finalizers, ["c", "b"]),
  },
  // Maps.
  {
    name: "labels and annotations merge; null deletes a key",
    original: pod({}, { labels: { app: "web", tier: "fe" }, annotations: { a: "1" } }),
    patch: { metadata: { labels: { tier: null, env: "prod" }, annotations: { b: "2" } } },
    check: (r) => {
      assert.deepEqual((r.metadata as Obj).labels, { app: "web", env: "prod" });
      assert.deepEqual((r.metadata as Obj).annotations, { a: "1", b: "2" });
    },
  },
  {
    name: "$patch: replace in a map replaces it",
    original: pod({}, { labels: { app: "web", tier: "fe" } }),
    patch: { metadata: { labels: { $patch: "replace", only: "this" } } },
    check: (r) => assert.deepEqual((r.metadata as Obj).labels, { only: "this" }),
  },
  {
    name: "$patch: delete in a map empties it",
    original: pod({ nodeSelector: { disk: "ssd" } }),
    patch: { spec: { nodeSelector: { $patch: "delete" } } },
    check: (r) => assert.deepEqual((r.spec as Obj).nodeSelector, {}),
  },
  {
    name: "$patch: delete on a missing map adds nothing",
    original: pod(),
    patch: { spec: { securityContext: { $patch: "delete" } } },
    check: (r) => assert.equal("securityContext" in (r.spec as Obj), false),
  },
  {
    name: "a new map loses its null members",
    original: pod(),
    patch: { spec: { securityContext: { runAsUser: null, runAsNonRoot: true } } },
    check: (r) => assert.deepEqual((r.spec as Obj).securityContext, { runAsNonRoot: true }),
  },
  {
    name: "null deletes a field; a scalar or another type replaces",
    original: pod({ nodeSelector: { disk: "ssd" }, hostname: "h" }),
    patch: { spec: { nodeSelector: null, hostname: 5, restartPolicy: "Never" } },
    check: (r) => {
      const spec = r.spec as Obj;
      assert.equal("nodeSelector" in spec, false);
      assert.equal(spec.hostname, 5);
      assert.equal(spec.restartPolicy, "Never");
    },
  },
  {
    name: "$patch: replace at the top replaces the object",
    original: pod(),
    patch: { $patch: "replace", apiVersion: "v1", kind: "Pod", metadata: { name: "p" } },
    want: { apiVersion: "v1", kind: "Pod", metadata: { name: "p" } },
  },
  {
    name: "a field the schema lacks is taken from the patch",
    original: pod(),
    patch: { spec: { notAField: { a: 1 } } },
    check: (r) => assert.deepEqual((r.spec as Obj).notAField, { a: 1 }),
  },
  // Volumes: merge by name with retainKeys.
  {
    name: "volumes: $retainKeys clears the other source",
    original: pod({ volumes: [{ name: "v", emptyDir: {} }, { name: "w", emptyDir: {} }] }),
    patch: { spec: { volumes: [{ name: "v", $retainKeys: ["configMap", "name"], configMap: { name: "cm" } }] } },
    check: (r) => assert.deepEqual((r.spec as Obj).volumes, [{ name: "v", configMap: { name: "cm" } }, { name: "w", emptyDir: {} }]),
  },
  {
    name: "volumes: without $retainKeys both sources stay (validation rejects it later)",
    original: pod({ volumes: [{ name: "v", emptyDir: {} }] }),
    patch: { spec: { volumes: [{ name: "v", configMap: { name: "cm" } }] } },
    check: (r) => assert.deepEqual((r.spec as Obj).volumes, [{ name: "v", emptyDir: {}, configMap: { name: "cm" } }]),
  },
  // Deployment strategy (retainKeys), as kubectl apply sends a switch to Recreate.
  {
    name: "Deployment strategy: $retainKeys drops rollingUpdate",
    gvk: DEPLOYMENT,
    original: { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d" }, spec: { replicas: 2, strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: "25%" } } } },
    patch: { spec: { strategy: { $retainKeys: ["type"], type: "Recreate", rollingUpdate: null } } },
    check: (r) => assert.deepEqual((r.spec as Obj).strategy, { type: "Recreate" }),
  },
  {
    name: "Deployment strategy: without $retainKeys it merges",
    gvk: DEPLOYMENT,
    original: { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d" }, spec: { strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1 } } } },
    patch: { spec: { strategy: { rollingUpdate: { maxUnavailable: 0 } } } },
    check: (r) => assert.deepEqual((r.spec as Obj).strategy, { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } }),
  },
  {
    name: "a field outside $retainKeys is a 400",
    gvk: DEPLOYMENT,
    original: { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d" }, spec: { strategy: { type: "RollingUpdate" } } },
    patch: { spec: { strategy: { $retainKeys: ["type"], type: "Recreate", rollingUpdate: { maxSurge: 1 } } } },
    fails: status(400, "BadRequest", "invalid patch format of retainKeys"),
  },
  {
    name: "$retainKeys that is not a list is a 400",
    gvk: DEPLOYMENT,
    original: { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d" }, spec: {} },
    patch: { spec: { $retainKeys: "replicas" } },
    fails: status(400, "BadRequest", "invalid patch format of retainKeys"),
  },
  // Service ports by port; PodDisruptionBudget selector has the replace strategy.
  {
    name: "Service ports merge by port",
    gvk: SERVICE,
    original: { apiVersion: "v1", kind: "Service", metadata: { name: "s" }, spec: { selector: { app: "web" }, ports: [{ name: "http", port: 80, targetPort: 8080, protocol: "TCP" }] } },
    patch: { spec: { ports: [{ port: 80, targetPort: 9090 }, { name: "https", port: 443, protocol: "TCP" }] } },
    check: (r) =>
      assert.deepEqual((r.spec as Obj).ports, [
        { name: "http", port: 80, targetPort: 9090, protocol: "TCP" },
        { name: "https", port: 443, protocol: "TCP" },
      ]),
  },
  {
    name: "PodDisruptionBudget selector (replace strategy) is replaced whole",
    gvk: { group: "policy", version: "v1", kind: "PodDisruptionBudget" },
    original: { apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: { name: "b" }, spec: { minAvailable: 1, selector: { matchLabels: { a: "1" } } } },
    patch: { spec: { selector: { matchLabels: { b: "2" } } } },
    check: (r) => assert.deepEqual((r.spec as Obj).selector, { matchLabels: { b: "2" } }),
  },
  // Errors, with kube's classes and texts.
  {
    name: "a list item without the merge key is a 500",
    original: pod(),
    patch: { spec: { containers: [{ image: "x" }] } },
    fails: status(500, undefined, "map: map[image:x] does not contain declared merge key: name"),
  },
  {
    name: "a delete item without the merge key is a 500",
    original: pod(),
    patch: { spec: { containers: [{ $patch: "delete", image: "x" }] } },
    fails: status(500, undefined, "map: map[$patch:delete image:x] does not contain declared merge key: name"),
  },
  {
    name: "an unknown $patch value in a map is a 500",
    original: pod({}, { labels: { a: "1" } }),
    patch: { metadata: { labels: { $patch: "merge", b: "2" } } },
    fails: status(500, undefined, "unknown patch type: merge in map: map[$patch:merge b:2]"),
  },
  {
    name: "$patch: merge in a list is a 500",
    original: pod(),
    patch: { spec: { containers: [{ $patch: "merge" }] } },
    fails: status(500, undefined, "merging lists cannot yet be specified in the patch"),
  },
  {
    name: "an unknown $patch value in a list is a 500",
    original: pod(),
    patch: { spec: { containers: [{ name: "web", $patch: "frob" }] } },
    fails: status(500, undefined, "unknown patch type: frob in map: map[$patch:frob name:web]"),
  },
  {
    name: "$deleteFromPrimitiveList without a list name is a 400",
    original: pod({}, { finalizers: ["a"] }),
    patch: { metadata: { $deleteFromPrimitiveList: ["a"] } },
    fails: status(400, "BadRequest", "invalid patch format of primitive list"),
  },
  {
    name: "a list of lists is kube's generic 422",
    original: pod({}, { finalizers: [] }),
    patch: { metadata: { finalizers: [["a"]] } },
    fails: GENERIC_422,
  },
  {
    name: "mixed element types are a 500",
    original: pod({}, { finalizers: ["a"] }),
    patch: { metadata: { finalizers: [1] } },
    fails: status(500, undefined, "list element types are not identical: [[a] [1]]"),
  },
  {
    name: "maps in a primitive merge list are a 500",
    original: pod({}, { finalizers: [] }),
    patch: { metadata: { finalizers: [{ a: "b" }] } },
    fails: status(500, undefined, "cannot merge lists without merge key for string"),
  },
  {
    name: "a field the type lacks, when both sides hold a map, is a 500",
    original: pod({ notAField: { a: 1 } }),
    patch: { spec: { notAField: { b: 1 } } },
    fails: status(500, undefined, 'unable to find api field in struct PodSpec for the json field "notAField"'),
  },
  {
    name: "merging inside a RawExtension is a 500 (no Go fields to look up)",
    gvk: { group: "apps", version: "v1", kind: "ControllerRevision" },
    original: { apiVersion: "apps/v1", kind: "ControllerRevision", metadata: { name: "r" }, revision: 1, data: { spec: { a: 1 } } },
    patch: { data: { spec: { b: 2 } } },
    fails: status(500, undefined, 'unable to find api field in struct RawExtension for the json field "spec"'),
  },
  {
    name: "a custom resource is a 415",
    gvk: { group: "example.com", version: "v1", kind: "Widget" },
    original: { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" } },
    patch: { spec: {} },
    fails: status(415, "UnsupportedMediaType", "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"),
  },
  {
    name: "a body that is not an object is a 400",
    original: pod(),
    patch: [{ op: "add" }],
    fails: status(400, "BadRequest", "json: cannot unmarshal array into Go value of type map[string]interface {}"),
  },
  {
    name: "a syntax error is a 400 with Go's text",
    original: pod(),
    patch: '{"spec":',
    fails: status(400, "BadRequest", "unexpected end of JSON input"),
  },
  {
    name: "a null body changes nothing",
    original: pod(),
    patch: "null",
    want: pod(),
  },
];

describe("strategic merge patch", () => {
  for (const c of cases) {
    it(c.name, () => {
      const out = run("strategic", c.original, c.patch, c.gvk ?? POD);
      if (c.fails) {
        assert.ok("status" in out, "expected a failure");
        assert.deepEqual(out.status, c.fails);
        return;
      }
      assert.ok("object" in out, "status" in out ? out.status.message : "");
      if (c.want) assert.deepEqual(out.object, c.want);
      c.check?.(out.object);
    });
  }
});

describe("$setElementOrder (kubectl apply)", () => {
  const names = (list: unknown) => (list as Obj[]).map((c) => c.name);
  const deploy = (cs: Obj[]): Obj => ({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d" }, spec: { template: { spec: { containers: cs } } } });
  const cs = (...n: string[]) => n.map((name) => ({ name, image: `${name}:1` }));
  const template = (r: Obj) => (((r.spec as Obj).template as Obj).spec as Obj).containers;

  it("applies an image change with the list's order, as kubectl 1.32 sends it", () => {
    const patch = { spec: { template: { spec: { "$setElementOrder/containers": [{ name: "web" }, { name: "sidecar" }], containers: [{ name: "web", image: "web:2" }] } } } };
    const out = run("strategic", deploy(cs("web", "sidecar")), patch, DEPLOYMENT);
    assert.ok("object" in out);
    assert.deepEqual(template(out.object), [{ name: "web", image: "web:2" }, { name: "sidecar", image: "sidecar:1" }]);
  });

  it("adds a container where the directive puts it", () => {
    const patch = { spec: { template: { spec: { "$setElementOrder/containers": [{ name: "web" }, { name: "new" }, { name: "sidecar" }], containers: [{ name: "new", image: "new:1" }] } } } };
    const out = run("strategic", deploy(cs("web", "sidecar")), patch, DEPLOYMENT);
    assert.ok("object" in out);
    assert.deepEqual(names(template(out.object)), ["web", "new", "sidecar"]);
  });

  it("reorders and deletes", () => {
    const patch = { spec: { template: { spec: { "$setElementOrder/containers": [{ name: "b" }, { name: "a" }], containers: [{ name: "c", $patch: "delete" }] } } } };
    const out = run("strategic", deploy(cs("a", "c", "b")), patch, DEPLOYMENT);
    assert.ok("object" in out);
    assert.deepEqual(names(template(out.object)), ["b", "a"]);
  });

  it("keeps server-only items near the items they followed", () => {
    const order = (o: string[]) => ({ spec: { template: { spec: { "$setElementOrder/containers": o.map((name) => ({ name })) } } } });
    const cases: [string[], string[], string[]][] = [
      [["1", "3", "4", "2", "9"], ["4", "2", "3", "1"], ["4", "2", "3", "1", "9"]],
      [["1", "2", "9", "3", "4"], ["2", "1", "4", "3"], ["2", "1", "9", "4", "3"]],
      [["1", "2", "7", "9", "8", "3", "4"], ["2", "1", "4", "3"], ["2", "1", "7", "9", "8", "4", "3"]],
      [["1", "3"], ["3", "2", "1"], ["3", "1"]], // a name not in the list is ignored
    ];
    for (const [current, o, want] of cases) {
      const out = run("strategic", deploy(cs(...current)), order(o), DEPLOYMENT);
      assert.ok("object" in out);
      assert.deepEqual(names(template(out.object)), want, current.join());
    }
  });

  it("orders a primitive list", () => {
    const out = run("strategic", pod({}, { finalizers: ["a", "b", "c"] }), { metadata: { "$setElementOrder/finalizers": ["b", "c", "a"] } });
    assert.ok("object" in out);
    assert.deepEqual((out.object.metadata as Obj).finalizers, ["b", "c", "a"]);
    const added = run("strategic", pod({}, { finalizers: ["a", "b"] }), { metadata: { "$setElementOrder/finalizers": ["c", "a", "b"], finalizers: ["c"] } });
    assert.ok("object" in added);
    assert.deepEqual((added.object.metadata as Obj).finalizers, ["c", "a", "b"]);
  });

  it("orders env inside a merged container", () => {
    const patch = { spec: { containers: [{ name: "web", "$setElementOrder/env": [{ name: "B" }, { name: "A" }] }] } };
    const out = run("strategic", pod(), patch);
    assert.ok("object" in out);
    assert.deepEqual(container(out.object, "web").env, [{ name: "B", value: "2" }, { name: "A", value: "1" }]);
  });

  it("fails as kube does on bad directives", () => {
    const cases: [unknown, ReturnType<typeof status>][] = [
      [{ "$setElementOrder/containers": [{ name: "log" }, { name: "web" }], containers: [{ name: "web" }, { name: "log" }] }, status(500, undefined, "The order in patch list:\n[map[name:web] map[name:log]]\n doesn't match $setElementOrder list:\n[map[name:log] map[name:web]]\n")],
      [{ "$setElementOrder/containers": "web" }, status(500, undefined, "expected a []interface {}, but received a string")],
      [{ $setElementOrderContainers: [] }, status(400, "BadRequest", "invalid patch format of setElementOrder list")],
      [{ "$setElementOrder/containers": [{ image: "x" }], containers: [{ name: "web" }] }, status(500, undefined, "map: map[image:x] does not contain declared merge key: name")],
      [{ "$setElementOrder/hostname": ["x"], hostname: "h" }, status(500, undefined, "expected a []interface {}, but received a string")],
      [{ "$setElementOrder/hostname": ["x"] }, status(500, undefined, "expected slice or array type, but got: struct")],
      [{ "$setElementOrder/nope": ["x"] }, status(500, undefined, 'unable to find api field in struct PodSpec for the json field "nope"')],
    ];
    for (const [spec, want] of cases) {
      const out = run("strategic", pod(), { spec });
      assert.ok("status" in out, JSON.stringify(spec));
      assert.deepEqual(out.status, want, JSON.stringify(spec));
    }
  });
});

describe("strategic merge patch API", () => {
  it("strategicMergePatch modifies neither input", () => {
    const original = pod({}, { finalizers: ["a"] });
    const patch = { metadata: { finalizers: ["b"], labels: { x: null } }, spec: { containers: [{ name: "web", $patch: "delete" }] } };
    const before = JSON.stringify([original, patch]);
    const r = strategicMergePatch(original, patch, POD);
    assert.equal(JSON.stringify([original, patch]), before);
    assert.deepEqual((r.metadata as Obj).finalizers, ["b", "a"]);
    assert.deepEqual(containers(r), ["log"]);
  });

  it("reports duplicate fields and quotes the consumed patch as kube does", () => {
    const r = applyPatchWithDetails("strategic", pod(), '{"metadata":{"labels":{"a":"1","a":"2"}},"spec":{"$setElementOrder/containers":[{"name":"log"},{"name":"web"}]}}', POD);
    assert.deepEqual(r.strictErrors, ['duplicate field "metadata.labels.a"']);
    assert.deepEqual(containers(r.object), ["log", "web"]);
    assert.equal(r.invalidValue(), "map[metadata:map[labels:map[a:2]] spec:map[]]");
    const ignored = applyPatchWithDetails("strategic", pod(), '{"metadata":{"labels":{"a":"1","a":"2"}}}', POD, { fieldValidation: "Ignore" });
    assert.deepEqual(ignored.strictErrors, []);
  });

  it("ignores apiVersion and kind only in the sense kube does: they are just fields here", () => {
    // kube decodes the SMP result into the kind's Go type, so a changed kind is dropped; the handler must restore both.
    const out = run("strategic", pod(), { kind: "Service", apiVersion: "v2" });
    assert.ok("object" in out);
    assert.equal(out.object.kind, "Service");
  });
});
