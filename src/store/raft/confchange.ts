// ConfChange <-> bytes, for the data of "confChange" entries. The layout is protobuf, field for
// field raftpb.ConfChange (1 id, 2 type, 3 node_id, 4 context), so tools that read etcd's WAL
// can read ours; only the subset raft needs is implemented.

import type { ConfChange, ConfChangeType } from "./types.js";

const TYPE_CODES: Record<ConfChangeType, number> = {
  addNode: 0,
  removeNode: 1,
  updateNode: 2,
  addLearnerNode: 3,
};
const CODE_TYPES: ConfChangeType[] = ["addNode", "removeNode", "updateNode", "addLearnerNode"];
const U64_MAX = (1n << 64n) - 1n;

export function encodeConfChange(cc: ConfChange): Uint8Array {
  if (cc.nodeId < 0n || cc.nodeId > U64_MAX) throw new RangeError(`node id ${cc.nodeId} is not a uint64`);
  const out: number[] = [];
  out.push(0x08, 0x00); // id = 0: etcd threads a request id here; kplane uses context instead
  out.push(0x10, TYPE_CODES[cc.type]);
  out.push(0x18);
  pushVarint(out, cc.nodeId);
  const ctx = cc.context;
  if (ctx.length > 0) {
    out.push(0x22);
    pushVarint(out, BigInt(ctx.length));
  }
  const bytes = new Uint8Array(out.length + ctx.length);
  bytes.set(out, 0);
  bytes.set(ctx, out.length);
  return bytes;
}

export function decodeConfChange(data: Uint8Array): ConfChange {
  let type: ConfChangeType = "addNode";
  let nodeId = 0n;
  let context: Uint8Array = new Uint8Array(0);
  let pos = 0;
  const varint = (): bigint => {
    let v = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (pos >= data.length) throw new RangeError("confChange: truncated varint");
      const b = data[pos++]!;
      v |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return v;
    }
    throw new RangeError("confChange: varint too long");
  };
  while (pos < data.length) {
    const key = Number(varint());
    const field = key >>> 3;
    const wire = key & 7;
    if (wire === 0) {
      const v = varint();
      if (field === 2) {
        const t = CODE_TYPES[Number(v)];
        if (t === undefined) throw new RangeError(`confChange: unknown type ${v}`);
        type = t;
      } else if (field === 3) nodeId = v & U64_MAX;
    } else if (wire === 2) {
      const len = Number(varint());
      if (pos + len > data.length) throw new RangeError("confChange: truncated bytes field");
      if (field === 4) context = data.slice(pos, pos + len);
      pos += len;
    } else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else throw new RangeError(`confChange: unsupported wire type ${wire}`);
  }
  if (pos !== data.length) throw new RangeError("confChange: truncated field");
  return { type, nodeId, context };
}

function pushVarint(out: number[], v: bigint): void {
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
}
