// RawNode: the synchronous API around the raft state machine. The caller's loop is
//
//   while (node.hasReady()) {
//     const rd = node.ready();
//     persist rd.snapshot, rd.entries, rd.hardState (fsync if rd.mustSync); mirror them into Storage
//     send rd.messages; apply rd.committedEntries (applyConfChange for "confChange" entries)
//     node.advance(rd);
//   }
//
// and it calls tick() on a timer, step() for each message from a peer, propose()/readIndex() for
// clients. At most one Ready is outstanding: advance() it before asking for the next.

import { encodeConfChange } from "./confchange.js";
import { ErrProposalDropped, ErrStepLocalMsg, ErrStepPeerNotFound } from "./errors.js";
import { EMPTY_BYTES, isLocalMsg, isResponseMsg, message } from "./message.js";
import type { ProgressState } from "./progress.js";
import { Raft, type Config } from "./raft.js";
import {
  None,
  type ConfChange,
  type ConfState,
  type Entry,
  type HardState,
  type Message,
  type NodeId,
  type ReadState,
  type Ready,
  type SoftState,
} from "./types.js";

export interface ProgressStatus {
  match: number;
  next: number;
  state: ProgressState;
  isLearner: boolean;
  recentActive: boolean;
  paused: boolean;
  pendingSnapshot: number;
  inflight: number;
}

export interface Status {
  id: NodeId;
  hardState: HardState;
  softState: SoftState;
  applied: number;
  lastIndex: number;
  leadTransferee: NodeId;
  config: ConfState;
  /** Only on the leader: what it knows about every member (itself included). */
  progress?: Map<NodeId, ProgressStatus>;
}

const NO_ENTRIES: readonly Entry[] = Object.freeze([]);
const NO_MESSAGES: readonly Message[] = Object.freeze([]);
const NO_READ_STATES: readonly ReadState[] = Object.freeze([]);

export class RawNode {
  private readonly r: Raft;
  private prevSoft: SoftState;
  private prevHard: HardState;
  private outstanding: Ready | undefined = undefined;

  constructor(cfg: Config) {
    this.r = new Raft(cfg);
    this.prevSoft = this.r.softState();
    this.prevHard = this.r.hardState();
  }

  /**
   * Start a brand-new cluster on an empty storage: append one addNode conf change per peer
   * (term 1, committed) and apply them at once, so campaign() works right away. The first Ready
   * hands the entries out to persist and to apply (applyConfChange on them is a no-op then).
   * Every founding member bootstraps with the same peers; members added later start empty.
   */
  bootstrap(peers: NodeId[]): void {
    const r = this.r;
    if (peers.length === 0) throw new RangeError("raft: bootstrap needs at least one peer");
    const { hardState } = r.log.storage.initialState();
    if (r.log.lastIndex() !== 0 || hardState.term !== 0 || hardState.vote !== None || hardState.commit !== 0) {
      throw new Error("raft: cannot bootstrap a non-empty storage");
    }
    // Nothing is persisted yet: the first Ready must carry a hard state.
    this.prevHard = { term: 0, vote: None, commit: 0 };
    r.becomeFollower(1, None);
    const ents: Entry[] = peers.map((nodeId, i) => ({
      term: 1,
      index: i + 1,
      type: "confChange",
      data: encodeConfChange({ type: "addNode", nodeId, context: EMPTY_BYTES }),
    }));
    r.log.append(ents);
    r.log.committed = ents.length;
    for (const nodeId of peers) r.applyConfChange({ type: "addNode", nodeId, context: EMPTY_BYTES });
    r.confAppliedTo = ents.length;
  }

  /** One unit of logical time (etcd: one heartbeat interval, ~100 ms). */
  tick(): void {
    this.r.tickFn(this.r);
  }

  /** Start an election now (ignored on a leader, a learner, or while conf changes wait to be applied). */
  campaign(): void {
    this.r.step(message({ type: "hup", from: this.r.id }));
  }

  /** Append data to the log via the leader. Throws ErrProposalDropped if it cannot be. */
  propose(data: Uint8Array): void {
    this.r.step(message({ type: "prop", from: this.r.id, entries: [{ term: 0, index: 0, type: "normal", data }] }));
  }

  /** Propose a membership change; one may be pending at a time (ErrProposalDropped otherwise, on the leader). */
  proposeConfChange(cc: ConfChange): void {
    const data = encodeConfChange(cc);
    this.r.step(message({ type: "prop", from: this.r.id, entries: [{ term: 0, index: 0, type: "confChange", data }] }));
  }

  /** Apply a committed conf change entry (decodeConfChange(entry.data)); returns the new configuration. */
  applyConfChange(cc: ConfChange): ConfState {
    return this.r.applyConfChange(cc);
  }

  /**
   * A message from a peer. Throws ErrStepLocalMsg for local-only types and ErrStepPeerNotFound
   * for responses from non-members. A forwarded proposal the leader cannot take is dropped
   * silently, as if lost: its proposer retries after a timeout.
   */
  step(m: Message): void {
    if (isLocalMsg(m.type)) throw new ErrStepLocalMsg();
    if (isResponseMsg(m.type) && !this.r.trk.progress.has(m.from)) throw new ErrStepPeerNotFound();
    try {
      this.r.step(m);
    } catch (e) {
      if (m.type === "prop" && e instanceof ErrProposalDropped) return;
      throw e;
    }
  }

  /**
   * Ask for a linearizable read point. A ReadState {index, context: ctx} comes out in a later
   * Ready: serve the read once applied >= index. ctx must be unique among pending requests.
   * Dropped (no answer) when no leader is known.
   */
  readIndex(ctx: Uint8Array): void {
    if (ctx.length === 0) throw new RangeError("raft: readIndex needs a non-empty context");
    this.r.step(message({ type: "readIndex", context: ctx }));
  }

  /** Hand leadership to `to` (a voter): the leader catches it up, then tells it to campaign. */
  transferLeader(to: NodeId): void {
    this.r.step(message({ type: "transferLeader", from: to }));
  }

  /** The transport failed to reach `id`: stop streaming appends to it blind. */
  reportUnreachable(id: NodeId): void {
    this.r.step(message({ type: "unreachable", from: id }));
  }

  /** A snapshot sent to `id` arrived (failed = false) or did not. */
  reportSnapshot(id: NodeId, failed: boolean): void {
    this.r.step(message({ type: "snapStatus", from: id, reject: failed }));
  }

  /** Is there work to hand out? False while a Ready is outstanding. */
  hasReady(): boolean {
    if (this.outstanding) return false;
    const r = this.r;
    if (r.lead !== this.prevSoft.leader || r.state !== this.prevSoft.role) return true;
    const ph = this.prevHard;
    if (r.term !== ph.term || r.vote !== ph.vote || r.log.committed !== ph.commit) return true;
    return (
      r.msgs.length > 0 ||
      r.readStates.length > 0 ||
      r.log.hasPendingSnapshot() ||
      r.log.hasUnstableEntries() ||
      r.log.hasNextCommittedEnts()
    );
  }

  /**
   * The next batch of work. Costs O(new entries + committed entries + messages): the unstable
   * tail is copied (new entries only), messages and read states are handed over.
   */
  ready(): Ready {
    if (this.outstanding) throw new Error("raft: advance() the outstanding Ready before asking for another");
    const r = this.r;
    // Empty parts are shared frozen arrays (a lone voter's Readies are mostly empty but for one part).
    const unstable = r.log.unstable.entries;
    const rd: Ready = {
      entries: unstable.length > 0 ? unstable.slice() : (NO_ENTRIES as Entry[]),
      committedEntries: r.log.hasNextCommittedEnts() ? r.log.nextCommittedEnts() : (NO_ENTRIES as Entry[]),
      messages: r.msgs.length > 0 ? r.msgs : (NO_MESSAGES as Message[]),
      readStates: r.readStates.length > 0 ? r.readStates : (NO_READ_STATES as ReadState[]),
      mustSync: false,
    };
    if (r.msgs.length > 0) r.msgs = [];
    if (r.readStates.length > 0) r.readStates = [];
    if (r.lead !== this.prevSoft.leader || r.state !== this.prevSoft.role) {
      this.prevSoft = r.softState();
      rd.softState = this.prevSoft;
    }
    const ph = this.prevHard;
    if (r.term !== ph.term || r.vote !== ph.vote || r.log.committed !== ph.commit) {
      rd.hardState = r.hardState();
      // A commit index alone may be lost in a crash (it is recomputed); term and vote may not.
      rd.mustSync = r.term !== ph.term || r.vote !== ph.vote;
      this.prevHard = rd.hardState;
    }
    const snap = r.log.unstable.snapshot;
    if (snap) rd.snapshot = snap;
    if (rd.entries.length > 0 || snap) rd.mustSync = true;
    this.outstanding = rd;
    return rd;
  }

  /** The caller did everything rd asked: it is persisted, sent and applied. */
  advance(rd: Ready): void {
    if (rd !== this.outstanding) throw new Error("raft: advance() takes the Ready returned by the last ready()");
    this.outstanding = undefined;
    const r = this.r;
    if (rd.snapshot) {
      const i = rd.snapshot.meta.index;
      r.log.stableSnapTo(i);
      if (i > r.log.applied) r.log.applied = i;
    }
    if (rd.entries.length > 0) {
      const last = rd.entries[rd.entries.length - 1]!;
      r.log.stableTo(last.index, last.term);
    }
    // The leader's own log now counts toward the quorum (for a single voter: commits it).
    r.onPersisted();
    if (rd.committedEntries.length > 0) r.log.appliedTo(rd.committedEntries[rd.committedEntries.length - 1]!.index);
  }

  status(): Status {
    const r = this.r;
    const st: Status = {
      id: r.id,
      hardState: r.hardState(),
      softState: r.softState(),
      applied: r.log.applied,
      lastIndex: r.log.lastIndex(),
      leadTransferee: r.leadTransferee,
      config: r.trk.confState(),
    };
    if (r.state === "leader") {
      const progress = new Map<NodeId, ProgressStatus>();
      for (const [id, pr] of r.trk.progress) {
        progress.set(id, {
          match: pr.match,
          next: pr.next,
          state: pr.state,
          isLearner: pr.isLearner,
          recentActive: pr.recentActive,
          paused: pr.isPaused(),
          pendingSnapshot: pr.pendingSnapshot,
          inflight: pr.inflights.count,
        });
      }
      st.progress = progress;
    }
    return st;
  }
}
