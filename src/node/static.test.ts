import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { isCurrentMirror, loadManifests, mirrorPod, mirrorPodName, parseManifest } from "./static.js";

const yamlPod = `apiVersion: v1
kind: Pod
metadata:
  name: etcd
  namespace: kube-system
  labels: {component: etcd}
spec:
  containers:
  - name: etcd
    image: registry.k8s.io/etcd:3.5.16-0
`;

test("manifests: YAML or JSON pods; other kinds and nameless pods are refused", () => {
  assert.equal(parseManifest("a.yaml", yamlPod).pod.metadata.name, "etcd");
  assert.equal(parseManifest("b.json", JSON.stringify({ apiVersion: "v1", kind: "Pod", metadata: { name: "x" }, spec: {} })).pod.metadata.name, "x");
  assert.throws(() => parseManifest("c.yaml", "kind: Deployment\nmetadata: {name: d}\n"), /is not Pod/);
  assert.throws(() => parseManifest("d.yaml", "kind: Pod\nmetadata: {}\n"), /metadata.name/);
  assert.throws(() => parseManifest("e.yaml", ""), /no pod/);
});

test("loadManifests reads a directory, skipping dotfiles and reporting bad files", async () => {
  const dir = await mkdtemp(join(tmpdir(), "kplane-static-"));
  try {
    await writeFile(join(dir, "etcd.yaml"), yamlPod);
    await writeFile(join(dir, ".hidden.yaml"), yamlPod);
    await writeFile(join(dir, "bad.yaml"), "kind: Service\nmetadata: {name: s}\n");
    const { manifests, errors } = await loadManifests(dir);
    assert.deepEqual(manifests.map((m) => m.pod.metadata.name), ["etcd"]);
    assert.equal(errors.length, 1);
    assert.match(errors[0]!, /bad.yaml/);
  } finally {
    await rm(dir, { recursive: true });
  }
});

test("a mirror pod is named <name>-<node>, annotated with its hash and source, owned by the Node", () => {
  const m = parseManifest("etcd.yaml", yamlPod);
  const p = mirrorPod(m, { name: "node-1", uid: "n1" }, Date.parse("2026-01-01T00:00:00Z"));
  assert.equal(p.metadata.name, mirrorPodName("etcd", "node-1"));
  assert.equal(p.metadata.name, "etcd-node-1");
  assert.equal(p.metadata.namespace, "kube-system");
  assert.deepEqual(p.metadata.labels, { component: "etcd" });
  const a = p.metadata.annotations!;
  assert.match(a["kubernetes.io/config.hash"]!, /^[0-9a-f]{32}$/);
  assert.equal(a["kubernetes.io/config.mirror"], a["kubernetes.io/config.hash"]);
  assert.equal(a["kubernetes.io/config.source"], "file");
  assert.ok(a["kubernetes.io/config.seen"]);
  assert.deepEqual(p.metadata.ownerReferences, [{ apiVersion: "v1", kind: "Node", name: "node-1", uid: "n1", controller: true }]);
  const spec = p.spec as { nodeName: string; tolerations: unknown[] };
  assert.equal(spec.nodeName, "node-1");
  assert.deepEqual(spec.tolerations, [{ operator: "Exists", effect: "NoExecute" }]);
  assert.ok(isCurrentMirror(p, mirrorPod(m, { name: "node-1", uid: "n1" }, Date.parse("2026-02-01T00:00:00Z"))), "the hash ignores when it was seen");
  const other = mirrorPod(m, { name: "node-2", uid: "n2" }, 0);
  assert.notEqual(other.metadata.annotations!["kubernetes.io/config.hash"], a["kubernetes.io/config.hash"]);
  const changed = parseManifest("etcd.yaml", yamlPod.replace("3.5.16-0", "3.5.17-0"));
  assert.ok(!isCurrentMirror(p, mirrorPod(changed, { name: "node-1", uid: "n1" }, 0)));
});
