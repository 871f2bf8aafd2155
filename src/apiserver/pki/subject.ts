// Reads a certificate's subject attributes straight from its DER. node:crypto only offers the
// subject as display text (escaped, one "key=value" per line), which is awkward to parse exactly;
// the DER walk is short and avoids loading a full X.509 library on the request path.

export const OID_COMMON_NAME = "2.5.4.3";
export const OID_ORGANIZATION = "2.5.4.10";

interface Tlv {
  tag: number;
  start: number; // first content byte
  end: number; // one past the last content byte
}

function readTlv(buf: Uint8Array, pos: number, limit: number): Tlv {
  if (pos + 2 > limit) throw new Error("truncated DER");
  const tag = buf[pos]!;
  if ((tag & 0x1f) === 0x1f) throw new Error("high-tag-number DER not expected in a certificate");
  let len = buf[pos + 1]!;
  let start = pos + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || start + n > limit) throw new Error("bad DER length");
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[start + i]!;
    start += n;
  }
  const end = start + len;
  if (end > limit) throw new Error("truncated DER");
  return { tag, start, end };
}

function children(buf: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let pos = parent.start; pos < parent.end; ) {
    const t = readTlv(buf, pos, parent.end);
    out.push(t);
    pos = t.end;
  }
  return out;
}

function decodeOid(b: Uint8Array): string {
  const parts: number[] = [];
  let v = 0;
  for (const byte of b) {
    v = v * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) {
      parts.push(v);
      v = 0;
    }
  }
  const first = parts.shift() ?? 0;
  const head = first < 80 ? [Math.floor(first / 40), first % 40] : [2, first - 80];
  return [...head, ...parts].join(".");
}

function decodeString(tag: number, b: Uint8Array): string {
  switch (tag) {
    case 0x1e: // BMPString: UTF-16BE
      return Buffer.from(b).swap16().toString("utf16le");
    case 0x14: // TeletexString: treat as Latin-1, as Go does
      return Buffer.from(b).toString("latin1");
    default: // UTF8String, PrintableString, IA5String
      return Buffer.from(b).toString("utf8");
  }
}

/** Subject attributes of a DER certificate in order, as (OID, value) pairs. */
export function subjectAttributes(der: Uint8Array): { oid: string; value: string }[] {
  const cert = readTlv(der, 0, der.length);
  const tbs = children(der, cert)[0];
  if (!tbs) throw new Error("certificate has no tbsCertificate");
  const fields = children(der, tbs);
  // Optional [0] version, then serial, signature algorithm, issuer, validity, subject.
  const offset = fields[0]?.tag === 0xa0 ? 1 : 0;
  const subject = fields[offset + 4];
  if (!subject || subject.tag !== 0x30) throw new Error("certificate has no subject");
  const out: { oid: string; value: string }[] = [];
  for (const rdn of children(der, subject)) {
    for (const atv of children(der, rdn)) {
      const [oid, value] = children(der, atv);
      if (!oid || !value || oid.tag !== 0x06) continue;
      out.push({
        oid: decodeOid(der.subarray(oid.start, oid.end)),
        value: decodeString(value.tag, der.subarray(value.start, value.end)),
      });
    }
  }
  return out;
}
