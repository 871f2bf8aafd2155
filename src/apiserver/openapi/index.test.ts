import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { buildOpenAPI, CUSTOM_PATCH_TYPES } from "./index.js";
import { catalog } from "../registry/catalog.js";
import { cronTabs, testResources } from "./testdata.js";

type Json = Record<string, unknown>;
const SMP = "application/strategic-merge-patch+json";

function parse(b: Buffer | undefined): Json {
  assert.ok(b, "document missing");
  return JSON.parse(b.toString()) as Json;
}

/** Every $ref in `doc` resolves under `prefix`, and (v3) no $ref has siblings OpenAPI 3.0 would ignore. */
function checkRefs(doc: Json, prefix: string, schemas: Json, v3: boolean): void {
  const visit = (v: unknown, where: string): void => {
    if (Array.isArray(v)) return v.forEach((x, i) => visit(x, `${where}[${i}]`));
    if (!v || typeof v !== "object") return;
    const o = v as Json;
    if (typeof o.$ref === "string") {
      assert.ok(o.$ref.startsWith(prefix), `${where}: ${o.$ref}`);
      assert.ok(schemas[o.$ref.slice(prefix.length)], `${where}: unresolved ${o.$ref}`);
      if (v3) assert.deepEqual(Object.keys(o), ["$ref"], `${where}: $ref with siblings`);
    }
    for (const [k, x] of Object.entries(o)) visit(x, `${where}.${k}`);
  };
  visit(doc, "");
}

/** kubectl's (cli-runtime's) check: the kind's PATCH operation lists fieldValidation. */
function supportsFieldValidation(doc: Json, gvk: { group: string; version: string; kind: string }): boolean {
  for (const item of Object.values(doc.paths as Record<string, Json>)) {
    const op = item.patch as Json | undefined;
    const g = op?.["x-kubernetes-group-version-kind"] as Json | undefined;
    if (!op || !g || g.group !== gvk.group || g.version !== gvk.version || g.kind !== gvk.kind) continue;
    return ((op.parameters as Json[] | undefined) ?? []).some((p) => p.name === "fieldValidation" && p.in === "query");
  }
  return false;
}

/** kubectl's strategic-merge metadata lookup over a v3 document (strategicpatch.PatchMetaFromOpenAPIV3). */
function patchMeta(doc: Json, kindSchema: string, path: string[]): { strategy?: string; key?: string } {
  const schemas = (doc.components as Json).schemas as Record<string, Json>;
  const resolve = (s: Json): Json => {
    if (Array.isArray(s.allOf)) s = s.allOf[0] as Json;
    if (typeof s.$ref === "string") s = schemas[s.$ref.replace("#/components/schemas/", "")]!;
    return s;
  };
  let s = schemas[kindSchema]!;
  let meta: { strategy?: string; key?: string } = {};
  for (const field of path) {
    const prop = (s.properties as Record<string, Json>)[field];
    assert.ok(prop, `unable to find api field "${field}"`);
    meta = { strategy: prop["x-kubernetes-patch-strategy"] as string | undefined, key: prop["x-kubernetes-patch-merge-key"] as string | undefined };
    s = resolve(prop.items ? (prop.items as Json) : prop);
  }
  return meta;
}

test("documents are built on first use, and measured", (t) => {
  let start = performance.now();
  const o = buildOpenAPI(catalog);
  const construct = performance.now() - start;
  start = performance.now();
  const apps = o.v3("apis/apps/v1")!;
  const firstV3 = performance.now() - start;
  start = performance.now();
  const index = o.v3Index();
  const wholeIndex = performance.now() - start;
  start = performance.now();
  const v2 = o.v2Json();
  const v2Time = performance.now() - start;
  start = performance.now();
  assert.equal(o.v2Json(), v2, "v2 is cached");
  assert.equal(o.v3("apis/apps/v1"), apps, "v3 is cached");
  const cached = performance.now() - start;
  const kb = (b: Buffer) => `${(b.length / 1024).toFixed(0)} KiB`;
  t.diagnostic(`buildOpenAPI(catalog): ${construct.toFixed(1)} ms; first v3 (apps/v1): ${firstV3.toFixed(1)} ms; ` + `v3 index (all ${Object.keys(index.paths).length} documents): ${wholeIndex.toFixed(1)} ms; v2: ${v2Time.toFixed(1)} ms; cached: ${cached.toFixed(2)} ms`);
  t.diagnostic(`sizes: v2 ${kb(v2)}; v3 apis/apps/v1 ${kb(apps)}; v3 api/v1 ${kb(o.v3("api/v1")!)}`);
  assert.ok(construct < 50, `buildOpenAPI must be lazy (took ${construct} ms)`);
});

test("v3 index lists every document with its hash", () => {
  const o = buildOpenAPI(testResources);
  const index = o.v3Index();
  for (const key of ["api", "api/v1", "apis", "apis/apps", "apis/apps/v1", "apis/rbac.authorization.k8s.io/v1", "version"]) {
    assert.ok(index.paths[key], key);
  }
  for (const [key, { serverRelativeURL }] of Object.entries(index.paths)) {
    const body = o.v3(key)!;
    const hash = createHash("sha512").update(body).digest("hex").toUpperCase();
    assert.equal(serverRelativeURL, `/openapi/v3/${key}?hash=${hash}`);
    assert.equal(o.v3Hash(key), hash);
  }
  assert.equal(o.v3("apis/nope/v1"), undefined);
  assert.equal(o.v3Hash("apis/nope/v1"), undefined);
});

test("v3 documents are self-contained and carry what kubectl reads", () => {
  const o = buildOpenAPI(testResources);
  for (const key of Object.keys(o.v3Index().paths)) {
    const doc = parse(o.v3(key));
    assert.equal(doc.openapi, "3.0.0");
    checkRefs(doc, "#/components/schemas/", (doc.components as Json).schemas as Json, true);
  }
  const apps = parse(o.v3("apis/apps/v1"));
  const schemas = (apps.components as Json).schemas as Record<string, Json>;
  assert.deepEqual(schemas["io.k8s.api.apps.v1.Deployment"]!["x-kubernetes-group-version-kind"], [{ group: "apps", kind: "Deployment", version: "v1" }]);
  // A $ref with siblings (a patch strategy, the field's description) is wrapped, as kube-openapi does.
  assert.deepEqual((schemas["io.k8s.api.apps.v1.DeploymentSpec"]!.properties as Json).strategy, {
    allOf: [{ $ref: "#/components/schemas/io.k8s.api.apps.v1.DeploymentStrategy" }],
    description: "The deployment strategy to use to replace existing pods with new ones.",
    "x-kubernetes-patch-strategy": "retainKeys",
  });
  assert.deepEqual(schemas["io.k8s.apimachinery.pkg.util.intstr.IntOrString"]!.oneOf, [{ type: "integer" }, { type: "string" }]);

  const patch = (apps.paths as Record<string, Json>)["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]!.patch as Json;
  assert.deepEqual(Object.keys((patch.requestBody as Json).content as Json), ["application/json-patch+json", "application/merge-patch+json", SMP, "application/apply-patch+yaml"]);
  assert.deepEqual(
    (patch.parameters as Json[]).map((p) => p.name),
    ["dryRun", "fieldManager", "fieldValidation", "force"],
  );

  for (const r of testResources) {
    if (!r.verbs.includes("patch")) continue;
    const doc = parse(o.v3(r.group ? `apis/${r.group}/${r.version}` : `api/${r.version}`));
    assert.ok(supportsFieldValidation(doc, r), `${r.resource}: kubectl would not find fieldValidation`);
  }

  // Client-side apply's strategic merge metadata, looked up the way kubectl does.
  assert.deepEqual(patchMeta(apps, "io.k8s.api.apps.v1.Deployment", ["spec", "template", "spec", "containers"]), { strategy: "merge", key: "name" });
  assert.deepEqual(patchMeta(apps, "io.k8s.api.apps.v1.Deployment", ["spec", "template", "spec", "containers", "ports"]), { strategy: "merge", key: "containerPort" });
  assert.deepEqual(patchMeta(apps, "io.k8s.api.apps.v1.Deployment", ["spec", "template", "spec", "volumes"]), { strategy: "merge,retainKeys", key: "name" });
  assert.deepEqual(patchMeta(apps, "io.k8s.api.apps.v1.Deployment", ["metadata", "finalizers"]), { strategy: "merge", key: undefined });
  const core = parse(o.v3("api/v1"));
  assert.deepEqual(patchMeta(core, "io.k8s.api.core.v1.Service", ["spec", "ports"]), { strategy: "merge", key: "port" });
  assert.deepEqual(patchMeta(core, "io.k8s.api.core.v1.Pod", ["spec", "containers", "volumeMounts"]), { strategy: "merge", key: "mountPath" });
});

test("enums: v3 has the values and the description's list of them, v2 neither", () => {
  const o = buildOpenAPI(testResources);
  const v3 = (parse(o.v3("api/v1")).components as Json).schemas as Record<string, Json>;
  const v2 = parse(o.v2Json()).definitions as Record<string, Json>;
  const prop = (doc: Record<string, Json>, def: string, f: string) => (doc[def]!.properties as Record<string, Json>)[f]!;
  const pull3 = prop(v3, "io.k8s.api.core.v1.Container", "imagePullPolicy");
  const pull2 = prop(v2, "io.k8s.api.core.v1.Container", "imagePullPolicy");
  assert.deepEqual(Object.keys(pull3), ["description", "enum", "type"]);
  assert.deepEqual(pull3.enum, ["Always", "IfNotPresent", "Never"]);
  assert.deepEqual(Object.keys(pull2), ["description", "type"]);
  // v3's description is v2's, then the list of values (the part kube 1.32's v2 document leaves out).
  const desc3 = pull3.description as string;
  assert.ok(desc3.startsWith(`${pull2.description as string}\n\nPossible enum values:\n - \`"Always"\` means`), desc3);
  // Every enum of every v3 document: string values, each listed in its description.
  let enums = 0;
  for (const key of Object.keys(o.v3Index().paths)) {
    const schemas = (parse(o.v3(key)).components as Json).schemas as Record<string, Json>;
    for (const s of Object.values(schemas)) {
      for (const p of Object.values((s.properties ?? {}) as Record<string, Json>)) {
        if (p.enum === undefined) continue;
        enums++;
        assert.equal(p.type, "string");
        for (const v of p.enum as string[]) assert.ok((p.description as string).includes(`\n - \`${JSON.stringify(v)}\``), `${v} in ${p.description as string}`);
      }
    }
  }
  assert.ok(enums > 50, `${enums} enums`);
  // ("enum" is also a property of JSONSchemaProps: an enum's values are an array.)
  assert.ok(!o.v2Json().toString().includes("Possible enum values") && !o.v2Json().toString().includes('"enum":['));
});

test("v2 document resolves and lists the served group/versions for DeleteOptions", () => {
  const v2 = parse(buildOpenAPI(testResources, { version: "v1.32.4" }).v2Json());
  assert.equal(v2.swagger, "2.0");
  assert.deepEqual(v2.info, { title: "Kubernetes", version: "v1.32.4" });
  checkRefs(v2, "#/definitions/", v2.definitions as Json, false);
  const gvks = (v2.definitions as Record<string, Json>)["io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions"]!["x-kubernetes-group-version-kind"] as Json[];
  assert.deepEqual(gvks.slice(0, 3), [
    { group: "", kind: "DeleteOptions", version: "v1" },
    { group: "apiextensions.k8s.io", kind: "DeleteOptions", version: "v1" },
    { group: "apps", kind: "DeleteOptions", version: "v1" },
  ]);
  assert.ok((v2.paths as Json)["/version/"] && (v2.paths as Json)["/apis/apps/"] && (v2.paths as Json)["/api/v1/"]);
});

test("custom resources: no strategic merge, their own schema or an open one", () => {
  const schema = { type: "object", properties: { spec: { type: "object", properties: { cronSpec: { type: "string" } } } } };
  const o = buildOpenAPI([...testResources, cronTabs], { customSchema: (r) => (r.kind === "CronTab" ? schema : undefined) });
  const doc = parse(o.v3("apis/stable.example.com/v1"));
  const item = (doc.paths as Record<string, Json>)["/apis/stable.example.com/v1/namespaces/{namespace}/crontabs/{name}"]!;
  assert.deepEqual(Object.keys(((item.patch as Json).requestBody as Json).content as Json), CUSTOM_PATCH_TYPES);
  assert.ok(!CUSTOM_PATCH_TYPES.includes(SMP));
  const schemas = (doc.components as Json).schemas as Record<string, Json>;
  const ct = schemas["com.example.stable.v1.CronTab"]!;
  assert.deepEqual(ct["x-kubernetes-group-version-kind"], [{ group: "stable.example.com", kind: "CronTab", version: "v1" }]);
  assert.deepEqual((ct.properties as Json).metadata, { $ref: "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta" });
  assert.ok(schemas["com.example.stable.v1.CronTabList"]);
  checkRefs(doc, "#/components/schemas/", schemas, true);

  const open = parse(buildOpenAPI([cronTabs]).v3("apis/stable.example.com/v1"));
  assert.equal(((open.components as Json).schemas as Record<string, Json>)["com.example.stable.v1.CronTab"]!["x-kubernetes-preserve-unknown-fields"], true);
});

test("every resource of the catalog gets its documents", () => {
  const o = buildOpenAPI(catalog);
  const index = o.v3Index();
  for (const r of catalog) assert.ok(index.paths[r.group ? `apis/${r.group}/${r.version}` : `api/${r.version}`], r.resource);
  assert.ok(o.v2Json().length > 1_000_000);
});
