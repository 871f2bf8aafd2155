// The raft state machine. No I/O, no clock, no hidden randomness: tick(), step(message) and the
// proposal calls go in; messages to send, entries to persist and entries to apply collect in
// fields that RawNode turns into a Ready. The role decides which plain function steps a message
// (stepLeader, stepCandidate, stepFollower) and which one ticks (tickElection, tickHeartbeat).

import { decodeConfChange } from "./confchange.js";
import { ErrProposalDropped, ErrSnapshotTemporarilyUnavailable, ErrCompacted } from "./errors.js";
import { RaftLog } from "./log.js";
import { seededRandom as mulberry32 } from "../../util/random.js";
import { EMPTY_BYTES, bytesEqual, message, voteRespType } from "./message.js";
import { ProgressTracker, sortIds, type VoteResult } from "./progress.js";
import { ReadOnly } from "./readonly.js";
import type { Storage } from "./storage.js";
import {
  None,
  type ConfChange,
  type ConfState,
  type Entry,
  type HardState,
  type Message,
  type MessageType,
  type NodeId,
  type ReadState,
  type Role,
  type Snapshot,
  type SoftState,
} from "./types.js";

export interface Config {
  /** This node's id; never 0. */
  id: NodeId;
  /** Ticks without hearing from a leader before a follower campaigns (randomized in [n, 2n)). */
  electionTick: number;
  /** Ticks between the leader's heartbeats; must be less than electionTick. */
  heartbeatTick: number;
  storage: Storage;
  /**
   * On restart: the last index already applied; committed entries up to it are not handed out
   * again. Only safe if storage's ConfState reflects every conf change up to it (see README).
   */
  applied?: number;
  /** Poll with pre-votes before bumping the term, so a node cut off and rejoining does not depose a healthy leader. */
  preVote?: boolean;
  /** The leader steps down without contact from a quorum for an election timeout; followers in contact refuse votes. */
  checkQuorum?: boolean;
  /** Byte budget of the entries in one append message (default 1 MiB; at least one entry is always sent). */
  maxSizePerMsg?: number;
  /** Appends in flight to one follower in replicate state (default 256). */
  maxInflightMsgs?: number;
  /** Uniform in [0, 1), for the randomized election timeout. Default: a PRNG seeded from id. */
  random?: () => number;
}

export type CampaignType = "preElection" | "election" | "transfer";

/** Sent as the vote context when a leader handed over: voters skip their lease check for it. */
const CAMPAIGN_TRANSFER = new TextEncoder().encode("CampaignTransfer");

type StepFn = (r: Raft, m: Message) => void;
type TickFn = (r: Raft) => void;

export class Raft {
  readonly id: NodeId;
  term = 0;
  vote: NodeId = None;
  readonly log: RaftLog;
  readonly trk: ProgressTracker;
  state: Role = "follower";
  isLearner = false;
  lead: NodeId = None;
  /** Where leadership is being handed; proposals are refused meanwhile. */
  leadTransferee: NodeId = None;
  /** Index of the latest conf change in the log; a new one waits until it is applied. */
  pendingConfIndex = 0;
  /** Conf changes up to here are already in trk (bootstrap applies them ahead of the caller). */
  confAppliedTo = 0;
  /** Output, drained by RawNode.ready(). */
  msgs: Message[] = [];
  readStates: ReadState[] = [];
  readOnly = new ReadOnly();
  /** Read requests that arrived before this leader committed an entry of its term. */
  pendingReadIndexMessages: Message[] = [];

  electionElapsed = 0;
  heartbeatElapsed = 0;
  randomizedElectionTimeout = 0;
  readonly electionTimeout: number;
  readonly heartbeatTimeout: number;
  readonly checkQuorum: boolean;
  readonly preVote: boolean;
  readonly maxMsgSize: number;
  private readonly random: () => number;

  tickFn: TickFn = tickElection;
  stepFn: StepFn = stepFollower;

  constructor(cfg: Config) {
    if (cfg.id === None) throw new RangeError("raft: cannot use none (0) as id");
    if (!(cfg.heartbeatTick > 0)) throw new RangeError("raft: heartbeatTick must be greater than 0");
    if (!(cfg.electionTick > cfg.heartbeatTick)) throw new RangeError("raft: electionTick must be greater than heartbeatTick");
    const maxInflight = cfg.maxInflightMsgs ?? 256;
    if (!(maxInflight > 0)) throw new RangeError("raft: maxInflightMsgs must be greater than 0");
    this.id = cfg.id;
    this.electionTimeout = cfg.electionTick;
    this.heartbeatTimeout = cfg.heartbeatTick;
    this.checkQuorum = cfg.checkQuorum ?? false;
    this.preVote = cfg.preVote ?? false;
    this.maxMsgSize = cfg.maxSizePerMsg ?? 1024 * 1024;
    this.random = cfg.random ?? seededRandom(cfg.id);
    this.log = new RaftLog(cfg.storage);
    this.trk = new ProgressTracker(maxInflight);

    const { hardState, confState } = cfg.storage.initialState();
    this.restoreConfig(confState);
    if (hardState.term !== 0 || hardState.vote !== None || hardState.commit !== 0) this.loadState(hardState);
    if (cfg.applied !== undefined && cfg.applied > 0) this.log.appliedTo(cfg.applied);
    this.becomeFollower(this.term, None);
  }

  // ---- state ----

  softState(): SoftState {
    return { leader: this.lead, role: this.state };
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed };
  }

  private loadState(hs: HardState): void {
    if (hs.commit > this.log.lastIndex()) {
      throw new RangeError(`raft: hard state commit ${hs.commit} is beyond the last index ${this.log.lastIndex()}`);
    }
    // A commit below the snapshot (a commit-only hard state that was not fsynced before the
    // snapshot was) is harmless: the snapshot is committed by definition.
    this.log.committed = Math.max(hs.commit, this.log.committed);
    this.term = hs.term;
    this.vote = hs.vote;
  }

  private restoreConfig(cs: ConfState): void {
    const next = this.log.lastIndex() + 1;
    this.trk.clear();
    for (const id of cs.voters) this.trk.addVoter(id, next);
    for (const id of cs.learners) {
      if (this.trk.voters.has(id)) throw new RangeError(`raft: ${id} is both voter and learner`);
      this.trk.addLearner(id, next);
    }
    this.isLearner = this.trk.learners.has(this.id);
  }

  /** Can this node campaign? Only voters, and not while a received snapshot waits to be persisted. */
  promotable(): boolean {
    const pr = this.trk.progress.get(this.id);
    return pr !== undefined && !pr.isLearner && !this.log.hasPendingSnapshot();
  }

  pastElectionTimeout(): boolean {
    return this.electionElapsed >= this.randomizedElectionTimeout;
  }

  private resetRandomizedElectionTimeout(): void {
    this.randomizedElectionTimeout = this.electionTimeout + Math.floor(this.random() * this.electionTimeout);
  }

  committedEntryInCurrentTerm(): boolean {
    return this.log.termOrZero(this.log.committed) === this.term;
  }

  // ---- role transitions ----

  private reset(term: number): void {
    if (this.term !== term) {
      this.term = term;
      this.vote = None;
    }
    this.lead = None;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.resetRandomizedElectionTimeout();
    this.leadTransferee = None;
    this.trk.resetVotes();
    const next = this.log.lastIndex() + 1;
    for (const [id, pr] of this.trk.progress) {
      // Our own log counts only as far as the caller has persisted it.
      pr.reset(next, id === this.id ? this.log.persistedLastIndex() : 0);
    }
    this.pendingConfIndex = 0;
    this.readOnly = new ReadOnly();
    this.pendingReadIndexMessages = [];
  }

  becomeFollower(term: number, lead: NodeId): void {
    this.stepFn = stepFollower;
    this.reset(term);
    this.tickFn = tickElection;
    this.lead = lead;
    this.state = "follower";
  }

  becomeCandidate(): void {
    if (this.state === "leader") throw new Error("raft: invalid transition [leader -> candidate]");
    this.stepFn = stepCandidate;
    this.reset(this.term + 1);
    this.tickFn = tickElection;
    this.vote = this.id;
    this.state = "candidate";
  }

  /** A pre-candidate polls without touching term or vote, so losing costs the cluster nothing. */
  becomePreCandidate(): void {
    if (this.state === "leader") throw new Error("raft: invalid transition [leader -> preCandidate]");
    this.stepFn = stepCandidate;
    this.trk.resetVotes();
    this.tickFn = tickElection;
    this.lead = None;
    this.state = "preCandidate";
  }

  becomeLeader(): void {
    if (this.state === "follower") throw new Error("raft: invalid transition [follower -> leader]");
    this.stepFn = stepLeader;
    this.reset(this.term);
    this.tickFn = tickHeartbeat;
    this.lead = this.id;
    this.state = "leader";
    const self = this.trk.progress.get(this.id);
    if (self) {
      self.becomeReplicate();
      self.recentActive = true;
    }
    // Any conf change still in the log may be unapplied: hold new ones until we are past it.
    this.pendingConfIndex = this.log.lastIndex();
    // An entry of our own term: committing it commits everything before it (Raft §5.4.2) and
    // lets ReadIndex answer.
    this.appendEntries([{ term: 0, index: 0, type: "normal", data: EMPTY_BYTES }]);
  }

  // ---- elections ----

  hup(t: CampaignType): void {
    if (this.state === "leader") return;
    if (!this.promotable()) return;
    if (this.hasUnappliedConfChanges()) return; // our view of the membership may be stale
    this.campaign(t);
  }

  private hasUnappliedConfChanges(): boolean {
    const lo = Math.max(this.log.applied, this.confAppliedTo, this.log.firstIndex() - 1) + 1;
    const hi = this.log.committed + 1;
    if (lo >= hi) return false;
    return this.log.slice(lo, hi).some((e) => e.type === "confChange");
  }

  campaign(t: CampaignType): void {
    if (!this.promotable()) return;
    let voteMsg: "vote" | "preVote";
    let term: number;
    if (t === "preElection") {
      this.becomePreCandidate();
      voteMsg = "preVote";
      term = this.term + 1; // the term we would campaign in; ours stays unchanged
    } else {
      this.becomeCandidate();
      voteMsg = "vote";
      term = this.term;
    }
    // Our own vote counts at once: the Ready carrying the new term and vote is persisted before
    // any message leaves, so a single voter becomes leader without a round trip.
    if (this.poll(this.id, true) === "won") {
      if (t === "preElection") this.campaign("election");
      else this.becomeLeader();
      return;
    }
    const lastIndex = this.log.lastIndex();
    const lastTerm = this.log.lastTerm();
    for (const id of sortIds([...this.trk.voters])) {
      if (id === this.id) continue;
      this.send(
        message({
          type: voteMsg,
          to: id,
          term,
          index: lastIndex,
          logTerm: lastTerm,
          context: t === "transfer" ? CAMPAIGN_TRANSFER : EMPTY_BYTES,
        }),
      );
    }
  }

  poll(id: NodeId, granted: boolean): VoteResult {
    this.trk.recordVote(id, granted);
    return this.trk.tallyVotes().result;
  }

  // ---- the step entry point ----

  step(m: Message): void {
    if (m.term === 0) {
      // local message (or a forwarded proposal / read request, which carry no term)
    } else if (m.term > this.term) {
      if (m.type === "vote" || m.type === "preVote") {
        const force = bytesEqual(m.context, CAMPAIGN_TRANSFER);
        const inLease = this.checkQuorum && this.lead !== None && this.electionElapsed < this.electionTimeout;
        // We heard from a live leader within the election timeout: do not let a node that lost
        // contact depose it (unless the leader itself asked for the transfer).
        if (!force && inLease) return;
      }
      if (m.type === "preVote") {
        // A pre-vote never changes our term.
      } else if (m.type === "preVoteResp" && !m.reject) {
        // The term is bumped when the pre-vote wins; a grant at a higher term is expected.
      } else if (m.type === "app" || m.type === "heartbeat" || m.type === "snap") {
        this.becomeFollower(m.term, m.from);
      } else {
        this.becomeFollower(m.term, None);
      }
    } else if (m.term < this.term) {
      if ((this.checkQuorum || this.preVote) && (m.type === "heartbeat" || m.type === "app")) {
        // A stale leader (e.g. healed from a partition, with pre-vote nobody bumped its term)
        // learns the new term from our answer and steps down.
        this.send(message({ type: "appResp", to: m.from }));
      } else if (m.type === "preVote") {
        // Tell a lagging pre-candidate our term, or it may keep polling forever.
        this.send(message({ type: "preVoteResp", to: m.from, term: this.term, reject: true }));
      }
      return;
    }

    switch (m.type) {
      case "hup":
        this.hup(this.preVote ? "preElection" : "election");
        return;
      case "vote":
      case "preVote": {
        const canVote =
          this.vote === m.from ||
          (this.vote === None && this.lead === None) ||
          (m.type === "preVote" && m.term > this.term);
        const resp = voteRespType(m.type);
        if (canVote && this.log.isUpToDate(m.index, m.logTerm)) {
          // Answer with the message's term: a pre-candidate counts only grants for the term it polls.
          this.send(message({ type: resp, to: m.from, term: m.term }));
          if (m.type === "vote") {
            this.electionElapsed = 0;
            this.vote = m.from;
          }
        } else {
          this.send(message({ type: resp, to: m.from, term: this.term, reject: true }));
        }
        return;
      }
      default:
        this.stepFn(this, m);
    }
  }

  // ---- sending ----

  send(m: Message): void {
    if (m.from === None) m.from = this.id;
    if (m.type === "vote" || m.type === "voteResp" || m.type === "preVote" || m.type === "preVoteResp") {
      if (m.term === 0) throw new Error(`raft: ${m.type} must carry a term`);
    } else if (m.type !== "prop" && m.type !== "readIndex") {
      // Proposals and read requests are forwarded without a term: they are local to the leader.
      m.term = this.term;
    }
    this.msgs.push(m);
  }

  sendAppend(to: NodeId): void {
    this.maybeSendAppend(to, true);
  }

  /** Send what `to` needs next (entries, or a snapshot if they were compacted). */
  maybeSendAppend(to: NodeId, sendIfEmpty: boolean): boolean {
    const pr = this.trk.progress.get(to);
    if (!pr || pr.isPaused()) return false;
    const prevIndex = pr.next - 1;
    const prevTerm = this.log.termOrUndefined(prevIndex);
    let ents: Entry[] | undefined;
    if (prevTerm !== undefined) {
      try {
        ents = this.log.entriesFrom(pr.next, this.maxMsgSize);
      } catch (e) {
        if (!(e instanceof ErrCompacted)) throw e;
      }
    }
    if (prevTerm === undefined || ents === undefined) {
      // What the follower needs was compacted away: send a snapshot instead, if it is alive.
      if (!pr.recentActive) return false;
      let snap;
      try {
        snap = this.log.snapshot();
      } catch (e) {
        if (e instanceof ErrSnapshotTemporarilyUnavailable) return false;
        throw e;
      }
      if (snap.meta.index === 0) throw new Error("raft: need a non-empty snapshot");
      this.send(message({ type: "snap", to, snapshot: snap }));
      pr.becomeSnapshot(snap.meta.index);
      return true;
    }
    if (ents.length === 0 && !sendIfEmpty) return false;
    const lastSent = ents.length > 0 ? ents[ents.length - 1]!.index : prevIndex;
    this.send(message({ type: "app", to, index: prevIndex, logTerm: prevTerm, entries: ents, commit: this.log.committed }));
    pr.sentEntries(ents.length, lastSent);
    // The follower commits min(commit, last entry it got from us).
    pr.sentCommit = Math.max(pr.sentCommit, Math.min(this.log.committed, lastSent));
    return true;
  }

  sendHeartbeat(to: NodeId, ctx: Uint8Array): void {
    const pr = this.trk.progress.get(to);
    if (!pr) return;
    // Never tell a follower to commit past what it is known to hold.
    const commit = Math.min(pr.match, this.log.committed);
    this.send(message({ type: "heartbeat", to, commit, context: ctx }));
    pr.sentCommit = Math.max(pr.sentCommit, commit);
  }

  bcastAppend(): void {
    if (this.trk.progress.size <= 1) return; // the single-voter hot path: nobody to tell
    for (const id of this.trk.progress.keys()) if (id !== this.id) this.sendAppend(id);
  }

  bcastHeartbeat(): void {
    this.bcastHeartbeatWithCtx(this.readOnly.lastPendingRequestCtx() ?? EMPTY_BYTES);
  }

  private bcastHeartbeatWithCtx(ctx: Uint8Array): void {
    for (const id of this.trk.progress.keys()) if (id !== this.id) this.sendHeartbeat(id, ctx);
  }

  sendTimeoutNow(to: NodeId): void {
    this.send(message({ type: "timeoutNow", to }));
  }

  abortLeaderTransfer(): void {
    this.leadTransferee = None;
  }

  // ---- the leader's log ----

  appendEntries(es: Entry[]): void {
    const li = this.log.lastIndex();
    for (let i = 0; i < es.length; i++) {
      const e = es[i]!;
      e.term = this.term;
      e.index = li + 1 + i;
    }
    this.log.append(es);
    // No self-acknowledgement here: the leader's entries count once persisted (onPersisted).
  }

  maybeCommit(): boolean {
    return this.log.maybeCommit(this.trk.committed(), this.term);
  }

  /** RawNode.advance(): the caller persisted the log up to persistedLastIndex(). */
  onPersisted(): void {
    if (this.state !== "leader") return;
    const pr = this.trk.progress.get(this.id);
    if (!pr) return;
    if (pr.maybeUpdate(this.log.persistedLastIndex()) && this.maybeCommit()) {
      this.releasePendingReadIndexMessages();
      this.bcastAppend();
    }
  }

  // ---- read index ----

  handleReadIndex(m: Message): void {
    if (this.trk.isSingleton()) {
      this.respondToReadIndex(m, this.log.committed);
      return;
    }
    this.readOnly.addRequest(this.log.committed, m);
    this.readOnly.recvAck(this.id, m.context);
    this.bcastHeartbeatWithCtx(m.context);
  }

  respondToReadIndex(req: Message, index: number): void {
    if (req.from === None || req.from === this.id) {
      this.readStates.push({ index, context: req.context });
      return;
    }
    this.send(message({ type: "readIndexResp", to: req.from, index, context: req.context }));
  }

  releasePendingReadIndexMessages(): void {
    if (this.pendingReadIndexMessages.length === 0 || !this.committedEntryInCurrentTerm()) return;
    const msgs = this.pendingReadIndexMessages;
    this.pendingReadIndexMessages = [];
    for (const m of msgs) this.handleReadIndex(m);
  }

  // ---- the follower's side of replication ----

  handleAppendEntries(m: Message): void {
    if (m.index < this.log.committed) {
      this.send(message({ type: "appResp", to: m.from, index: this.log.committed }));
      return;
    }
    const lastNew = this.log.maybeAppend(m.index, m.logTerm, m.commit, m.entries);
    if (lastNew !== undefined) {
      this.send(message({ type: "appResp", to: m.from, index: lastNew }));
      return;
    }
    // Reject, with a hint that lets the leader skip a whole term of mismatching entries.
    const hint = this.log.findConflictByTerm(Math.min(m.index, this.log.lastIndex()), m.logTerm);
    this.send(
      message({ type: "appResp", to: m.from, index: m.index, reject: true, rejectHint: hint.index, logTerm: hint.term }),
    );
  }

  handleHeartbeat(m: Message): void {
    this.log.commitTo(m.commit);
    this.send(message({ type: "heartbeatResp", to: m.from, context: m.context }));
  }

  handleSnapshot(m: Message): void {
    const s = m.snapshot;
    if (!s) return;
    if (this.restore(s)) {
      this.send(message({ type: "appResp", to: m.from, index: this.log.lastIndex() }));
    } else {
      this.send(message({ type: "appResp", to: m.from, index: this.log.committed }));
    }
  }

  /** Install a snapshot from the leader. Returns false when it tells us nothing new. */
  private restore(s: Snapshot): boolean {
    if (s.meta.index <= this.log.committed) return false;
    if (this.state !== "follower") {
      // Only a leader of our term sends snapshots, and its message made us a follower; be safe.
      this.becomeFollower(this.term + 1, None);
      return false;
    }
    // The snapshot need not list us: a member added after it was taken installs it and then
    // learns of its own addition from the entries that follow. (etcd refuses such snapshots and
    // relies on its server rewriting MsgSnap to the latest applied state; we take them as they are.)
    const cs = s.meta.confState;
    if (this.log.matchTerm(s.meta.index, s.meta.term)) {
      // We already hold the snapshot's last entry: just fast-forward the commit index.
      this.log.commitTo(s.meta.index);
      return false;
    }
    this.log.restore(s);
    this.restoreConfig(cs);
    this.confAppliedTo = s.meta.index;
    return true;
  }

  // ---- membership ----

  /** Why a conf change proposal cannot be appended now, or undefined if it can. */
  confChangeRefusal(e: Entry): string | undefined {
    if (this.pendingConfIndex > this.log.applied) return "a configuration change is already pending";
    let cc: ConfChange;
    try {
      cc = decodeConfChange(e.data);
    } catch {
      return "undecodable configuration change";
    }
    return this.confChangeError(cc);
  }

  private confChangeError(cc: ConfChange): string | undefined {
    if (cc.nodeId === None) return "configuration change for node 0";
    const demotes = cc.type === "removeNode" || cc.type === "addLearnerNode";
    if (demotes && this.trk.voters.has(cc.nodeId) && this.trk.voters.size === 1) return "removed all voters";
    return undefined;
  }

  /** Apply a committed conf change (single step: one member at a time). */
  applyConfChange(cc: ConfChange): ConfState {
    const err = this.confChangeError(cc);
    if (err) throw new RangeError(`raft: ${err}`);
    // A new member is probed with our last entry, so the first append is never empty and goes
    // out at once (switchToConfig sends only non-empty appends).
    const next = Math.max(this.log.lastIndex(), 1);
    switch (cc.type) {
      case "addNode":
        this.trk.addVoter(cc.nodeId, next);
        break;
      case "addLearnerNode":
        this.trk.addLearner(cc.nodeId, next);
        break;
      case "removeNode":
        this.trk.remove(cc.nodeId);
        break;
      case "updateNode":
        break;
    }
    this.switchToConfig();
    return this.trk.confState();
  }

  private switchToConfig(): void {
    const self = this.trk.progress.get(this.id);
    this.isLearner = self?.isLearner ?? false;
    if (this.state !== "leader") return;
    if (!self || self.isLearner) {
      // Removed or demoted: tell the others the commit index, then step down so they elect a
      // leader from the new configuration.
      this.bcastAppend();
      this.becomeFollower(this.term, None);
      return;
    }
    // The quorum changed: maybe more is committed now; otherwise probe any new members.
    if (this.maybeCommit()) this.bcastAppend();
    else for (const id of this.trk.progress.keys()) if (id !== this.id) this.maybeSendAppend(id, false);
    if (this.leadTransferee !== None && !this.trk.voters.has(this.leadTransferee)) this.abortLeaderTransfer();
  }
}

// ---- ticks ----

function tickElection(r: Raft): void {
  r.electionElapsed++;
  if (r.promotable() && r.pastElectionTimeout()) {
    r.electionElapsed = 0;
    r.step(message({ type: "hup", from: r.id }));
  }
}

function tickHeartbeat(r: Raft): void {
  r.heartbeatElapsed++;
  r.electionElapsed++;
  if (r.electionElapsed >= r.electionTimeout) {
    r.electionElapsed = 0;
    if (r.checkQuorum) r.step(message({ type: "checkQuorum", from: r.id }));
    // A transfer that did not finish within an election timeout is abandoned.
    if (r.state === "leader" && r.leadTransferee !== None) r.abortLeaderTransfer();
  }
  if (r.state !== "leader") return;
  if (r.heartbeatElapsed >= r.heartbeatTimeout) {
    r.heartbeatElapsed = 0;
    r.step(message({ type: "beat", from: r.id }));
  }
}

// ---- step functions per role ----

function stepLeader(r: Raft, m: Message): void {
  switch (m.type) {
    case "beat":
      r.bcastHeartbeat();
      return;
    case "checkQuorum":
      if (!r.trk.quorumActive(r.id)) {
        r.becomeFollower(r.term, None);
        return;
      }
      for (const [id, pr] of r.trk.progress) if (id !== r.id) pr.recentActive = false;
      return;
    case "prop":
      stepLeaderPropose(r, m);
      return;
    case "readIndex":
      // A new leader does not know the commit index until an entry of its term commits.
      if (!r.committedEntryInCurrentTerm()) {
        r.pendingReadIndexMessages.push(m);
        return;
      }
      r.handleReadIndex(m);
      return;
    default:
      break;
  }

  const pr = r.trk.progress.get(m.from);
  if (!pr) return;
  switch (m.type) {
    case "appResp": {
      pr.recentActive = true;
      if (m.reject) {
        let nextProbe = m.rejectHint;
        if (m.logTerm > 0) nextProbe = r.log.findConflictByTerm(m.rejectHint, m.logTerm).index;
        if (pr.maybeDecrTo(m.index, nextProbe)) {
          if (pr.state === "replicate") pr.becomeProbe();
          r.sendAppend(m.from);
        }
        return;
      }
      // In probe state an answer at match still proves where the logs agree.
      if (!pr.maybeUpdate(m.index) && !(pr.match === m.index && pr.state === "probe")) return;
      if (pr.state === "probe") {
        pr.becomeReplicate();
      } else if (pr.state === "snapshot" && pr.match + 1 >= r.log.firstIndex()) {
        // Caught up past the compacted prefix (by the snapshot or otherwise): resume from the log.
        pr.becomeProbe();
        pr.becomeReplicate();
      } else if (pr.state === "replicate") {
        pr.inflights.freeLE(m.index);
      }
      if (r.maybeCommit()) {
        r.releasePendingReadIndexMessages();
        r.bcastAppend();
      } else if (pr.state !== "snapshot" && pr.sentCommit < r.log.committed) {
        // It may not know the latest commit index yet; don't make it wait for a heartbeat.
        r.sendAppend(m.from);
      }
      while (r.maybeSendAppend(m.from, false)) {
        // keep the pipe full up to the inflight window
      }
      if (m.from === r.leadTransferee && pr.match === r.log.lastIndex()) r.sendTimeoutNow(m.from);
      return;
    }
    case "heartbeatResp": {
      pr.recentActive = true;
      pr.msgAppFlowPaused = false;
      // Appends may have been lost with the window full: free a slot so replication can resume.
      if (pr.state === "replicate" && pr.inflights.full()) pr.inflights.freeFirstOne();
      if (pr.match < r.log.lastIndex() || pr.state === "probe") r.sendAppend(m.from);
      if (m.context.length === 0) return;
      const acks = r.readOnly.recvAck(m.from, m.context);
      if (!acks || r.trk.voteResult((id) => (acks.has(id) ? true : undefined)) !== "won") return;
      for (const rs of r.readOnly.advance(m.context)) r.respondToReadIndex(rs.req, rs.index);
      return;
    }
    case "snapStatus":
      if (pr.state !== "snapshot") return;
      if (m.reject) pr.pendingSnapshot = 0; // failed: probe from match, not past the snapshot
      pr.becomeProbe();
      // Wait for an answer (or the next heartbeat) before sending again.
      pr.msgAppFlowPaused = true;
      return;
    case "unreachable":
      // Appends in flight were probably lost; probe instead of streaming blind.
      if (pr.state === "replicate") pr.becomeProbe();
      return;
    case "transferLeader": {
      if (pr.isLearner) return;
      const transferee = m.from;
      if (r.leadTransferee !== None) {
        if (r.leadTransferee === transferee) return;
        r.abortLeaderTransfer();
      }
      if (transferee === r.id) return;
      r.electionElapsed = 0; // the transfer must finish within one election timeout
      r.leadTransferee = transferee;
      if (pr.match === r.log.lastIndex()) r.sendTimeoutNow(transferee);
      else r.sendAppend(transferee);
      return;
    }
    default:
      return;
  }
}

function stepLeaderPropose(r: Raft, m: Message): void {
  if (m.entries.length === 0) throw new Error("raft: stepped an empty proposal");
  if (!r.trk.progress.has(r.id)) throw new ErrProposalDropped("this leader is not in the configuration");
  if (r.leadTransferee !== None) throw new ErrProposalDropped("leadership transfer in progress");
  for (let i = 0; i < m.entries.length; i++) {
    const e = m.entries[i]!;
    if (e.type !== "confChange") continue;
    const refusal = r.confChangeRefusal(e);
    if (refusal === undefined) {
      r.pendingConfIndex = r.log.lastIndex() + i + 1;
    } else if (m.entries.length === 1) {
      throw new ErrProposalDropped(refusal);
    } else {
      // Keep the batch's indexes: the refused change becomes an empty entry.
      m.entries[i] = { term: 0, index: 0, type: "normal", data: EMPTY_BYTES };
    }
  }
  r.appendEntries(m.entries);
  r.bcastAppend();
}

function stepCandidate(r: Raft, m: Message): void {
  // Only responses for the kind of poll we run count; a late vote response from an earlier
  // pre-vote round (or vice versa) is ignored.
  const myResp: MessageType = r.state === "preCandidate" ? "preVoteResp" : "voteResp";
  switch (m.type) {
    case "prop":
      throw new ErrProposalDropped("no leader");
    case "app":
      r.becomeFollower(m.term, m.from);
      r.handleAppendEntries(m);
      return;
    case "heartbeat":
      r.becomeFollower(m.term, m.from);
      r.handleHeartbeat(m);
      return;
    case "snap":
      r.becomeFollower(m.term, m.from);
      r.handleSnapshot(m);
      return;
    default:
      break;
  }
  if (m.type !== myResp) return;
  const result = r.poll(m.from, !m.reject);
  if (result === "won") {
    if (r.state === "preCandidate") {
      r.campaign("election");
    } else {
      r.becomeLeader();
      r.bcastAppend();
    }
  } else if (result === "lost") {
    // A pre-candidate whose poll was refused stays in its term; so does a losing candidate.
    r.becomeFollower(r.term, None);
  }
}

function stepFollower(r: Raft, m: Message): void {
  switch (m.type) {
    case "prop":
      if (r.lead === None) throw new ErrProposalDropped("no leader");
      m.to = r.lead;
      r.send(m);
      return;
    case "app":
      r.electionElapsed = 0;
      r.lead = m.from;
      r.handleAppendEntries(m);
      return;
    case "heartbeat":
      r.electionElapsed = 0;
      r.lead = m.from;
      r.handleHeartbeat(m);
      return;
    case "snap":
      r.electionElapsed = 0;
      r.lead = m.from;
      r.handleSnapshot(m);
      return;
    case "transferLeader":
      if (r.lead === None) return;
      m.to = r.lead;
      r.send(m);
      return;
    case "timeoutNow":
      // The leader handed over to us: campaign now, skipping pre-vote and the voters' lease check.
      r.hup("transfer");
      return;
    case "readIndex":
      if (r.lead === None) return; // dropped: the caller retries after its timeout
      m.to = r.lead;
      r.send(m);
      return;
    case "readIndexResp":
      r.readStates.push({ index: m.index, context: m.context });
      return;
    default:
      return;
  }
}

/**
 * mulberry32 (util/random.ts): small, fast and good enough to spread election timeouts; seeded
 * (the member id, spread by a multiplicative hash) so runs replay.
 */
export function seededRandom(seed: bigint | number): () => number {
  return mulberry32(Number(BigInt.asUintN(32, BigInt(seed) * 0x9e3779b1n)));
}
