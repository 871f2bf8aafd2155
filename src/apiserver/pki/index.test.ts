import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer, request, type Server } from "node:https";
import type { TLSSocket } from "node:tls";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { clientIdentity, ensurePki, writeKubeconfig, type Pki } from "./index.js";

const run = promisify(execFile);
const FILES = ["ca.crt", "ca.key", "apiserver.crt", "apiserver.key", "admin.crt", "admin.key", "sa.key", "sa.pub"];
const OPTS = { hosts: ["kplane.local", "192.168.7.7"], serviceIp: "10.0.0.1" };
const DAY = 24 * 60 * 60 * 1000;

function tmp(t: { after: (fn: () => void) => void }): string {
  const d = mkdtempSync(join(tmpdir(), "kplane-pki-"));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(FILES.map((f) => [f, readFileSync(join(dir, f), "utf8")]));
}

async function openssl(...args: string[]): Promise<string> {
  return (await run("openssl", args)).stdout;
}

test("cold start writes a CA-verified set with the expected SANs, EKUs and modes", async (t) => {
  const dir = tmp(t);
  const t0 = performance.now();
  const pki = await ensurePki(dir, OPTS);
  const ms = performance.now() - t0;
  t.diagnostic(`ensurePki on an empty dir: ${ms.toFixed(1)} ms`);
  assert.deepEqual(pki.generated, ["ca", "apiserver", "admin", "sa"]);

  for (const f of FILES) {
    const mode = statSync(join(dir, f)).mode & 0o777;
    assert.equal(mode, f.endsWith(".key") ? 0o600 : 0o644, f);
  }
  assert.equal(pki.ca.cert.pem, readFileSync(join(dir, "ca.crt"), "utf8"));
  assert.equal(pki.admin.key.path, join(dir, "admin.key"));

  const verify = await openssl("verify", "-CAfile", pki.ca.cert.path, pki.apiserver.cert.path, pki.admin.cert.path);
  assert.match(verify, /apiserver\.crt: OK/);
  assert.match(verify, /admin\.crt: OK/);

  const api = await openssl("x509", "-in", pki.apiserver.cert.path, "-noout", "-text");
  for (const san of [
    "DNS:localhost",
    "DNS:kubernetes,",
    "DNS:kubernetes.default,",
    "DNS:kubernetes.default.svc,",
    "DNS:kubernetes.default.svc.cluster.local",
    "DNS:kplane.local",
    "IP Address:127.0.0.1",
    "IP Address:0:0:0:0:0:0:0:1",
    "IP Address:10.0.0.1",
    "IP Address:192.168.7.7",
  ]) {
    assert.ok(api.includes(san), `serving cert lacks ${san}`);
  }
  assert.match(api, /Extended Key Usage:\s*\n\s*TLS Web Server Authentication\n/);
  assert.match(api, /CA:FALSE/);

  const admin = await openssl("x509", "-in", pki.admin.cert.path, "-noout", "-subject", "-ext", "extendedKeyUsage");
  assert.match(admin, /O ?= ?system:masters, CN ?= ?kubernetes-admin/);
  assert.match(admin, /TLS Web Client Authentication/);
  assert.doesNotMatch(admin, /Server Authentication/);

  const ca = await openssl("x509", "-in", pki.ca.cert.path, "-noout", "-subject", "-enddate", "-ext", "basicConstraints");
  assert.match(ca, /subject=CN ?= ?kubernetes/);
  assert.match(ca, /CA:TRUE/);
  const caYears = (Date.parse(new X509Certificate(pki.ca.cert.pem).validTo) - Date.now()) / (365 * DAY);
  assert.ok(caYears > 9.9 && caYears < 10.1, `CA validity ${caYears} years`);

  // sa.pub is the public half of sa.key (ECDSA P-256).
  const saPub = await openssl("pkey", "-in", pki.sa.key.path, "-pubout");
  assert.equal(saPub, pki.sa.pub.pem);
});

test("a second call reuses every file byte for byte, quickly", async (t) => {
  const dir = tmp(t);
  await ensurePki(dir, OPTS);
  const before = snapshot(dir);
  const t0 = performance.now();
  const again = await ensurePki(dir, { ...OPTS, hosts: ["192.168.7.7", "KPLANE.local"] }); // order/case-insensitive
  const ms = performance.now() - t0;
  t.diagnostic(`ensurePki reusing files: ${ms.toFixed(1)} ms`);
  assert.deepEqual(again.generated, []);
  assert.deepEqual(snapshot(dir), before);
  assert.ok(ms < 250, `reuse took ${ms} ms`);
  // A different spelling of an IPv6 default SAN is the same SAN.
  assert.deepEqual((await ensurePki(dir, { ...OPTS, hosts: [...OPTS.hosts, "0:0::1"] })).generated, []);
});

test("a changed hosts list reissues only the serving cert", async (t) => {
  const dir = tmp(t);
  await ensurePki(dir, OPTS);
  const before = snapshot(dir);
  const pki = await ensurePki(dir, { ...OPTS, hosts: ["kplane.local", "fd00::10"] });
  assert.deepEqual(pki.generated, ["apiserver"]);
  const after = snapshot(dir);
  for (const f of FILES) {
    if (f.startsWith("apiserver.")) assert.notEqual(after[f], before[f], f);
    else assert.equal(after[f], before[f], f);
  }
  const text = await openssl("x509", "-in", pki.apiserver.cert.path, "-noout", "-ext", "subjectAltName");
  assert.match(text, /IP Address:FD00:0:0:0:0:0:0:10/i);
  assert.doesNotMatch(text, /192\.168\.7\.7/);
  await openssl("verify", "-CAfile", pki.ca.cert.path, pki.apiserver.cert.path);
});

test("leaves are renewed within 30 days of expiry; the CA is kept", async (t) => {
  const dir = tmp(t);
  await ensurePki(dir, OPTS);
  const before = snapshot(dir);
  assert.deepEqual((await ensurePki(dir, { ...OPTS, now: () => Date.now() + 300 * DAY })).generated, []);
  const later = await ensurePki(dir, { ...OPTS, now: () => Date.now() + 340 * DAY });
  assert.deepEqual(later.generated, ["apiserver", "admin"]);
  assert.equal(snapshot(dir)["ca.crt"], before["ca.crt"]);
});

test("damaged or foreign files are replaced, and a new CA reissues every leaf", async (t) => {
  const dir = tmp(t);
  await ensurePki(dir, OPTS);
  writeFileSync(join(dir, "admin.key"), "garbage");
  assert.deepEqual((await ensurePki(dir, OPTS)).generated, ["admin"]);
  writeFileSync(join(dir, "sa.pub"), readFileSync(join(dir, "apiserver.crt")));
  assert.deepEqual((await ensurePki(dir, OPTS)).generated, ["sa"]);
  rmSync(join(dir, "ca.key"));
  const pki = await ensurePki(dir, OPTS);
  assert.deepEqual(pki.generated, ["ca", "apiserver", "admin"]);
  await openssl("verify", "-CAfile", pki.ca.cert.path, pki.apiserver.cert.path, pki.admin.cert.path);
});

async function listen(pki: Pki, handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; url: string }> {
  const server = createServer(
    { cert: pki.apiserver.cert.pem, key: pki.apiserver.key.pem, ca: pki.ca.cert.pem, requestCert: true, rejectUnauthorized: true },
    handler,
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const addr = server.address();
  assert.ok(addr && typeof addr === "object");
  return { server, url: `https://127.0.0.1:${addr.port}` };
}

test("mTLS: node:https accepts the admin cert and the peer cert maps to user/groups", async (t) => {
  const pki = await ensurePki(tmp(t), OPTS);
  const seen: { authorized: boolean; cn?: string | string[]; o?: string | string[]; id?: ReturnType<typeof clientIdentity> }[] = [];
  const { server, url } = await listen(pki, (req, res) => {
    const sock = req.socket as TLSSocket;
    const peer = sock.getPeerCertificate(false);
    seen.push({ authorized: sock.authorized, cn: peer.subject.CN, o: peer.subject.O, id: clientIdentity(peer.raw) });
    res.end("ok");
  });
  t.after(() => server.close());

  const body = await new Promise<string>((resolve, reject) => {
    const req = request(`${url}/`, { ca: pki.ca.cert.pem, cert: pki.admin.cert.pem, key: pki.admin.key.pem, servername: "localhost" }, (res) => {
      let s = "";
      res.on("data", (c: Buffer) => (s += c.toString()));
      res.on("end", () => resolve(s));
    });
    req.on("error", reject);
    req.end();
  });
  assert.equal(body, "ok");
  assert.deepEqual(seen, [
    { authorized: true, cn: "kubernetes-admin", o: "system:masters", id: { user: "kubernetes-admin", groups: ["system:masters"] } },
  ]);
  // The same mapping from a node:crypto X509Certificate and from PEM.
  assert.deepEqual(clientIdentity(new X509Certificate(pki.admin.cert.pem)), { user: "kubernetes-admin", groups: ["system:masters"] });
  assert.deepEqual(clientIdentity(pki.apiserver.cert.pem), { user: "kube-apiserver", groups: [] });
});

test("kubectl uses the written kubeconfig (CA + client cert) against an https server", async (t) => {
  const dir = tmp(t);
  const pki = await ensurePki(join(dir, "pki"), OPTS);
  const users: string[] = [];
  const { server, url } = await listen(pki, (req, res) => {
    users.push(clientIdentity((req.socket as TLSSocket).getPeerCertificate().raw).user);
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ major: "1", minor: "32", gitVersion: "v1.32.0", platform: "linux/amd64" }));
  });
  t.after(() => server.close());

  const kubeconfig = join(dir, "kubeconfig");
  writeKubeconfig(kubeconfig, {
    server: url,
    caPem: pki.ca.cert.pem,
    clientCertPem: pki.admin.cert.pem,
    clientKeyPem: pki.admin.key.pem,
  });
  assert.equal(statSync(kubeconfig).mode & 0o777, 0o600);
  const text = readFileSync(kubeconfig, "utf8");
  assert.match(text, /^current-context: "kubernetes-admin@kplane"$/m);
  assert.match(text, /certificate-authority-data: "[A-Za-z0-9+/=]+"/);

  // Async exec: the server runs in this process and must keep answering.
  const env = { ...process.env, HOME: dir, KUBECONFIG: "" };
  const { stdout } = await run("kubectl", ["--kubeconfig", kubeconfig, "get", "--raw", "/version"], { env, timeout: 15_000 });
  assert.equal(JSON.parse(stdout).gitVersion, "v1.32.0");
  const view = await run("kubectl", ["--kubeconfig", kubeconfig, "config", "view", "-o", "jsonpath={.current-context}"], { env });
  assert.equal(view.stdout, "kubernetes-admin@kplane");
  assert.ok(users.length > 0 && users.every((u) => u === "kubernetes-admin"), users.join(","));
});

test("clientIdentity reads several O values and UTF-8 names from a foreign (openssl-made) cert", async (t) => {
  const dir = tmp(t);
  const crt = join(dir, "jane.crt");
  await run("openssl", [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-utf8",
    "-keyout", join(dir, "jane.key"), "-out", crt, "-days", "1",
    "-subj", "/O=dev:team/O=system:authenticated/CN=jané, the admin",
  ]);
  const pem = readFileSync(crt, "utf8");
  assert.deepEqual(clientIdentity(pem), { user: "jané, the admin", groups: ["dev:team", "system:authenticated"] });
  assert.deepEqual(clientIdentity(new X509Certificate(pem).raw), clientIdentity(pem));
});
