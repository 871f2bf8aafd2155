// kplane's raft consensus core. See README.md.
export * from "./types.js";
export * from "./errors.js";
export { MemoryStorage, entrySize, type Storage } from "./storage.js";
export { RawNode, type Status, type ProgressStatus } from "./rawnode.js";
export type { Config } from "./raft.js";
export type { ProgressState } from "./progress.js";
export { encodeConfChange, decodeConfChange } from "./confchange.js";
export { describeMessage, describeEntry, isLocalMsg, isResponseMsg } from "./message.js";
