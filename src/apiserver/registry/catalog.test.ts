import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, existsSync } from "node:fs";
import { catalog, findResource, groupOrder, groupVersions } from "./catalog.js";
import type { Verb } from "./types.js";

// Kubernetes 1.32's published OpenAPI, used here only as reference data to check the catalog.
const swaggerPath = "/work/shared/kubernetes-openapi/swagger-1.32.json";

interface Operation {
  "x-kubernetes-action"?: string;
  "x-kubernetes-group-version-kind"?: { group: string; version: string; kind: string };
}

/** Paths served only with alpha/beta APIs or feature gates that are off by default in 1.32. */
function offByDefault(version: string, subresource: string | undefined): boolean {
  return /alpha|beta/.test(version) || subresource === "resize";
}

interface Seen {
  namespaced: boolean;
  verbs: Set<Verb>;
  kinds: Set<string>; // "group/version/kind"
}

function readSwagger(): Map<string, Seen> {
  const doc = JSON.parse(readFileSync(swaggerPath, "utf8")) as { paths: Record<string, Record<string, Operation>> };
  const seen = new Map<string, Seen>();
  const re =
    /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))\/(watch\/)?(namespaces\/\{namespace\}\/)?([a-z0-9]+)(\/\{name\})?(?:\/([a-z]+))?(\/\{path\})?$/;
  for (const [path, ops] of Object.entries(doc.paths)) {
    const m = re.exec(path);
    if (!m) continue;
    const group = m[2] ?? "";
    const version = m[1] ?? m[3]!;
    const watchPath = m[4] !== undefined;
    const resource = m[6]!;
    const subresource = m[8];
    // /api/v1/namespaces/{name} with a subresource is the namespace itself, not a namespaced path.
    const namespaced = m[5] !== undefined;
    if (offByDefault(version, subresource)) continue;
    const key = `${group}/${version}/${resource}${subresource ? "/" + subresource : ""}`;
    const entry = seen.get(key) ?? { namespaced, verbs: new Set<Verb>(), kinds: new Set<string>() };
    entry.namespaced ||= namespaced;
    seen.set(key, entry);
    for (const [method, op] of Object.entries(ops)) {
      if (method === "parameters") continue;
      const action = op["x-kubernetes-action"];
      const gvk = op["x-kubernetes-group-version-kind"];
      if (gvk) entry.kinds.add(`${gvk.group}/${gvk.version}/${gvk.kind}`);
      if (watchPath || action === "watch" || action === "watchlist") entry.verbs.add("watch");
      else if (action === "list") entry.verbs.add("list");
      else if (action === "deletecollection") entry.verbs.add("deletecollection");
      else if (method === "get") entry.verbs.add("get");
      else if (method === "post") entry.verbs.add("create");
      else if (method === "put") entry.verbs.add("update");
      else if (method === "patch") entry.verbs.add("patch");
      else if (method === "delete") entry.verbs.add("delete");
    }
  }
  return seen;
}

test("catalog matches Kubernetes 1.32 OpenAPI", { skip: !existsSync(swaggerPath) }, () => {
  const seen = readSwagger();
  // The namespaces resource is cluster-scoped, but its paths are /api/v1/namespaces/{name}/...,
  // which the pattern reads as resource "namespaces" without a namespace segment: fine.
  const expected = new Map<string, { namespaced: boolean; verbs: string[]; kind: string }>();
  for (const r of catalog) {
    const base = `${r.group}/${r.version}/${r.resource}`;
    expected.set(base, { namespaced: r.namespaced, verbs: r.verbs, kind: `${r.group}/${r.version}/${r.kind}` });
    for (const s of r.subresources ?? []) {
      expected.set(`${base}/${s.name}`, { namespaced: r.namespaced, verbs: s.verbs, kind: `${s.group}/${s.version}/${s.kind}` });
    }
  }
  const problems: string[] = [];
  for (const [key, s] of seen) {
    const e = expected.get(key);
    if (!e) {
      problems.push(`${key}: served by kube, missing from catalog`);
      continue;
    }
    const verbs = [...s.verbs].sort();
    if (verbs.join(",") !== e.verbs.join(",")) problems.push(`${key}: verbs ${e.verbs} != kube ${verbs}`);
    if (s.kinds.size !== 1 || !s.kinds.has(e.kind)) problems.push(`${key}: kind ${e.kind} != kube ${[...s.kinds]}`);
    if (s.namespaced !== e.namespaced) problems.push(`${key}: namespaced ${e.namespaced} != kube ${s.namespaced}`);
  }
  assert.ok(seen.size > 100, `only ${seen.size} paths read`);
  for (const key of expected.keys()) if (!seen.has(key)) problems.push(`${key}: in catalog, not served by kube`);
  assert.deepEqual(problems, []);
});

test("verbs and subresources are sorted as discovery lists them", () => {
  for (const r of catalog) {
    assert.deepEqual(r.verbs, [...r.verbs].sort(), r.resource);
    const names = (r.subresources ?? []).map((s) => s.name);
    assert.deepEqual(names, [...names].sort(), r.resource);
    for (const s of r.subresources ?? []) assert.deepEqual(s.verbs, [...s.verbs].sort(), `${r.resource}/${s.name}`);
  }
});

test("resources come in group order, each group's versions together, resources sorted", () => {
  const groups: string[] = [];
  for (const r of catalog) if (groups.at(-1) !== r.group) groups.push(r.group);
  assert.deepEqual(groups, ["", ...groupOrder]);
  for (const group of groups) {
    for (const version of groupVersions(group)) {
      const names = catalog.filter((r) => r.group === group && r.version === version).map((r) => r.resource);
      assert.deepEqual(names, [...names].sort(), `${group}/${version}`);
    }
  }
  assert.deepEqual(groupVersions("autoscaling"), ["v2", "v1"]);
  assert.deepEqual(groupVersions(""), ["v1"]);
});

test("kube's etcd prefixes, short names and categories", () => {
  const prefix = (g: string, v: string, r: string) => findResource(g, v, r)?.etcdPrefix;
  assert.equal(prefix("", "v1", "services"), "services/specs");
  assert.equal(prefix("", "v1", "endpoints"), "services/endpoints");
  assert.equal(prefix("", "v1", "nodes"), "minions");
  assert.equal(prefix("", "v1", "replicationcontrollers"), "controllers");
  assert.equal(prefix("networking.k8s.io", "v1", "ingresses"), "ingress");
  assert.equal(prefix("events.k8s.io", "v1", "events"), prefix("", "v1", "events"));
  assert.equal(prefix("apiextensions.k8s.io", "v1", "customresourcedefinitions"), "apiextensions.k8s.io/customresourcedefinitions");
  assert.equal(prefix("autoscaling", "v1", "horizontalpodautoscalers"), prefix("autoscaling", "v2", "horizontalpodautoscalers"));
  assert.equal(findResource("autoscaling", "v1", "horizontalpodautoscalers")?.storageVersion, "v2");
  assert.equal(findResource("autoscaling", "v2", "horizontalpodautoscalers")?.storageVersion, undefined);
  assert.equal(prefix("authorization.k8s.io", "v1", "subjectaccessreviews"), "");

  // Stored resources have unique prefixes except the declared cohabitants.
  const owners = new Map<string, string[]>();
  for (const r of catalog) {
    if (!r.etcdPrefix) continue;
    owners.set(r.etcdPrefix, [...(owners.get(r.etcdPrefix) ?? []), `${r.group}/${r.version}/${r.resource}`]);
  }
  const shared = [...owners].filter(([, rs]) => rs.length > 1).map(([p]) => p).sort();
  assert.deepEqual(shared, ["events", "horizontalpodautoscalers"]);

  const withAll = catalog.filter((r) => r.categories?.includes("all")).map((r) => `${r.group}/${r.resource}`);
  assert.deepEqual(new Set(withAll), new Set([
    "/pods", "/replicationcontrollers", "/services", "apps/daemonsets", "apps/deployments", "apps/replicasets",
    "apps/statefulsets", "autoscaling/horizontalpodautoscalers", "batch/cronjobs", "batch/jobs",
  ]));
  assert.deepEqual(findResource("apiextensions.k8s.io", "v1", "customresourcedefinitions")?.shortNames, ["crd", "crds"]);
  assert.deepEqual(findResource("", "v1", "resourcequotas")?.shortNames, ["quota"]);
  assert.equal(findResource("", "v1", "endpoints")?.singular, "endpoints");
  assert.equal(findResource("apps", "v1", "deployments")?.subresources?.find((s) => s.name === "scale")?.group, "autoscaling");

});

test("findResource", () => {
  assert.equal(findResource("apps", "v1", "deployments")?.kind, "Deployment");
  assert.equal(findResource("apps", "v1beta1", "deployments"), undefined);
  assert.equal(findResource("", "v1", "deployments"), undefined);
});
