/**
 * The PEM and DER checks kube's CSR validation makes with Go's crypto/x509: a CERTIFICATE
 * REQUEST whose self-signature verifies, and certificate chains that parse. Error texts are
 * Go's where kube passes them through.
 */
import { X509Certificate, createPublicKey, verify } from "node:crypto";

interface PemBlock {
  type: string;
  headers: boolean;
  der: Buffer;
}

/** Go's pem.Decode, repeatedly: the blocks found (undecodable text between them is skipped). */
export function pemBlocks(data: string): PemBlock[] {
  const out: PemBlock[] = [];
  const re = /-----BEGIN ([^-\r\n]*)-----\r?\n([\s\S]*?)-----END \1-----/g;
  for (let m = re.exec(data); m; m = re.exec(data)) {
    const body = m[2]!;
    const headers = /^[^\s:]+:/m.test(body.split(/\r?\n\r?\n/)[0] ?? "") && body.includes("\n\n");
    out.push({ type: m[1]!, headers, der: Buffer.from(body.replace(/^[^\s:]+:.*$/gm, "").replace(/\s+/g, ""), "base64") });
  }
  return out;
}

/** A DER TLV: tag, the whole element, and its content. */
interface Tlv {
  tag: number;
  whole: Buffer;
  content: Buffer;
}

function readTlv(buf: Buffer, at: number): Tlv {
  if (at + 2 > buf.length) throw new Error("truncated");
  const tag = buf[at]!;
  let len = buf[at + 1]!;
  let off = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || off + n > buf.length) throw new Error("bad length");
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[off + i]!;
    off += n;
  }
  if (off + len > buf.length) throw new Error("truncated");
  return { tag, whole: buf.subarray(at, off + len), content: buf.subarray(off, off + len) };
}

function children(seq: Buffer): Tlv[] {
  const out: Tlv[] = [];
  for (let at = 0; at < seq.length; ) {
    const t = readTlv(seq, at);
    out.push(t);
    at += t.whole.length;
  }
  return out;
}

function oid(content: Buffer): string {
  const parts = [Math.floor(content[0]! / 40), content[0]! % 40];
  let v = 0;
  for (const b of content.subarray(1)) {
    v = v * 128 + (b & 0x7f);
    if (!(b & 0x80)) {
      parts.push(v);
      v = 0;
    }
  }
  return parts.join(".");
}

const signatureHashes: Record<string, string | null> = {
  "1.2.840.113549.1.1.5": "sha1",
  "1.2.840.113549.1.1.11": "sha256",
  "1.2.840.113549.1.1.12": "sha384",
  "1.2.840.113549.1.1.13": "sha512",
  "1.2.840.10045.4.3.2": "sha256",
  "1.2.840.10045.4.3.3": "sha384",
  "1.2.840.10045.4.3.4": "sha512",
  "1.3.101.112": null,
};

/** ParseCSR then CheckSignature: undefined when the request is good, else Go's error text. */
export function checkCertificateRequest(pem: string): string | undefined {
  const block = pemBlocks(pem)[0];
  if (!block || block.type !== "CERTIFICATE REQUEST") return "PEM block type must be CERTIFICATE REQUEST";
  let tbs: Buffer;
  let spki: Buffer;
  let algOid: string;
  let signature: Buffer;
  try {
    const top = readTlv(block.der, 0);
    const [info, alg, sig] = children(top.content);
    if (!info || !alg || !sig || sig.tag !== 0x03) throw new Error("shape");
    tbs = info.whole;
    const infoParts = children(info.content);
    spki = infoParts[2]!.whole;
    algOid = oid(children(alg.content)[0]!.content);
    signature = sig.content.subarray(1);
  } catch {
    return "asn1: structure error: tags don't match";
  }
  if (!(algOid in signatureHashes)) return "x509: cannot verify signature: algorithm unimplemented";
  try {
    const key = createPublicKey({ key: spki, format: "der", type: "spki" });
    const ok = verify(signatureHashes[algOid] ?? null, tbs, key, signature);
    if (ok) return undefined;
    return key.asymmetricKeyType === "ec" ? "x509: ECDSA verification failure" : key.asymmetricKeyType === "rsa" ? "crypto/rsa: verification error" : "x509: Ed25519 verification failure";
  } catch {
    return "x509: failed to parse public key";
  }
}

/** validateCertificate (kube's CSR status.certificate check). */
export function checkCertificates(pem: string): string | undefined {
  if (pem.length === 0) return undefined;
  const blocks = pemBlocks(pem);
  for (const b of blocks) {
    if (b.type !== "CERTIFICATE") return `only CERTIFICATE PEM blocks are allowed, found "${b.type}"`;
    if (b.headers) return "no PEM block headers are permitted";
    try {
      new X509Certificate(b.der);
    } catch {
      return "x509: malformed certificate";
    }
  }
  if (blocks.length === 0) return "must contain at least one CERTIFICATE PEM block";
  return undefined;
}

/** A []byte as Go's %#v prints it. */
export function goBytes(b: Buffer): string {
  return `[]byte{${[...b].map((x) => `0x${x.toString(16)}`).join(", ")}}`;
}
