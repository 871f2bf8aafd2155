// The raft core's data: plain objects and unions, shared by raft/, wal/ and server/.
// Terms and indexes are numbers (safe to 2^53); node ids are uint64 on the wire, so bigint.

export type NodeId = bigint;
/** 0n means "none" (no vote, no leader), as in etcd's raft. */
export const None: NodeId = 0n;

export type EntryType = "normal" | "confChange";

export interface Entry {
  term: number;
  index: number;
  type: EntryType;
  data: Uint8Array;
}

export interface HardState {
  term: number;
  vote: NodeId;
  commit: number;
}

export interface ConfState {
  voters: NodeId[];
  learners: NodeId[];
}

export interface SnapshotMeta {
  index: number;
  term: number;
  confState: ConfState;
}

export interface Snapshot {
  meta: SnapshotMeta;
  data: Uint8Array;
}

export type ConfChangeType = "addNode" | "removeNode" | "updateNode" | "addLearnerNode";

export interface ConfChange {
  type: ConfChangeType;
  nodeId: NodeId;
  context: Uint8Array;
}

export type MessageType =
  | "hup" | "beat" | "prop" | "app" | "appResp" | "vote" | "voteResp" | "preVote" | "preVoteResp"
  | "snap" | "heartbeat" | "heartbeatResp" | "unreachable" | "snapStatus" | "checkQuorum"
  | "transferLeader" | "timeoutNow" | "readIndex" | "readIndexResp";

export interface Message {
  type: MessageType;
  from: NodeId;
  to: NodeId;
  term: number;
  logTerm: number;
  index: number;
  entries: Entry[];
  commit: number;
  reject: boolean;
  rejectHint: number;
  context: Uint8Array;
  snapshot?: Snapshot;
}

export type Role = "follower" | "preCandidate" | "candidate" | "leader";

export interface SoftState {
  leader: NodeId;
  role: Role;
}

export interface ReadState {
  index: number;
  context: Uint8Array;
}

/** One batch of work handed out by the core; the caller does it, then calls advance(). */
export interface Ready {
  softState?: SoftState;
  hardState?: HardState;
  /** To append to stable storage (after truncating any conflicting suffix) before sending messages. */
  entries: Entry[];
  snapshot?: Snapshot;
  /** Committed on a quorum: apply in order. */
  committedEntries: Entry[];
  messages: Message[];
  readStates: ReadState[];
  /** True when hardState or entries must be fsynced before messages go out. */
  mustSync: boolean;
}
