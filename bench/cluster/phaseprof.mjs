// Where each process's time went in each phase of a `bench:cluster --cpu-prof` run: the run's
// .json names the profiles and each phase's CLOCK_MONOTONIC span (the time base of V8's
// .cpuprofile), so every profile is cut to the samples inside a phase and summarized alone.
//   node bench/cluster/phaseprof.mjs RESULTS.json [--process scheduler] [--phase "pods Running"] [--top 25] [--inclusive]
import { readFileSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { inclusive, summarizeProfile } from "../apiserver/profile.mjs";

/** The profile with only the samples taken in [fromUs, toUs). */
export function sliceProfile(profile, fromUs, toUs) {
  const samples = [];
  const timeDeltas = [];
  let t = profile.startTime;
  let last;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    // A sample stands for the time until the next one (as DevTools counts it).
    const span = profile.timeDeltas[i + 1] ?? 0;
    if (t < fromUs || t >= toUs) continue;
    samples.push(profile.samples[i]);
    timeDeltas.push(span);
    last = t;
  }
  return { nodes: profile.nodes, startTime: fromUs, endTime: last ?? fromUs, samples, timeDeltas };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const opt = (n, d) => (args.includes(`--${n}`) ? args[args.indexOf(`--${n}`) + 1] : d);
  const results = JSON.parse(readFileSync(args[0], "utf8"));
  const onlyProc = opt("process", undefined);
  const onlyPhase = opt("phase", undefined);
  const top = Number(opt("top", "20"));
  for (const [name, p] of Object.entries(results.profiles ?? {})) {
    if (onlyProc && name !== onlyProc) continue;
    const prof = JSON.parse(readFileSync(p.file, "utf8"));
    for (const ph of results.phases) {
      if (onlyPhase && ph.phase !== onlyPhase) continue;
      if (!ph.monoUs) throw new Error("this run has no phase spans (monoUs): rerun bench:cluster");
      const cut = sliceProfile(prof, ph.monoUs[0], ph.monoUs[1]);
      process.stdout.write(`\n### ${name} — ${ph.phase} (CPU ${ph.cpuS?.[name === "API server" ? "server" : name] ?? "?"} s)\n\n`);
      if (args.includes("--inclusive")) process.stdout.write(inclusive(cut, top, dirname(p.file)));
      else process.stdout.write(summarizeProfile(cut, top, dirname(p.file)).text);
    }
  }
}
