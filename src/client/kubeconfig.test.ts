import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadKubeconfig, parseKubeconfig } from "./kubeconfig.js";

const b64 = (s: string) => Buffer.from(s).toString("base64");

const inline = `apiVersion: v1
kind: Config
clusters:
- name: one
  cluster:
    server: https://127.0.0.1:6443
    certificate-authority-data: ${b64("CA PEM")}
- name: two
  cluster:
    server: http://127.0.0.1:8080
    insecure-skip-tls-verify: true
users:
- name: admin
  user:
    client-certificate-data: ${b64("CERT PEM")}
    client-key-data: ${b64("KEY PEM")}
- name: bot
  user:
    token: abc123
contexts:
- name: admin@one
  context: {cluster: one, user: admin}
- name: bot@two
  context: {cluster: two, user: bot, namespace: work}
current-context: admin@one
`;

test("current context with inline data", () => {
  const c = parseKubeconfig(inline, "/nowhere");
  assert.equal(c.server, "https://127.0.0.1:6443");
  assert.equal(c.context, "admin@one");
  assert.equal(c.ca?.toString(), "CA PEM");
  assert.equal(c.cert?.toString(), "CERT PEM");
  assert.equal(c.key?.toString(), "KEY PEM");
  assert.equal(c.token, undefined);
  assert.equal(c.namespace, undefined);
});

test("a named context: token, namespace, insecure-skip-tls-verify", () => {
  const c = parseKubeconfig(inline, "/nowhere", "bot@two");
  assert.deepEqual(c, { server: "http://127.0.0.1:8080", context: "bot@two", insecureSkipTLSVerify: true, token: "abc123", namespace: "work" });
});

test("unknown context and missing current-context are errors", () => {
  assert.throws(() => parseKubeconfig(inline, "/", "nope"), /context "nope" not found/);
  assert.throws(() => parseKubeconfig("clusters: []\n", "/"), /no current-context/);
});

test("file-path variants resolve relative to the kubeconfig's directory", () => {
  const dir = mkdtempSync(join(tmpdir(), "kplane-kubeconfig-"));
  try {
    writeFileSync(join(dir, "ca.crt"), "CA FILE");
    writeFileSync(join(dir, "client.crt"), "CERT FILE");
    writeFileSync(join(dir, "client.key"), "KEY FILE");
    writeFileSync(join(dir, "token"), "tok-from-file\n");
    const path = join(dir, "config");
    writeFileSync(
      path,
      `clusters:
- name: c
  cluster: {server: "https://[::1]:6443", certificate-authority: ca.crt}
users:
- name: u
  user: {client-certificate: ${join(dir, "client.crt")}, client-key: client.key, tokenFile: token}
contexts:
- name: x
  context: {cluster: c, user: u}
current-context: x
`,
    );
    const c = loadKubeconfig(path);
    assert.equal(c.server, "https://[::1]:6443");
    assert.equal(c.ca?.toString(), "CA FILE");
    assert.equal(c.cert?.toString(), "CERT FILE");
    assert.equal(c.key?.toString(), "KEY FILE");
    assert.equal(c.token, "tok-from-file");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
