// File-level helpers shared by the WAL and the snapshotter: names, listings, positional writes,
// and callback-fs wrappers (numeric fds, so nothing is closed behind our back by a FileHandle GC).

import fs from "node:fs";
import path from "node:path";

export const FILE_MODE = 0o600;
export const DIR_MODE = 0o700;

export interface SegmentName {
  seq: number;
  /** Raft index the segment was started at (last index + 1 when it was cut). */
  index: number;
  name: string;
}

const HEX16 = /^([0-9a-f]{16})-([0-9a-f]{16})\.wal$/;

function hex16(n: number): string {
  return n.toString(16).padStart(16, "0");
}

export function segmentFileName(seq: number, index: number): string {
  return `${hex16(seq)}-${hex16(index)}.wal`;
}

export function snapFileName(term: number, index: number): string {
  return `${hex16(term)}-${hex16(index)}.snap`;
}

export function parseHexPair(name: string, suffix: string): [number, number] | undefined {
  if (!name.endsWith(suffix)) return undefined;
  const m = /^([0-9a-f]{16})-([0-9a-f]{16})$/.exec(name.slice(0, -suffix.length));
  if (!m) return undefined;
  const a = Number.parseInt(m[1]!, 16);
  const b = Number.parseInt(m[2]!, 16);
  if (!Number.isSafeInteger(a) || !Number.isSafeInteger(b)) return undefined;
  return [a, b];
}

function readdirOrEmpty(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
}

/** The segments in a directory, by sequence number. */
export function listSegments(dir: string): SegmentName[] {
  const out: SegmentName[] = [];
  for (const name of readdirOrEmpty(dir)) {
    if (!HEX16.test(name)) continue;
    const pair = parseHexPair(name, ".wal");
    if (pair) out.push({ seq: pair[0], index: pair[1], name });
  }
  return out.sort((a, b) => a.seq - b.seq);
}

export function listNames(dir: string): string[] {
  return readdirOrEmpty(dir);
}

/** Removes leftovers of an interrupted create/rotation/snapshot save (never part of the log). */
export function removeTmpFiles(dir: string): void {
  for (const name of readdirOrEmpty(dir)) if (name.endsWith(".tmp")) fs.rmSync(path.join(dir, name), { force: true });
}

/** Writes buf[0, length) at position (length defaults to all of buf). */
export function writeAllSync(fd: number, buf: Uint8Array, position: number, length = buf.length): void {
  let done = 0;
  while (done < length) {
    done += fs.writeSync(fd, buf, done, length - done, position + done);
  }
}

export function fsyncDirSync(dir: string): void {
  const fd = fs.openSync(dir, "r");
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

// Thin promise wrappers over the callback API: each call is one job on libuv's thread pool.
export function openAsync(file: string, flags: string, mode = FILE_MODE): Promise<number> {
  return new Promise((res, rej) => fs.open(file, flags, mode, (e, fd) => (e ? rej(e) : res(fd))));
}
export function closeAsync(fd: number): Promise<void> {
  return new Promise((res, rej) => fs.close(fd, (e) => (e ? rej(e) : res())));
}
export function fdatasyncAsync(fd: number): Promise<void> {
  return new Promise((res, rej) => fs.fdatasync(fd, (e) => (e ? rej(e) : res())));
}
export function fsyncAsync(fd: number): Promise<void> {
  return new Promise((res, rej) => fs.fsync(fd, (e) => (e ? rej(e) : res())));
}
export function writeAsync(fd: number, buf: Uint8Array, offset: number, length: number, position: number): Promise<number> {
  return new Promise((res, rej) => fs.write(fd, buf, offset, length, position, (e, n) => (e ? rej(e) : res(n))));
}

const ZEROS = new Uint8Array(1 << 20);

/**
 * Writes real zero blocks over [from, to). A zero-filled file, unlike a sparse one, needs no
 * block allocation when records land in it later, so each fdatasync flushes data only.
 */
export async function zeroFill(fd: number, from: number, to: number): Promise<void> {
  let pos = from;
  while (pos < to) {
    const n = Math.min(ZEROS.length, to - pos);
    pos += await writeAsync(fd, ZEROS, 0, n, pos);
  }
}
