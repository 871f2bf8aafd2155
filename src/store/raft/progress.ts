// What the leader knows about each member (Progress), and the configuration with its quorum
// arithmetic (ProgressTracker). Followers keep a tracker too, for membership and elections.

import type { ConfState, NodeId } from "./types.js";

export type ProgressState = "probe" | "replicate" | "snapshot";
export type VoteResult = "won" | "lost" | "pending";

/** Last indexes of the appends in flight to one follower, oldest first (a ring buffer). */
export class Inflights {
  private readonly buf: number[];
  private start = 0;
  count = 0;

  constructor(readonly size: number) {
    this.buf = new Array<number>(size).fill(0);
  }

  add(index: number): void {
    if (this.full()) throw new Error("inflights: add into a full window");
    this.buf[(this.start + this.count) % this.size] = index;
    this.count++;
  }

  /** The follower acknowledged everything up to `to`. */
  freeLE(to: number): void {
    while (this.count > 0 && this.buf[this.start]! <= to) {
      this.start = (this.start + 1) % this.size;
      this.count--;
    }
    if (this.count === 0) this.start = 0;
  }

  freeFirstOne(): void {
    if (this.count === 0) return;
    this.start = (this.start + 1) % this.size;
    this.count--;
  }

  full(): boolean {
    return this.count === this.size;
  }

  reset(): void {
    this.count = 0;
    this.start = 0;
  }
}

/**
 * The leader's view of one member. probe: send one append at a time until a response tells us
 * where the logs match; replicate: stream appends optimistically, up to the inflight window;
 * snapshot: a snapshot is on its way, send nothing until it is reported.
 */
export class Progress {
  state: ProgressState = "probe";
  /** Index up to which the member's log is known to match the leader's. */
  match: number;
  /** Index of the next entry to send. */
  next: number;
  /** Index of the snapshot in flight (snapshot state), kept to resume probing past it. */
  pendingSnapshot = 0;
  /** Heard from within the current election timeout (check-quorum, and whether to send a snapshot). */
  recentActive: boolean;
  /** In probe state: an append was sent and not yet answered. */
  msgAppFlowPaused = false;
  /** The highest commit index sent to the member (so we know whether it needs to hear a newer one). */
  sentCommit = 0;
  readonly inflights: Inflights;

  constructor(init: { match: number; next: number; maxInflight: number; isLearner: boolean; recentActive: boolean }) {
    this.match = init.match;
    this.next = init.next;
    this.inflights = new Inflights(init.maxInflight);
    this.isLearner = init.isLearner;
    this.recentActive = init.recentActive;
  }

  isLearner: boolean;

  /** Start over after a term change: nothing known, probe from the end of the leader's log. */
  reset(next: number, match: number): void {
    this.state = "probe";
    this.match = match;
    this.next = next;
    this.pendingSnapshot = 0;
    this.recentActive = false;
    this.msgAppFlowPaused = false;
    this.sentCommit = 0;
    this.inflights.reset();
  }

  becomeProbe(): void {
    if (this.state === "snapshot") {
      // A snapshot was sent: the follower is at least there if it applied it.
      this.next = Math.max(this.match + 1, this.pendingSnapshot + 1);
    } else {
      this.next = this.match + 1;
    }
    this.state = "probe";
    this.pendingSnapshot = 0;
    this.msgAppFlowPaused = false;
    this.inflights.reset();
  }

  becomeReplicate(): void {
    this.state = "replicate";
    this.next = this.match + 1;
    this.pendingSnapshot = 0;
    this.msgAppFlowPaused = false;
    this.inflights.reset();
  }

  becomeSnapshot(snapshotIndex: number): void {
    this.state = "snapshot";
    this.pendingSnapshot = snapshotIndex;
    this.msgAppFlowPaused = false;
    this.inflights.reset();
  }

  /** An append carrying `count` entries ending at lastIndex went out. */
  sentEntries(count: number, lastIndex: number): void {
    if (this.state === "replicate") {
      if (count > 0) {
        this.next = lastIndex + 1;
        this.inflights.add(lastIndex);
      }
    } else if (this.state === "probe") {
      this.msgAppFlowPaused = true;
    }
  }

  /** An acknowledgement up to n arrived. Returns whether it told us something new. */
  maybeUpdate(n: number): boolean {
    if (n <= this.match) return false;
    this.match = n;
    this.next = Math.max(this.next, n + 1);
    this.msgAppFlowPaused = false;
    return true;
  }

  /**
   * The follower rejected an append at `rejected`, hinting that its log matches up to at most
   * matchHint. Returns false when the rejection is stale (about an older append).
   */
  maybeDecrTo(rejected: number, matchHint: number): boolean {
    if (this.state === "replicate") {
      if (rejected <= this.match) return false;
      this.next = this.match + 1; // retry from what is known to match; becomeProbe follows
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1);
    this.msgAppFlowPaused = false;
    return true;
  }

  isPaused(): boolean {
    switch (this.state) {
      case "probe":
        return this.msgAppFlowPaused;
      case "replicate":
        return this.inflights.full();
      case "snapshot":
        return true;
    }
  }
}

/** The configuration (voters and learners), progress per member, and votes of the current election. */
export class ProgressTracker {
  readonly voters = new Set<NodeId>();
  readonly learners = new Set<NodeId>();
  readonly progress = new Map<NodeId, Progress>();
  readonly votes = new Map<NodeId, boolean>();

  constructor(readonly maxInflight: number) {}

  confState(): ConfState {
    return { voters: sortIds([...this.voters]), learners: sortIds([...this.learners]) };
  }

  isSingleton(): boolean {
    return this.voters.size === 1;
  }

  private newProgress(next: number, isLearner: boolean): Progress {
    // A new member counts as recently active so check-quorum does not fire before it could answer.
    return new Progress({ match: 0, next, maxInflight: this.maxInflight, isLearner, recentActive: true });
  }

  addVoter(id: NodeId, next: number): void {
    if (this.voters.has(id)) return;
    this.voters.add(id);
    if (this.learners.delete(id)) {
      this.progress.get(id)!.isLearner = false; // promotion keeps what we know about its log
      return;
    }
    this.progress.set(id, this.newProgress(next, false));
  }

  addLearner(id: NodeId, next: number): void {
    if (this.learners.has(id)) return;
    this.learners.add(id);
    if (this.voters.delete(id)) {
      this.progress.get(id)!.isLearner = true;
      return;
    }
    this.progress.set(id, this.newProgress(next, true));
  }

  remove(id: NodeId): void {
    this.voters.delete(id);
    this.learners.delete(id);
    this.progress.delete(id);
    this.votes.delete(id);
  }

  clear(): void {
    this.voters.clear();
    this.learners.clear();
    this.progress.clear();
    this.votes.clear();
  }

  /** The largest index matched on a majority of voters (0 with no voters). */
  committed(): number {
    const n = this.voters.size;
    if (n === 0) return 0;
    if (n === 1) {
      for (const id of this.voters) return this.progress.get(id)?.match ?? 0;
    }
    const matches: number[] = [];
    for (const id of this.voters) matches.push(this.progress.get(id)?.match ?? 0);
    matches.sort((a, b) => b - a);
    return matches[n >> 1]!; // the (n/2+1)-th largest: held by a majority
  }

  recordVote(id: NodeId, granted: boolean): void {
    if (!this.votes.has(id)) this.votes.set(id, granted);
  }

  resetVotes(): void {
    this.votes.clear();
  }

  tallyVotes(): { granted: number; rejected: number; result: VoteResult } {
    let granted = 0;
    let rejected = 0;
    for (const id of this.voters) {
      const v = this.votes.get(id);
      if (v === true) granted++;
      else if (v === false) rejected++;
    }
    return { granted, rejected, result: this.voteResult((id) => this.votes.get(id)) };
  }

  /** Majority of voters by a yes/no/unknown function (votes, or acks of a read-index round). */
  voteResult(vote: (id: NodeId) => boolean | undefined): VoteResult {
    const n = this.voters.size;
    if (n === 0) return "won";
    let yes = 0;
    let missing = 0;
    for (const id of this.voters) {
      const v = vote(id);
      if (v === true) yes++;
      else if (v === undefined) missing++;
    }
    const q = (n >> 1) + 1;
    if (yes >= q) return "won";
    if (yes + missing >= q) return "pending";
    return "lost";
  }

  /** Did a majority of voters (counting self) talk to us during the last election timeout? */
  quorumActive(self: NodeId): boolean {
    return this.voteResult((id) => (id === self ? true : this.progress.get(id)?.recentActive === true ? true : false)) === "won";
  }
}

export function sortIds(ids: NodeId[]): NodeId[] {
  return ids.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
