import { test } from "node:test";
import assert from "node:assert/strict";
import { webcrypto } from "node:crypto";
import "reflect-metadata"; // @peculiar/x509 needs it loaded first
import * as x509 from "@peculiar/x509";
import type { KObject } from "../../api/types.js";
import { edited, runCreate, runUpdate, testCtx } from "../groupsupport/testing.js";
import { certificateSigningRequestStrategy as csr } from "./certificatesigningrequests.js";

x509.cryptoProvider.set(webcrypto);

async function csrPem(): Promise<string> {
  const alg = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
  const keys = (await webcrypto.subtle.generateKey(alg, true, ["sign", "verify"])) as webcrypto.CryptoKeyPair;
  const req = await x509.Pkcs10CertificateRequestGenerator.create({ name: "CN=jane", keys, signingAlgorithm: alg });
  return req.toString("pem");
}

function request(pem: string): KObject {
  return {
    metadata: { name: "jane" },
    spec: { request: Buffer.from(pem).toString("base64"), signerName: "kubernetes.io/kube-apiserver-client", usages: ["client auth"], username: "mallory" },
  };
}

test("csr create: requester stamped, signature checked", async () => {
  const pem = await csrPem();
  const ctx = { ...testCtx, user: { name: "jane", groups: ["system:authenticated"], uid: "u-1" } };
  const { obj, errors } = runCreate(csr, request(pem), ctx);
  assert.deepEqual(errors, []);
  const spec = obj.spec as Record<string, unknown>;
  assert.equal(spec.username, "jane");
  assert.deepEqual(spec.groups, ["system:authenticated"]);
  assert.deepEqual(obj.status, {});
  assert.deepEqual(csr.selectableFields?.(obj), { "spec.signerName": "kubernetes.io/kube-apiserver-client" });

  const tampered = pem.replace(/([A-Za-z0-9+/]{20})([A-Za-z0-9+/])/, (_m, a: string, b: string) => a + (b === "A" ? "B" : "A"));
  const bad = runCreate(csr, request(tampered), ctx).errors;
  assert.equal(bad.length, 1);
  assert.match(bad[0]!, /^spec\.request: Invalid value: \[\]byte\{0x2d, .*\}: /);
});

test("csr field checks", () => {
  const errs = runCreate(csr, edited(request("junk"), { "spec.usages": ["client auth", "client auth", "flying"], "spec.signerName": "example", "spec.expirationSeconds": 60 })).errors;
  assert.deepEqual(errs.slice(1), [
    'spec.usages[2]: Unsupported value: "flying": supported values: "any", "cert sign", "client auth", "code signing", "content commitment", "crl sign", "data encipherment", "decipher only", "digital signature", "email protection", "encipher only", "ipsec end system", "ipsec tunnel", "ipsec user", "key agreement", "key encipherment", "microsoft sgc", "netscape sgc", "ocsp signing", "s/mime", "server auth", "signing", "timestamping"',
    'spec.usages[1]: Duplicate value: "client auth"',
    "spec.signerName: Invalid value: \"example\": must be a fully qualified domain and path of the form 'example.com/signer-name'",
    "spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 600 seconds (10 minutes)",
  ]);
  assert.match(errs[0]!, /: PEM block type must be CERTIFICATE REQUEST$/);
});

test("csr approval: conditions only, and they stick", async () => {
  const stored = runCreate(csr, request(await csrPem())).obj;
  stored.metadata.resourceVersion = "1";
  const approve = runUpdate(csr, edited(stored, { "spec.usages": ["server auth"], "status.conditions": [{ type: "Approved", reason: "OK" }] }), stored, "approval");
  assert.deepEqual(approve.errors, []);
  assert.deepEqual((approve.obj.spec as Record<string, unknown>).usages, ["client auth"]);
  const cond = (approve.obj.status as { conditions: Record<string, unknown>[] }).conditions[0]!;
  assert.equal(cond.status, "True");
  assert.equal(cond.lastUpdateTime, "2024-05-01T10:00:00Z");
  const deny = runUpdate(csr, edited(approve.obj, { "status.conditions": [{ type: "Denied", reason: "No", status: "True" }] }), approve.obj, "approval");
  assert.deepEqual(deny.errors, ['status.conditions: Forbidden: updates may not remove a condition of type "Approved"']);
});
