// Long busy stretches in a .cpuprofile: runs of samples with no idle sample between them that
// last at least --min ms, each with where most of its time went, then the self time of every
// function inside such stretches. What a latency tail is made of (a p99 is often decided by a
// few of these), where the profile's totals show only averages.
//   node bench/apiserver/stretches.mjs PROFILE.cpuprofile [--from 14] [--min 15] [--depth 5]
// --from: seconds after the profile's start (skip start-up or a fill phase).
import { readFileSync } from "node:fs";
import { cliArgs } from "../args.mjs";

const { args, opt } = cliArgs(import.meta.url);
const file = args.find((a, i) => !a.startsWith("--") && !args[i - 1]?.startsWith("--"));
if (!file) {
  console.error("usage: node bench/apiserver/stretches.mjs PROFILE.cpuprofile [--from s] [--min ms] [--depth n]");
  process.exit(2);
}
const p = JSON.parse(readFileSync(file, "utf8"));
const fromUs = Number(opt("from", "0")) * 1e6;
const minUs = Number(opt("min", "15")) * 1000;
const depth = Number(opt("depth", "5"));

const byId = new Map(p.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const name = (n) => `${n.callFrame.functionName || "(anonymous)"} ${n.callFrame.url.replace(/.*\/(src|node_modules)\//, "$1/")}:${n.callFrame.lineNumber + 1}`;
const isIdle = (id) => byId.get(id).callFrame.functionName === "(idle)";

const at = [];
let t = p.startTime;
for (let i = 0; i < p.samples.length; i++) {
  t += p.timeDeltas[i];
  at.push(t);
}
const stretches = [];
let start = -1;
for (let i = 0; i < at.length; i++) {
  if (at[i] - p.startTime < fromUs) continue;
  if (!isIdle(p.samples[i])) {
    if (start < 0) start = i;
  } else if (start >= 0) {
    if (at[i] - at[start] >= minUs) stretches.push([start, i]);
    start = -1;
  }
}
console.log(`${stretches.length} busy stretches of ${minUs / 1000} ms or more after ${fromUs / 1e6} s`);
const selfInside = new Map();
for (const [a, b] of stretches) {
  const paths = new Map();
  for (let i = a; i < b; i++) {
    const dt = at[i + 1] - at[i];
    const chain = [];
    for (let id = p.samples[i]; id !== undefined; id = parent.get(id)) chain.push(name(byId.get(id)));
    selfInside.set(chain[0], (selfInside.get(chain[0]) ?? 0) + dt);
    // The outermost frames (below the root) say which kind of work the stretch was.
    const path = chain.slice(-(depth + 1), -1).reverse().join(" > ");
    paths.set(path, (paths.get(path) ?? 0) + dt);
  }
  const [path, us] = [...paths.entries()].sort((x, y) => y[1] - x[1])[0];
  console.log(`${((at[a] - p.startTime) / 1e6).toFixed(2)} s  ${((at[b] - at[a]) / 1000).toFixed(1)} ms  most (${(us / 1000).toFixed(1)} ms): ${path}`);
}
console.log("\nself time inside the stretches:");
for (const [k, v] of [...selfInside.entries()].sort((x, y) => y[1] - x[1]).slice(0, 25)) console.log(`${(v / 1000).toFixed(1).padStart(9)} ms  ${k}`);
