export type WalErrorCode =
  /** create() on a directory that already holds a log, or a snapshot file that already exists. */
  | "exists"
  /** open() on a directory without segments. */
  | "notFound"
  /** A damaged record or segment that is not a torn tail; nothing is dropped silently. */
  | "corrupt"
  /** open(fromSnapshot) but the log holds no marker for that snapshot (or starts after it). */
  | "snapshotNotFound"
  /** The marker at that index has another term. */
  | "snapshotMismatch"
  | "closed"
  /** An earlier write or fsync failed; the process must reopen the log (fsync errors cannot be retried). */
  | "failed";

export class WalError extends Error {
  override readonly name = "WalError";
  constructor(
    readonly code: WalErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
