import { test } from "node:test";
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { serviceAccountTokens } from "./serviceaccount.js";

for (const type of ["ec", "rsa"] as const) {
  test(`a ${type} key signs tokens that verify as the ServiceAccount, until they expire`, () => {
    const { privateKey, publicKey } = type === "ec"
      ? generateKeyPairSync("ec", { namedCurve: "P-256" })
      : generateKeyPairSync("rsa", { modulusLength: 2048 });
    const sa = serviceAccountTokens(privateKey.export({ type: "pkcs8", format: "pem" }) as string, [publicKey.export({ type: "spki", format: "pem" }) as string]);
    const now = new Date("2026-11-21T10:00:00Z");
    const token = sa.issue({ namespace: "ns", name: "robot", uid: "u1", audiences: [sa.issuer], expirationSeconds: 600, now });
    const claims = JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString());
    assert.equal(claims.sub, "system:serviceaccount:ns:robot");
    assert.deepEqual(claims["kubernetes.io"], { namespace: "ns", serviceaccount: { name: "robot", uid: "u1" } });
    assert.deepEqual(sa.verify(token, now), { name: "system:serviceaccount:ns:robot", groups: ["system:serviceaccounts", "system:serviceaccounts:ns"], uid: "u1" });
    assert.equal(sa.verify(token, new Date(now.getTime() + 601_000)), undefined, "expired");
    const forged = token.slice(0, -4) + (token.endsWith("AAAA") ? "BBBB" : "AAAA");
    assert.equal(sa.verify(forged, now), undefined, "bad signature");
    const other = sa.issue({ namespace: "ns", name: "robot", uid: "u1", audiences: ["elsewhere"], expirationSeconds: 600, now });
    assert.equal(sa.verify(other, now), undefined, "audience not ours");
  });
}
