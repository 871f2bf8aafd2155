/**
 * Real kubectl against /openapi/v2 as protobuf. kubectl 1.27 reads it for client-side validation
 * and `explain --output=plaintext-openapiv2`; kubectl 1.32 for the items of a `kind: List`.
 * A store and an API server (plain HTTP) run in this process.
 */

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { startApiServer, type RunningApiServer } from "../server.js";
import { startStore, storeDefaults, type RunningStore } from "../../store/index.js";

const bin = (minor: string) => `/usr/lib/google-cloud-sdk/bin/kubectl.${minor}`;
const skip = existsSync(bin("1.27")) && existsSync(bin("1.32")) ? false : "the bundled kubectl 1.27 and 1.32 are not installed";

let dir = "";
let store: RunningStore | undefined;
let server: RunningApiServer | undefined;

before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), "kplane-v2proto-"));
  store = await startStore({ ...storeDefaults, name: "t", dataDir: join(dir, "store"), listenClientUrls: [], initialCluster: "t=http://localhost:2380" });
  server = await startApiServer({ etcd: store.client(), host: "127.0.0.1", port: 0 });
  writeFileSync(
    join(dir, "kubeconfig"),
    `apiVersion: v1
kind: Config
clusters: [{name: t, cluster: {server: "${server.url}"}}]
users: [{name: t, user: {}}]
contexts: [{name: t, context: {cluster: t, user: t, namespace: default}}]
current-context: t
`,
  );
});

after(async () => {
  await server?.close();
  await store?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function kubectl(minor: string, args: string[], manifest?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  if (manifest !== undefined) writeFileSync(join(dir, "manifest.yaml"), manifest);
  return new Promise((resolve, reject) => {
    // Each run gets an empty HOME: no discovery or OpenAPI cache carried over.
    const home = mkdtempSync(join(dir, "home-"));
    const p = spawn(bin(minor), args, { cwd: dir, env: { PATH: process.env.PATH ?? "", HOME: home, KUBECONFIG: join(dir, "kubeconfig") } });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d: Buffer) => (stdout += d));
    p.stderr.on("data", (d: Buffer) => (stderr += d));
    p.on("error", reject);
    p.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

const configMap = (name: string, extra = "") => `- apiVersion: v1
  kind: ConfigMap
  metadata:
    name: ${name}
  data:
    a: b
${extra}`;
const list = (...items: string[]) => `apiVersion: v1\nkind: List\nitems:\n${items.join("")}`;
const unknownField = (file: string) =>
  `error: error validating "${file}": error validating data: ValidationError(ConfigMap): unknown field "bogus" in io.k8s.api.core.v1.ConfigMap; if you choose to ignore these errors, turn validation off with --validate=false\n`;

test("kubectl 1.27 create -f reads /openapi/v2 as protobuf", { skip }, async () => {
  const ok = await kubectl("1.27", ["create", "-f", "manifest.yaml", "-v=6"], list(configMap("made-by-127")));
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(ok.stdout, "configmap/made-by-127 created\n");
  assert.match(ok.stderr, /GET http:\/\/127\.0\.0\.1:\d+\/openapi\/v2\?timeout=32s 200 OK/);
  assert.doesNotMatch(ok.stderr, /swagger-2\.0\.0/);

  const bad = await kubectl("1.27", ["create", "-f", "manifest.yaml"], list(configMap("bad-127", "  bogus: 1\n")));
  assert.equal(bad.code, 1);
  assert.equal(bad.stderr, unknownField("manifest.yaml"));
});

test("kubectl 1.27 explain from the v2 document", { skip }, async () => {
  const r = await kubectl("1.27", ["explain", "configmap.data", "--output=plaintext-openapiv2"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^KIND: +ConfigMap\nVERSION: +v1\n\nFIELD: +data <map\[string\]string>\n/);
  const rec = await kubectl("1.27", ["explain", "deployments.spec.template.spec.containers.ports", "--output=plaintext-openapiv2"]);
  assert.equal(rec.code, 0, rec.stderr);
  assert.match(rec.stdout, /RESOURCE: +ports <\[\]Object>/);
  assert.match(rec.stdout, /containerPort\t<integer> -required-/);
});

test("kubectl 1.32 create -f of a List validates its items against /openapi/v2", { skip }, async () => {
  const ok = await kubectl("1.32", ["create", "-f", "manifest.yaml"], list(configMap("made-by-132")));
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(ok.stdout, "configmap/made-by-132 created\n");
  const bad = await kubectl("1.32", ["create", "-f", "manifest.yaml"], list(configMap("bad-132", "  bogus: 1\n")));
  assert.equal(bad.code, 1);
  assert.equal(bad.stderr, unknownField("manifest.yaml"));
});
