// Test harness (used by the *.test.ts files here, not by the store): a few RawNodes over
// MemoryStorage, wired by an in-memory network that can drop, reorder and partition. Each node
// does what a server does with a Ready: persist, queue the messages, apply, advance. The network
// keeps a story (messages delivered or dropped, role changes, read states) for tests to print
// and compare, so a failing scenario reads as the conversation that went wrong.

import { decodeConfChange } from "./confchange.js";
import { ErrProposalDropped, ErrStepPeerNotFound } from "./errors.js";
import { describeEntry, describeMessage } from "./message.js";
import { seededRandom } from "./raft.js";
import { RawNode, type Status } from "./rawnode.js";
import { MemoryStorage } from "./storage.js";
import type { ConfChange, ConfState, Entry, Message, NodeId, ReadState } from "./types.js";

const enc = new TextEncoder();
const dec = new TextDecoder();

export interface NetworkOptions {
  /** Founding voters, bootstrapped together. */
  voters: number[];
  seed?: number;
  preVote?: boolean;
  checkQuorum?: boolean;
  electionTick?: number;
  heartbeatTick?: number;
  maxInflightMsgs?: number;
  maxSizePerMsg?: number;
}

/** One member: its raft node, its "disk", and its state machine (the applied data, in order). */
export class SimNode {
  raw: RawNode;
  readonly storage = new MemoryStorage();
  /** The state machine: data of every applied non-empty normal entry, in order. */
  applied: string[] = [];
  /** Every entry handed out as committed, by index (what this node applied). */
  appliedEntries = new Map<number, Entry>();
  appliedIndex = 0;
  confState: ConfState = { voters: [], learners: [] };
  readStates: ReadState[] = [];

  constructor(
    readonly id: NodeId,
    private readonly net: Network,
  ) {
    this.raw = net.newRawNode(id, this.storage);
  }

  status(): Status {
    return this.raw.status();
  }

  get role(): string {
    return this.raw.status().softState.role;
  }

  get term(): number {
    return this.raw.status().hardState.term;
  }

  get commit(): number {
    return this.raw.status().hardState.commit;
  }

  /** A crash and restart: memory is lost, storage (the disk) is kept. */
  restart(): void {
    this.raw = this.net.newRawNode(this.id, this.storage);
    const snap = this.storage.snapshot();
    this.applied = snap.meta.index > 0 ? (JSON.parse(dec.decode(snap.data)) as string[]) : [];
    this.appliedIndex = snap.meta.index;
    this.confState = snap.meta.confState;
    this.readStates = [];
  }

  /** Snapshot the state machine at the applied index and drop the log up to it. */
  compact(): void {
    const index = this.appliedIndex;
    if (index <= this.storage.snapshot().meta.index) return;
    this.storage.createSnapshot(index, this.confState, enc.encode(JSON.stringify(this.applied)));
    this.storage.compact(index);
  }
}

export class Network {
  readonly nodes = new Map<NodeId, SimNode>();
  /** Messages sent and not yet delivered. */
  queue: Message[] = [];
  /** The story so far; take() returns and clears it. */
  private lines: string[] = [];
  private readonly cut = new Set<string>();
  /** When set, messages it returns false for are dropped on delivery. */
  filter: ((m: Message) => boolean) | undefined = undefined;
  readonly rng: () => number;
  private seq = 0;

  constructor(readonly opts: NetworkOptions) {
    this.rng = seededRandom(opts.seed ?? 1);
    const peers = opts.voters.map(BigInt);
    for (const id of peers) {
      const n = new SimNode(id, this);
      n.raw.bootstrap(peers);
      this.nodes.set(id, n);
    }
  }

  newRawNode(id: NodeId, storage: MemoryStorage): RawNode {
    const o = this.opts;
    return new RawNode({
      id,
      storage,
      electionTick: o.electionTick ?? 10,
      heartbeatTick: o.heartbeatTick ?? 1,
      preVote: o.preVote ?? false,
      checkQuorum: o.checkQuorum ?? false,
      maxInflightMsgs: o.maxInflightMsgs ?? 256,
      maxSizePerMsg: o.maxSizePerMsg ?? 1024 * 1024,
      random: seededRandom(BigInt(o.seed ?? 1) * 1000n + id),
    });
  }

  /** A member that joins later: empty storage, it learns everything from the leader. */
  addNode(id: number): SimNode {
    const n = new SimNode(BigInt(id), this);
    this.nodes.set(n.id, n);
    return n;
  }

  n(id: number): SimNode {
    const node = this.nodes.get(BigInt(id));
    if (!node) throw new Error(`no node ${id}`);
    return node;
  }

  ids(): NodeId[] {
    return [...this.nodes.keys()];
  }

  note(line: string): void {
    this.lines.push(line);
  }

  take(): string {
    const out = this.lines.join("\n");
    this.lines = [];
    return out;
  }

  // ---- faults ----

  /** Cut the links between every pair of groups (nodes not listed keep all their links). */
  partition(...groups: number[][]): void {
    for (const g of groups) {
      for (const h of groups) {
        if (g === h) continue;
        for (const a of g) for (const b of h) this.cut.add(`${a}-${b}`);
      }
    }
  }

  isolate(id: number): void {
    for (const other of this.nodes.keys()) {
      if (other === BigInt(id)) continue;
      this.cut.add(`${id}-${other}`);
      this.cut.add(`${other}-${id}`);
    }
  }

  cutLink(from: number, to: number): void {
    this.cut.add(`${from}-${to}`);
  }

  heal(): void {
    this.cut.clear();
  }

  isCut(from: NodeId, to: NodeId): boolean {
    return this.cut.has(`${from}-${to}`);
  }

  // ---- driving ----

  tick(id: number, times = 1): void {
    for (let i = 0; i < times; i++) this.n(id).raw.tick();
  }

  campaign(id: number): void {
    this.n(id).raw.campaign();
  }

  propose(id: number, data: string): void {
    this.n(id).raw.propose(enc.encode(data));
  }

  /** Propose and report whether the proposal was accepted locally. */
  tryPropose(id: number, data: string): boolean {
    try {
      this.propose(id, data);
      return true;
    } catch (e) {
      if (e instanceof ErrProposalDropped) return false;
      throw e;
    }
  }

  proposeConfChange(id: number, cc: Omit<ConfChange, "context" | "nodeId"> & { nodeId: number }): void {
    this.n(id).raw.proposeConfChange({ type: cc.type, nodeId: BigInt(cc.nodeId), context: new Uint8Array(0) });
  }

  readIndex(id: number, ctx: string): void {
    this.n(id).raw.readIndex(enc.encode(ctx));
  }

  /** Do what a server does with one Ready. Returns false if there was none. */
  processReady(id: NodeId): boolean {
    const node = this.nodes.get(id)!;
    if (!node.raw.hasReady()) return false;
    const rd = node.raw.ready();
    if (rd.softState) {
      const st = node.raw.status();
      this.note(`${id} is ${rd.softState.role} at term ${st.hardState.term}${rd.softState.role === "follower" && rd.softState.leader !== 0n ? ` (leader ${rd.softState.leader})` : ""}`);
    }
    if (rd.snapshot) {
      node.storage.applySnapshot(rd.snapshot);
      node.applied = JSON.parse(dec.decode(rd.snapshot.data)) as string[];
      node.appliedIndex = rd.snapshot.meta.index;
      node.confState = rd.snapshot.meta.confState;
    }
    node.storage.append(rd.entries);
    if (rd.hardState) node.storage.setHardState(rd.hardState);
    for (const m of rd.messages) this.queue.push(m);
    for (const e of rd.committedEntries) {
      if (e.index !== node.appliedIndex + 1) throw new Error(`${id} applies ${e.index} after ${node.appliedIndex}`);
      node.appliedIndex = e.index;
      node.appliedEntries.set(e.index, e);
      if (e.type === "confChange") {
        node.confState = node.raw.applyConfChange(decodeConfChange(e.data));
      } else if (e.data.length > 0) {
        node.applied.push(dec.decode(e.data));
      }
    }
    for (const rs of rd.readStates) {
      this.note(`${id} read state index=${rs.index} ctx=${dec.decode(rs.context)}`);
      node.readStates.push(rs);
    }
    node.raw.advance(rd);
    return true;
  }

  /** Deliver (or drop, across a cut) one queued message. */
  deliver(m: Message): void {
    const to = this.nodes.get(m.to);
    if (!to || this.isCut(m.from, m.to) || (this.filter && !this.filter(m))) {
      this.note(`${describeMessage(m)} (dropped)`);
      if (m.type === "snap") this.nodes.get(m.from)?.raw.reportSnapshot(m.to, true);
      return;
    }
    this.note(describeMessage(m));
    this.stepInto(to, m);
    if (m.type === "snap") this.nodes.get(m.from)?.raw.reportSnapshot(m.to, false);
  }

  stepInto(to: SimNode, m: Message): void {
    try {
      to.raw.step(m);
    } catch (e) {
      if (e instanceof ErrStepPeerNotFound) return; // a response from a removed member
      throw e;
    }
  }

  /** Drop a queued message without delivering it (a lossy link). */
  drop(i: number): void {
    const [m] = this.queue.splice(i, 1);
    if (!m) return;
    this.note(`${describeMessage(m)} (lost)`);
    if (m.type === "snap") this.nodes.get(m.from)?.raw.reportSnapshot(m.to, true);
  }

  /** Process every node's Ready and deliver every message, in order, until nothing moves. */
  stabilize(limit = 10_000): void {
    for (let round = 0; round < limit; round++) {
      let moved = false;
      for (const id of this.ids()) while (this.processReady(id)) moved = true;
      const batch = this.queue;
      this.queue = [];
      for (const m of batch) this.deliver(m);
      if (batch.length > 0) moved = true;
      if (!moved) return;
    }
    throw new Error(`network did not stabilize; the story ends:\n${this.lines.slice(-40).join("\n")}`);
  }

  /** Tick every node n times, stabilizing after each tick (time passing in a healthy cluster). */
  tickAll(n = 1): void {
    for (let i = 0; i < n; i++) {
      for (const id of this.ids()) this.nodes.get(id)!.raw.tick();
      this.stabilize();
    }
  }

  /** The leader of the highest term, if any node believes it leads. */
  leader(): SimNode | undefined {
    let best: SimNode | undefined;
    for (const n of this.nodes.values()) {
      const st = n.raw.status();
      if (st.softState.role === "leader" && (!best || st.hardState.term > best.term)) best = n;
    }
    return best;
  }

  /** A unique context for read requests. */
  nextContext(): string {
    return `r${++this.seq}`;
  }
}

/** One line per Ready: what the caller is asked to do. */
export function describeReady(rd: import("./types.js").Ready): string {
  const parts: string[] = [];
  if (rd.softState) parts.push(`soft=${rd.softState.role}/${rd.softState.leader}`);
  if (rd.hardState) parts.push(`hard=term:${rd.hardState.term},vote:${rd.hardState.vote},commit:${rd.hardState.commit}`);
  if (rd.snapshot) parts.push(`snapshot=${rd.snapshot.meta.term}/${rd.snapshot.meta.index}`);
  if (rd.entries.length > 0) parts.push(`entries=[${rd.entries.map(describeEntry).join(", ")}]`);
  if (rd.committedEntries.length > 0) parts.push(`apply=[${rd.committedEntries.map(describeEntry).join(", ")}]`);
  if (rd.messages.length > 0) parts.push(`msgs=${rd.messages.length}`);
  for (const rs of rd.readStates) parts.push(`read=${rs.index}:${dec.decode(rs.context)}`);
  if (rd.mustSync) parts.push("sync");
  return parts.join(" ");
}
