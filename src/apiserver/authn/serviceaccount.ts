import { createPrivateKey, createPublicKey, randomUUID, sign, verify, type KeyObject } from "node:crypto";

/**
 * ServiceAccount tokens: JWTs signed with the service-account key (ES256 for kplane's P-256
 * key, RS256 for an RSA key), with kube's claims, and their verification for authentication.
 */

export const defaultIssuer = "https://kubernetes.default.svc.cluster.local";

export interface TokenClaims {
  namespace: string;
  name: string;
  uid: string;
  audiences: string[];
  expirationSeconds: number;
  now: Date;
}

export interface ServiceAccountTokens {
  issuer: string;
  issue(c: TokenClaims): string;
  /** The user a token authenticates as, or undefined when it is not ours or not valid now. */
  verify(token: string, now: Date): { name: string; groups: string[]; uid?: string } | undefined;
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString("base64url");

export function serviceAccountTokens(privatePem: string, publicPems: string[], issuer = defaultIssuer): ServiceAccountTokens {
  const priv = createPrivateKey(privatePem);
  const pubs: KeyObject[] = publicPems.map((p) => createPublicKey(p));
  if (pubs.length === 0) pubs.push(createPublicKey(priv));
  const ec = priv.asymmetricKeyType === "ec";
  const alg = ec ? "ES256" : "RS256";
  return {
    issuer,
    issue(c) {
      const iat = Math.floor(c.now.getTime() / 1000);
      const header = { alg, kid: "" };
      const payload = {
        aud: c.audiences, exp: iat + c.expirationSeconds, iat, iss: issuer, jti: randomUUID(),
        "kubernetes.io": { namespace: c.namespace, serviceaccount: { name: c.name, uid: c.uid } },
        nbf: iat, sub: `system:serviceaccount:${c.namespace}:${c.name}`,
      };
      const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
      const sig = sign("sha256", Buffer.from(input), ec ? { key: priv, dsaEncoding: "ieee-p1363" } : priv);
      return `${input}.${b64url(sig)}`;
    },
    verify(token, now) {
      const parts = token.split(".");
      if (parts.length !== 3) return undefined;
      const [h, p, s] = parts as [string, string, string];
      let header: { alg?: string }, payload: Record<string, unknown>;
      try {
        header = JSON.parse(Buffer.from(h, "base64url").toString());
        payload = JSON.parse(Buffer.from(p, "base64url").toString());
      } catch {
        return undefined;
      }
      if (header.alg !== alg || payload.iss !== issuer) return undefined;
      const sig = Buffer.from(s, "base64url");
      const ok = pubs.some((k) => verify("sha256", Buffer.from(`${h}.${p}`), ec ? { key: k, dsaEncoding: "ieee-p1363" } : k, sig));
      if (!ok) return undefined;
      const t = now.getTime() / 1000;
      if (typeof payload.exp === "number" && t > payload.exp) return undefined;
      if (typeof payload.nbf === "number" && t + 60 < payload.nbf) return undefined;
      const aud = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
      if (!aud.includes(issuer)) return undefined;
      const k8s = payload["kubernetes.io"] as { namespace?: string; serviceaccount?: { name?: string; uid?: string } } | undefined;
      const ns = k8s?.namespace;
      const name = k8s?.serviceaccount?.name;
      if (!ns || !name) return undefined;
      return {
        name: `system:serviceaccount:${ns}:${name}`,
        groups: ["system:serviceaccounts", `system:serviceaccounts:${ns}`],
        ...(k8s?.serviceaccount?.uid ? { uid: k8s.serviceaccount.uid } : {}),
      };
    },
  };
}
