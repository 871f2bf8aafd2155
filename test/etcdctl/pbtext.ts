// Schema-less rendering of `etcdctl -w protobuf` output (raw marshaled responses, several
// concatenated for `watch`) as indented text, so that it can be normalized and diffed like the
// other formats. Decoding is heuristic but deterministic: identical bytes render identically.

type WireField =
  | { no: number; kind: "varint"; value: bigint }
  | { no: number; kind: "fixed64"; value: bigint }
  | { no: number; kind: "fixed32"; value: number }
  | { no: number; kind: "bytes"; value: Uint8Array };

function readVarint(buf: Uint8Array, pos: number): { value: bigint; pos: number } | null {
  let value = 0n;
  for (let shift = 0n; shift < 70n; shift += 7n) {
    if (pos >= buf.length) return null;
    const b = buf[pos++]!;
    value |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return { value: BigInt.asUintN(64, value), pos };
  }
  return null;
}

/** Parses a whole buffer as protobuf fields; null if it is not a well-formed message. */
export function parseWire(buf: Uint8Array): WireField[] | null {
  const fields: WireField[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const tag = readVarint(buf, pos);
    if (tag === null) return null;
    pos = tag.pos;
    const no = Number(tag.value >> 3n);
    const wt = Number(tag.value & 7n);
    if (no < 1 || no > 536870911) return null;
    if (wt === 0) {
      const v = readVarint(buf, pos);
      if (v === null) return null;
      fields.push({ no, kind: "varint", value: v.value });
      pos = v.pos;
    } else if (wt === 1) {
      if (pos + 8 > buf.length) return null;
      fields.push({ no, kind: "fixed64", value: Buffer.from(buf.subarray(pos, pos + 8)).readBigUInt64LE() });
      pos += 8;
    } else if (wt === 5) {
      if (pos + 4 > buf.length) return null;
      fields.push({ no, kind: "fixed32", value: Buffer.from(buf.subarray(pos, pos + 4)).readUInt32LE() });
      pos += 4;
    } else if (wt === 2) {
      const len = readVarint(buf, pos);
      if (len === null || len.value > BigInt(buf.length - len.pos)) return null;
      const end = len.pos + Number(len.value);
      fields.push({ no, kind: "bytes", value: buf.subarray(len.pos, end) });
      pos = end;
    } else {
      return null; // groups (3, 4) and reserved wire types never appear in etcd messages
    }
  }
  return fields;
}

function isPrintable(buf: Uint8Array): boolean {
  for (const b of buf) if (b < 0x20 || b > 0x7e) return false;
  return true;
}

type Level = "top" | "header" | "inner";

/**
 * Renders the output as indented text. A top-level field 1 is a response header
 * {cluster_id 1, member_id 2, revision 3, raft_term 4}; its raft_term is shown as <TERM>
 * (ids are handled by value substitution later, revision is under test).
 */
export function renderProtobuf(buf: Uint8Array): string | null {
  if (buf.length === 0) return "";
  const top = parseWire(buf);
  if (top === null) return null;
  const lines: string[] = [];
  // Some etcdctl printers (lease grant, timetolive, ...) marshal only the embedded header.
  const headerOnly = top.every((f) => f.kind === "varint" && f.no <= 4);
  render(top, "", headerOnly ? "header" : "top", lines);
  return lines.join("\n") + "\n";
}

function render(fields: WireField[], indent: string, level: Level, out: string[]): void {
  for (const f of fields) {
    if (f.kind !== "bytes") {
      out.push(`${indent}${f.no}: ${level === "header" && f.no === 4 ? "<TERM>" : f.value}`);
      continue;
    }
    if (f.value.length === 0) {
      out.push(`${indent}${f.no}: ""`);
      continue;
    }
    if (isPrintable(f.value)) {
      out.push(`${indent}${f.no}: ${JSON.stringify(Buffer.from(f.value).toString("latin1"))}`);
      continue;
    }
    const sub = parseWire(f.value);
    if (sub === null) {
      out.push(`${indent}${f.no}: 0x${Buffer.from(f.value).toString("hex")}`);
      continue;
    }
    out.push(`${indent}${f.no} {`);
    render(sub, indent + "  ", level === "top" && f.no === 1 ? "header" : "inner", out);
    out.push(`${indent}}`);
  }
}
