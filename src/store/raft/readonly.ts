// ReadIndex with ReadOnlySafe: the leader remembers its commit index for each read request and
// answers once a quorum has acknowledged a heartbeat carrying that request's context, proving
// it was still leader when the request arrived.

import type { Message, NodeId } from "./types.js";

export interface ReadIndexStatus {
  req: Message;
  index: number;
  acks: Set<NodeId>;
}

/** Contexts are opaque bytes; as map keys they become latin1 strings (one char per byte). */
export function contextKey(ctx: Uint8Array): string {
  return Buffer.from(ctx.buffer, ctx.byteOffset, ctx.byteLength).toString("latin1");
}

export class ReadOnly {
  private readonly pending = new Map<string, ReadIndexStatus>();
  private readonly queue: string[] = [];

  /** Track a request; a context already pending is ignored (callers make contexts unique). */
  addRequest(index: number, m: Message): void {
    const key = contextKey(m.context);
    if (this.pending.has(key)) return;
    this.pending.set(key, { req: m, index, acks: new Set() });
    this.queue.push(key);
  }

  /** Record that `id` acknowledged the heartbeat carrying ctx; returns all acks so far. */
  recvAck(id: NodeId, ctx: Uint8Array): Set<NodeId> | undefined {
    const rs = this.pending.get(contextKey(ctx));
    if (!rs) return undefined;
    rs.acks.add(id);
    return rs.acks;
  }

  /**
   * The request with ctx reached a quorum: it and every request queued before it are answered
   * (a quorum acknowledging a later heartbeat proves leadership for the earlier ones too).
   */
  advance(ctx: Uint8Array): ReadIndexStatus[] {
    const key = contextKey(ctx);
    const at = this.queue.indexOf(key);
    if (at < 0) return [];
    const done = this.queue.splice(0, at + 1);
    const out: ReadIndexStatus[] = [];
    for (const k of done) {
      const rs = this.pending.get(k);
      if (rs) out.push(rs);
      this.pending.delete(k);
    }
    return out;
  }

  lastPendingRequestCtx(): Uint8Array | undefined {
    const key = this.queue[this.queue.length - 1];
    return key === undefined ? undefined : this.pending.get(key)?.req.context;
  }

  get size(): number {
    return this.queue.length;
  }
}
