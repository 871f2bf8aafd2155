// CPU time and resident memory of a process, from /proc (Linux).
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

const clockTicks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;

/** CPU seconds (user + system) of a process, and of its waited-for children. */
export function cpuSeconds(pid) {
  return parseStat(readFileSync(`/proc/${pid}/stat`, "utf8"));
}

/** The CPU figures of one /proc/<pid>/stat line. */
export function parseStat(stat) {
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // After "pid (comm) ": state is f[0]; utime, stime, cutime, cstime are fields 14-17.
  return { self: (Number(f[11]) + Number(f[12])) / clockTicks, children: (Number(f[13]) + Number(f[14])) / clockTicks };
}

/** Resident memory of a process in MiB: now, its peak, and the anonymous / file-backed parts. */
export function memory(pid) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
  const mib = (v) => Math.round((v / 1024) * 10) / 10;
  return { rssMiB: mib(kb("VmRSS")), peakMiB: mib(kb("VmHWM")), anonMiB: mib(kb("RssAnon")), fileMiB: mib(kb("RssFile")) };
}

/**
 * Seconds the process's main thread spent running and waiting on a run queue for a CPU
 * (/proc/<pid>/schedstat). Waiting is what other load on the machine costs the server.
 */
export function schedSeconds(pid) {
  const [run, wait] = readFileSync(`/proc/${pid}/schedstat`, "utf8").split(" ").map(Number);
  return { run: run / 1e9, wait: wait / 1e9 };
}
