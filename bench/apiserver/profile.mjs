// Where the server's time went, from a V8 .cpuprofile (node --cpu-prof): self time by function
// and by source file, idle excluded; frames in the bundle are mapped back to the TypeScript
// through its source map.
//   node bench/apiserver/profile.mjs FILE [top]            self time
//   node bench/apiserver/profile.mjs FILE --inclusive [top] time of samples with each function on the stack
//   node bench/apiserver/profile.mjs FILE --callers NAME [depth]  the stacks above NAME's self time
import { existsSync, readFileSync } from "node:fs";
import { SourceMap } from "node:module";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The profile's nodes with parents, self time per node and a readable name per frame. */
function index(profile, mapDir) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map();
  for (let i = 0; i < profile.samples.length; i++) selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + (profile.timeDeltas[i] ?? 0));
  const maps = new Map();
  const where = (cf) => {
    if (!cf.url) return { src: "", line: 0 };
    if (cf.url.startsWith("file://") && cf.url.endsWith(".mjs")) {
      if (!maps.has(cf.url)) {
        // A copy of the bundle's map taken when the profiled process started, if there is one
        // (the bundle may have been rebuilt since).
        const own = fileURLToPath(cf.url) + ".map";
        const copy = mapDir ? join(mapDir, basename(own)) : "";
        const mapFile = copy && existsSync(copy) ? copy : own;
        maps.set(cf.url, existsSync(mapFile) ? new SourceMap(JSON.parse(readFileSync(mapFile, "utf8"))) : undefined);
      }
      const e = maps.get(cf.url)?.findEntry(cf.lineNumber, cf.columnNumber);
      if (e && e.originalSource) return { src: e.originalSource.replace(/^(\.\.\/)+/, ""), line: e.originalLine + 1 };
    }
    return { src: shortUrl(cf.url), line: cf.lineNumber + 1 };
  };
  const names = new Map();
  const name = (id) => {
    let n = names.get(id);
    if (n === undefined) {
      const cf = byId.get(id).callFrame;
      const w = where(cf);
      n = { fn: `${cf.functionName || "(anonymous)"}${w.src ? ` ${w.src}:${w.line}` : ""}`, file: w.src || cf.functionName, idle: cf.functionName === "(idle)" };
      names.set(id, n);
    }
    return n;
  };
  return { parent, selfUs, name };
}

function shortUrl(url) {
  const m = /\/node_modules\/(.*)$/.exec(url);
  if (m) return `npm:${m[1]}`;
  return url.replace(/^file:\/\/.*?\/(dist|src|bench)\//, "$1/");
}

const ranked = (m, top, busy) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, us]) => ({ name, ms: Math.round(us / 1000), pct: Math.round((1000 * us) / busy) / 10 }));

export function summarizeProfile(profile, top = 25, mapDir = undefined) {
  const { selfUs, name } = index(profile, mapDir);
  const fn = new Map();
  const file = new Map();
  let busy = 0;
  let idle = 0;
  for (const [id, us] of selfUs) {
    const n = name(id);
    if (n.idle) {
      idle += us;
      continue;
    }
    busy += us;
    fn.set(n.fn, (fn.get(n.fn) ?? 0) + us);
    file.set(n.file, (file.get(n.file) ?? 0) + us);
  }
  const functions = ranked(fn, top, busy);
  const files = ranked(file, 15, busy);
  let text = `busy ${Math.round(busy / 1000)} ms, idle ${Math.round(idle / 1000)} ms\n\n| self % | ms | function |\n|---|---|---|\n`;
  for (const f of functions) text += `| ${f.pct} | ${f.ms} | ${f.name.replace(/\|/g, "\\|")} |\n`;
  text += `\n| self % | ms | file |\n|---|---|---|\n`;
  for (const f of files) text += `| ${f.pct} | ${f.ms} | ${f.name} |\n`;
  return { busyMs: Math.round(busy / 1000), idleMs: Math.round(idle / 1000), functions, files, text };
}

/** Time of the samples whose stack holds each function (counted once per sample), largest first. */
export function inclusive(profile, top = 40, mapDir = undefined) {
  const { parent, selfUs, name } = index(profile, mapDir);
  const total = new Map();
  let busy = 0;
  for (const [id, us] of selfUs) {
    if (name(id).idle) continue;
    busy += us;
    const seen = new Set();
    for (let p = id; p !== undefined; p = parent.get(p)) {
      const k = name(p).fn;
      if (seen.has(k)) continue;
      seen.add(k);
      total.set(k, (total.get(k) ?? 0) + us);
    }
  }
  return ranked(total, top, busy).map((r) => `${r.pct.toFixed(1).padStart(5)} %  ${r.name}`).join("\n") + "\n";
}

/** The call stacks (innermost `depth` frames above it) in which `fnName` spent its self time. */
export function callersOf(profile, fnName, depth = 6, top = 10, mapDir = undefined) {
  const { parent, selfUs, name } = index(profile, mapDir);
  const stacks = new Map();
  for (const [id, us] of selfUs) {
    if (!name(id).fn.startsWith(fnName)) continue;
    const frames = [];
    for (let p = parent.get(id); p !== undefined && frames.length < depth; p = parent.get(p)) frames.push(name(p).fn);
    const key = frames.join(" < ");
    stacks.set(key, (stacks.get(key) ?? 0) + us);
  }
  return [...stacks].sort((a, b) => b[1] - a[1]).slice(0, top).map(([stack, us]) => `${Math.round(us / 1000)} ms  ${stack}`).join("\n") + "\n";
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // A kplane.mjs.map beside the profile (bench:apiserver copies it there) is used for the bundle.
  const file = process.argv[2];
  const p = JSON.parse(readFileSync(file, "utf8"));
  const dir = join(file, "..");
  if (process.argv[3] === "--inclusive") process.stdout.write(inclusive(p, Number(process.argv[4] ?? 40), dir));
  else if (process.argv[3] === "--callers") process.stdout.write(callersOf(p, process.argv[4], Number(process.argv[5] ?? 6), 10, dir));
  else process.stdout.write(summarizeProfile(p, Number(process.argv[3] ?? 25), dir).text);
}
