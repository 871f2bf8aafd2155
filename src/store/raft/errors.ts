// Typed errors of the raft core. Callers test them with instanceof; the server translates them
// once, at its edge, into whatever its clients expect.

export class RaftError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The requested index is below the storage's first index (it was compacted into a snapshot). */
export class ErrCompacted extends RaftError {
  constructor() {
    super("raft: requested index is unavailable due to compaction");
  }
}

/** The requested index is above the storage's last index. */
export class ErrUnavailable extends RaftError {
  constructor() {
    super("raft: requested entry at index is unavailable");
  }
}

/** A snapshot older than the one the storage already holds. */
export class ErrSnapOutOfDate extends RaftError {
  constructor() {
    super("raft: requested index is older than the existing snapshot");
  }
}

/** Storage.snapshot() may throw this while a snapshot is being built; the leader retries later. */
export class ErrSnapshotTemporarilyUnavailable extends RaftError {
  constructor() {
    super("raft: snapshot is temporarily unavailable");
  }
}

/** The proposal was not appended: no leader is known, a transfer is under way, ... (see reason). */
export class ErrProposalDropped extends RaftError {
  constructor(readonly reason: string) {
    super(`raft: proposal dropped: ${reason}`);
  }
}

/** A local-only message type (hup, beat, ...) arrived through step(). */
export class ErrStepLocalMsg extends RaftError {
  constructor() {
    super("raft: cannot step raft local message");
  }
}

/** A response arrived from a node that is not in the configuration. */
export class ErrStepPeerNotFound extends RaftError {
  constructor() {
    super("raft: cannot step as peer not found");
  }
}
