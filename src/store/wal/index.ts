export { Wal, DEFAULT_SEGMENT_SIZE } from "./wal.js";
export type { WalOptions, WalOpenOptions, WalOpenResult, WalStats, SnapshotMarker } from "./wal.js";
export { Snapshotter } from "./snapshotter.js";
export type { SnapshotFile } from "./snapshotter.js";
export { WalError } from "./errors.js";
export type { WalErrorCode } from "./errors.js";
export { crc32c } from "./crc32c.js";
