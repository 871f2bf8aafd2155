// Errors of the MVCC layer; the API edge maps them to etcd's gRPC codes and messages.

export class ErrCompacted extends Error {
  constructor() {
    super("mvcc: required revision has been compacted");
  }
}

export class ErrFutureRev extends Error {
  constructor() {
    super("mvcc: required revision is a future revision");
  }
}
