// kubeadm-like PKI for kplane's API server: CA, serving cert, admin client cert, SA key pair.
// Keys are ECDSA P-256 throughout so that a cold `kplane up` mints everything in tens of ms.
// @peculiar/x509 (plus the Reflect polyfill its tsyringe container needs) costs ~150 ms to
// import, so it is loaded only when something must be minted; reuse and clientIdentity use
// node:crypto alone.
import type * as X509 from "@peculiar/x509";
import {
  X509Certificate as NodeX509Certificate,
  createPrivateKey,
  createPublicKey,
  randomBytes,
  webcrypto,
} from "node:crypto";
import { closeSync, fchmodSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { isIP } from "node:net";
import { dirname, join } from "node:path";
import { OID_COMMON_NAME, OID_ORGANIZATION, subjectAttributes } from "./subject.js";

const subtle = webcrypto.subtle;

let x509Module: Promise<typeof X509> | undefined;
function loadX509(): Promise<typeof X509> {
  return (x509Module ??= (async () => {
    await import("reflect-metadata"); // must be evaluated before @peculiar/x509
    const m = await import("@peculiar/x509");
    // The library defaults to globalThis.crypto; pin Node's implementation explicitly.
    m.cryptoProvider.set(webcrypto);
    return m;
  })());
}

const OID_SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
const OID_CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";

const DAY_MS = 24 * 60 * 60 * 1000;
const CA_VALIDITY_DAYS = 3650;
const LEAF_VALIDITY_DAYS = 365;
/** Leaf certs expiring within this window are reissued on the next start. */
const RENEW_BEFORE_DAYS = 30;
/** CA certs are only replaced when they are about to stop working altogether. */
const CA_RENEW_BEFORE_DAYS = 1;
/** Backdate notBefore to tolerate small clock skew between processes/containers. */
const BACKDATE_MS = 5 * 60 * 1000;

const EC_ALG: webcrypto.EcKeyGenParams = { name: "ECDSA", namedCurve: "P-256" };
const EC_SIGN: webcrypto.EcdsaParams = { name: "ECDSA", hash: "SHA-256" };

export const CA_NAME = "kubernetes";
export const ADMIN_USER = "kubernetes-admin";
export const ADMIN_GROUP = "system:masters";
export const APISERVER_NAME = "kube-apiserver";

/** DNS names every kube-apiserver serving certificate carries. */
export const DEFAULT_DNS_SANS: readonly string[] = [
  "localhost",
  "kubernetes",
  "kubernetes.default",
  "kubernetes.default.svc",
  "kubernetes.default.svc.cluster.local",
];
export const DEFAULT_IP_SANS: readonly string[] = ["127.0.0.1", "::1"];

export interface PkiFile {
  path: string;
  pem: string;
}

export interface Pki {
  dir: string;
  ca: { cert: PkiFile; key: PkiFile };
  apiserver: { cert: PkiFile; key: PkiFile };
  admin: { cert: PkiFile; key: PkiFile };
  /** Service-account token signing pair (ECDSA P-256, so tokens are ES256). */
  sa: { key: PkiFile; pub: PkiFile };
  /** Which files this call (re)wrote; empty when everything was reused. */
  generated: PkiPart[];
}

export type PkiPart = "ca" | "apiserver" | "admin" | "sa";

export interface EnsurePkiOptions {
  /** Extra DNS names or IP addresses for the serving certificate. */
  hosts: string[];
  /** First IP of the service CIDR (the `kubernetes` Service's ClusterIP), e.g. 10.0.0.1. */
  serviceIp: string;
  /** Injected clock for tests; defaults to Date.now. */
  now?: () => number;
}

interface KeyMaterial {
  cryptoKey: webcrypto.CryptoKey; // private, usable for signing
  publicKey: webcrypto.CryptoKey;
  pem: string;
}

interface Issued {
  cert: string;
  key: string;
}

/** Creates the PKI in `dir`, or reuses what is there while it is valid and matches `opts`. */
export async function ensurePki(dir: string, opts: EnsurePkiOptions): Promise<Pki> {
  const now = (opts.now ?? Date.now)();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const p = (name: string): string => join(dir, name);
  const generated: PkiPart[] = [];

  // CA: everything else hangs off it, so if it is replaced every leaf must be reissued too
  // (the chain checks below notice that on their own).
  let caCert = readOptional(p("ca.crt"));
  let caKeyPem = readOptional(p("ca.key"));
  if (!caCert || !caKeyPem || !certUsable(caCert, caKeyPem, undefined, now, CA_RENEW_BEFORE_DAYS)) {
    const ca = await createCa(now);
    writeAtomic(p("ca.key"), ca.key, 0o600);
    writeAtomic(p("ca.crt"), ca.cert, 0o644);
    caCert = ca.cert;
    caKeyPem = ca.key;
    generated.push("ca");
  }
  let caSigner: KeyMaterial | undefined;
  const signer = async (): Promise<KeyMaterial> => (caSigner ??= await importPrivateKey(caKeyPem));

  const sans = servingSans(opts);
  let apiCert = readOptional(p("apiserver.crt"));
  let apiKey = readOptional(p("apiserver.key"));
  if (
    !apiCert ||
    !apiKey ||
    !certUsable(apiCert, apiKey, caCert, now, RENEW_BEFORE_DAYS) ||
    !sameSans(apiCert, sans)
  ) {
    const issued = await issueLeaf(await signer(), caCert, now, {
      subject: [{ CN: [APISERVER_NAME] }],
      usage: OID_SERVER_AUTH,
      sans,
    });
    writeAtomic(p("apiserver.key"), issued.key, 0o600);
    writeAtomic(p("apiserver.crt"), issued.cert, 0o644);
    apiCert = issued.cert;
    apiKey = issued.key;
    generated.push("apiserver");
  }

  let adminCert = readOptional(p("admin.crt"));
  let adminKey = readOptional(p("admin.key"));
  if (!adminCert || !adminKey || !certUsable(adminCert, adminKey, caCert, now, RENEW_BEFORE_DAYS)) {
    // kubeadm puts O before CN; order does not matter to the authenticator.
    const issued = await issueLeaf(await signer(), caCert, now, {
      subject: [{ O: [ADMIN_GROUP] }, { CN: [ADMIN_USER] }],
      usage: OID_CLIENT_AUTH,
    });
    writeAtomic(p("admin.key"), issued.key, 0o600);
    writeAtomic(p("admin.crt"), issued.cert, 0o644);
    adminCert = issued.cert;
    adminKey = issued.key;
    generated.push("admin");
  }

  let saKey = readOptional(p("sa.key"));
  let saPub = readOptional(p("sa.pub"));
  if (!saKey || !saPub || !keyPairMatches(saKey, saPub)) {
    const k = await generateKey();
    const pub = toPem(await subtle.exportKey("spki", k.publicKey), "PUBLIC KEY");
    writeAtomic(p("sa.key"), k.pem, 0o600);
    writeAtomic(p("sa.pub"), pub, 0o644);
    saKey = k.pem;
    saPub = pub;
    generated.push("sa");
  }

  return {
    dir,
    ca: { cert: { path: p("ca.crt"), pem: caCert }, key: { path: p("ca.key"), pem: caKeyPem } },
    apiserver: { cert: { path: p("apiserver.crt"), pem: apiCert }, key: { path: p("apiserver.key"), pem: apiKey } },
    admin: { cert: { path: p("admin.crt"), pem: adminCert }, key: { path: p("admin.key"), pem: adminKey } },
    sa: { key: { path: p("sa.key"), pem: saKey }, pub: { path: p("sa.pub"), pem: saPub } },
    generated,
  };
}

export interface KubeconfigOptions {
  server: string;
  caPem: string;
  clientCertPem: string;
  clientKeyPem: string;
  clusterName?: string;
  userName?: string;
  contextName?: string;
}

/** Renders a single-cluster kubeconfig (YAML; every scalar is JSON-quoted, which YAML accepts). */
export function renderKubeconfig(opts: KubeconfigOptions): string {
  const cluster = opts.clusterName ?? "kplane";
  const user = opts.userName ?? ADMIN_USER;
  const context = opts.contextName ?? `${user}@${cluster}`;
  const q = (s: string): string => JSON.stringify(s);
  const b64 = (s: string): string => q(Buffer.from(s, "utf8").toString("base64"));
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    `- name: ${q(cluster)}`,
    "  cluster:",
    `    server: ${q(opts.server)}`,
    `    certificate-authority-data: ${b64(opts.caPem)}`,
    "contexts:",
    `- name: ${q(context)}`,
    "  context:",
    `    cluster: ${q(cluster)}`,
    `    user: ${q(user)}`,
    `current-context: ${q(context)}`,
    "preferences: {}",
    "users:",
    `- name: ${q(user)}`,
    "  user:",
    `    client-certificate-data: ${b64(opts.clientCertPem)}`,
    `    client-key-data: ${b64(opts.clientKeyPem)}`,
    "",
  ].join("\n");
}

/** Writes a kubeconfig atomically with mode 0600 (it embeds a private key). */
export function writeKubeconfig(path: string, opts: KubeconfigOptions): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeAtomic(path, renderKubeconfig(opts), 0o600);
}

export interface ClientIdentity {
  user: string;
  groups: string[];
}

/** The x509 authenticator's mapping: user = subject CN, groups = every subject O. */
export function clientIdentity(cert: NodeX509Certificate | string | Uint8Array): ClientIdentity {
  const der =
    cert instanceof NodeX509Certificate
      ? cert.raw
      : typeof cert === "string"
        ? new NodeX509Certificate(cert).raw
        : cert;
  const attrs = subjectAttributes(der);
  return {
    user: attrs.find((a) => a.oid === OID_COMMON_NAME)?.value ?? "",
    groups: attrs.filter((a) => a.oid === OID_ORGANIZATION).map((a) => a.value),
  };
}

/** The SAN set ensurePki asks for, deduplicated and canonical. Exported for tests/diagnostics. */
export function servingSans(opts: Pick<EnsurePkiOptions, "hosts" | "serviceIp">): { dns: string[]; ips: string[] } {
  const dns = new Set<string>(DEFAULT_DNS_SANS);
  const ips = new Set<string>(DEFAULT_IP_SANS.map(canonicalIp));
  for (const h of [opts.serviceIp, ...opts.hosts]) {
    const host = h.trim().replace(/^\[(.*)\]$/, "$1");
    if (host === "") continue;
    if (isIP(host)) ips.add(canonicalIp(host));
    else dns.add(host.toLowerCase());
  }
  return { dns: [...dns].sort(), ips: [...ips].sort() };
}

// ---------------------------------------------------------------------------------------------

async function generateKey(): Promise<KeyMaterial> {
  const pair = (await subtle.generateKey(EC_ALG, true, ["sign", "verify"])) as webcrypto.CryptoKeyPair;
  const pem = toPem(await subtle.exportKey("pkcs8", pair.privateKey), "PRIVATE KEY");
  return { cryptoKey: pair.privateKey, publicKey: pair.publicKey, pem };
}

/** Imports a PEM private key (PKCS#8, SEC1 or PKCS#1) for signing; EC P-256 or RSA. */
async function importPrivateKey(pem: string): Promise<KeyMaterial> {
  const key = createPrivateKey(pem);
  const der = key.export({ type: "pkcs8", format: "der" });
  const spki = createPublicKey(key).export({ type: "spki", format: "der" });
  let alg: webcrypto.EcKeyImportParams | webcrypto.RsaHashedImportParams;
  if (key.asymmetricKeyType === "ec" && key.asymmetricKeyDetails?.namedCurve === "prime256v1") alg = EC_ALG;
  else if (key.asymmetricKeyType === "rsa") alg = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
  else throw new Error(`unsupported CA key type ${key.asymmetricKeyType ?? "?"}: want EC P-256 or RSA`);
  return {
    cryptoKey: await subtle.importKey("pkcs8", der, alg, false, ["sign"]),
    publicKey: await subtle.importKey("spki", spki, alg, true, ["verify"]),
    pem,
  };
}

function signingAlgorithm(key: webcrypto.CryptoKey): webcrypto.Algorithm | webcrypto.EcdsaParams {
  return key.algorithm.name === "ECDSA" ? EC_SIGN : { name: key.algorithm.name, hash: "SHA-256" } as webcrypto.Algorithm;
}

async function createCa(now: number): Promise<Issued> {
  const x509 = await loadX509();
  const k = await generateKey();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: [{ CN: [CA_NAME] }],
    notBefore: new Date(now - BACKDATE_MS),
    notAfter: new Date(now + CA_VALIDITY_DAYS * DAY_MS),
    signingAlgorithm: EC_SIGN,
    keys: { privateKey: k.cryptoKey, publicKey: k.publicKey },
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(k.publicKey),
    ],
  });
  return { cert: cert.toString("pem") + "\n", key: k.pem };
}

interface LeafSpec {
  subject: X509.JsonName;
  usage: string; // EKU OID
  sans?: { dns: string[]; ips: string[] };
}

async function issueLeaf(ca: KeyMaterial, caCertPem: string, now: number, spec: LeafSpec): Promise<Issued> {
  const x509 = await loadX509();
  const k = await generateKey();
  const caCert = new x509.X509Certificate(caCertPem);
  const extensions: X509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    // ECDSA leaf keys only sign; keyEncipherment is an RSA key-transport usage.
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension([spec.usage]),
    await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey),
  ];
  if (spec.sans) {
    extensions.push(
      new x509.SubjectAlternativeNameExtension([
        ...spec.sans.dns.map((value) => ({ type: "dns" as const, value })),
        ...spec.sans.ips.map((value) => ({ type: "ip" as const, value })),
      ]),
    );
  }
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: spec.subject,
    issuer: caCert.subjectName.toJSON(),
    notBefore: new Date(now - BACKDATE_MS),
    notAfter: new Date(now + LEAF_VALIDITY_DAYS * DAY_MS),
    signingAlgorithm: signingAlgorithm(ca.cryptoKey),
    publicKey: k.publicKey,
    signingKey: ca.cryptoKey,
    extensions,
  });
  return { cert: cert.toString("pem") + "\n", key: k.pem };
}

/** Checks a stored cert: parses, matches its key, (if given) chains to the CA, and is not near expiry. */
function certUsable(certPem: string, keyPem: string, caPem: string | undefined, now: number, renewDays: number): boolean {
  try {
    const cert = new NodeX509Certificate(certPem);
    if (!cert.checkPrivateKey(createPrivateKey(keyPem))) return false;
    if (caPem !== undefined) {
      const ca = new NodeX509Certificate(caPem);
      if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) return false;
    }
    const notBefore = Date.parse(cert.validFrom);
    const notAfter = Date.parse(cert.validTo);
    return notBefore <= now && notAfter - now > renewDays * DAY_MS;
  } catch {
    return false;
  }
}

function sameSans(certPem: string, want: { dns: string[]; ips: string[] }): boolean {
  try {
    // Node renders SANs as "DNS:a, IP Address:b"; names that need quoting never match what we
    // ask for, and a mismatch only costs a reissue.
    const text = new NodeX509Certificate(certPem).subjectAltName ?? "";
    const dns: string[] = [];
    const ips: string[] = [];
    for (const entry of text.split(", ")) {
      if (entry.startsWith("DNS:")) dns.push(entry.slice(4).toLowerCase());
      else if (entry.startsWith("IP Address:")) ips.push(canonicalIp(entry.slice(11)));
      else return false;
    }
    return sameSet(dns, want.dns) && sameSet(ips, want.ips);
  } catch {
    return false;
  }
}

function sameSet(a: string[], b: string[]): boolean {
  const sa = new Set(a);
  const sb = new Set(b);
  return sa.size === sb.size && [...sa].every((x) => sb.has(x));
}

function keyPairMatches(privPem: string, pubPem: string): boolean {
  try {
    const fromPriv = createPublicKey(createPrivateKey(privPem)).export({ type: "spki", format: "der" });
    const pub = createPublicKey(pubPem).export({ type: "spki", format: "der" });
    return fromPriv.equals(pub);
  } catch {
    return false;
  }
}

/** IPv6 spellings differ (::1 vs 0:0:...:1); WHATWG URL parsing gives the canonical form. */
function canonicalIp(ip: string): string {
  return isIP(ip) === 6 ? new URL(`http://[${ip}]/`).hostname.slice(1, -1) : ip;
}

/** 128-bit random positive serial (top bit cleared so DER does not need a sign byte). */
function serial(): string {
  const b = randomBytes(16);
  b[0] = (b[0]! & 0x7f) | 0x01;
  return b.toString("hex");
}

function toPem(der: ArrayBuffer, tag: string): string {
  const b64 = Buffer.from(der).toString("base64").replace(/.{64}/g, "$&\n").replace(/\n$/, "");
  return `-----BEGIN ${tag}-----\n${b64}\n-----END ${tag}-----\n`;
}

function readOptional(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

/** temp file + fsync + rename, so a crash never leaves a half-written key or cert behind. */
function writeAtomic(path: string, data: string, mode: number): void {
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
  const fd = openSync(tmp, "wx", mode);
  try {
    fchmodSync(fd, mode); // exact mode regardless of the process umask
    writeSync(fd, data);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    unlinkSync(tmp);
    throw err;
  }
  closeSync(fd);
  renameSync(tmp, path);
}
