#!/usr/bin/env node
// Summarises a .heapsnapshot (e.g. from memory.mjs --snapshot): self size by node type, by
// constructor, strings by length, and the ArrayBuffer backing stores (bytes outside the JS heap)
// by size with one retainer path each, so that "what holds the memory" has an answer.
//
//   node --max-old-space-size=6000 bench/apiserver/heapsummary.mjs <file.heapsnapshot> [--top 30]
import { readFileSync } from "node:fs";

const file = process.argv[2];
if (!file) {
  process.stderr.write("usage: heapsummary.mjs <file.heapsnapshot> [--top N]\n");
  process.exit(2);
}
const topAt = process.argv.indexOf("--top");
const top = topAt > 0 ? Number(process.argv[topAt + 1]) : 30;
const snap = JSON.parse(readFileSync(file, "utf8"));
const meta = snap.snapshot.meta;
const nodeFields = meta.node_fields;
const edgeFields = meta.edge_fields;
const NF = nodeFields.length;
const EF = edgeFields.length;
const nodeTypes = meta.node_types[0];
const edgeTypes = meta.edge_types[0];
const { nodes, edges, strings } = snap;
const TYPE = nodeFields.indexOf("type");
const NAME = nodeFields.indexOf("name");
const SIZE = nodeFields.indexOf("self_size");
const EDGES = nodeFields.indexOf("edge_count");
const E_TYPE = edgeFields.indexOf("type");
const E_NAME = edgeFields.indexOf("name_or_index");
const E_TO = edgeFields.indexOf("to_node");
const count = nodes.length / NF;

const typeOf = (i) => nodeTypes[nodes[i * NF + TYPE]];
const nameOf = (i) => strings[nodes[i * NF + NAME]];
const sizeOf = (i) => nodes[i * NF + SIZE];
const mib = (b) => (b / 2 ** 20).toFixed(1).padStart(8);

// One retainer per node (the first strong one found) is enough for a path.
const retainer = new Int32Array(count).fill(-1);
const retainerEdge = new Int32Array(count).fill(-1);
for (let i = 0, e = 0; i < count; i++) {
  const end = e + nodes[i * NF + EDGES] * EF;
  for (; e < end; e += EF) {
    if (edgeTypes[edges[e + E_TYPE]] === "weak") continue;
    const to = edges[e + E_TO] / NF;
    if (retainer[to] < 0) {
      retainer[to] = i;
      retainerEdge[to] = e;
    }
  }
}
const edgeName = (e) => {
  const t = edgeTypes[edges[e + E_TYPE]];
  const v = edges[e + E_NAME];
  return t === "element" || t === "hidden" ? `[${v}]` : strings[v];
};
const path = (i, depth) => {
  const out = [];
  for (let cur = i, d = 0; d < depth && retainer[cur] >= 0; d++) {
    const from = retainer[cur];
    out.push(`${edgeName(retainerEdge[cur])} <- ${typeOf(from) === "object" ? nameOf(from).slice(0, 40) : `(${typeOf(from)}) ${nameOf(from).slice(0, 30)}`}`);
    cur = from;
  }
  return out.join("  ");
};

function table(title, map) {
  process.stdout.write(`\n${title}\n     MiB     count  what\n`);
  for (const [k, a] of [...map].sort((x, y) => y[1].size - x[1].size).slice(0, top)) {
    process.stdout.write(`${mib(a.size)} ${String(a.n).padStart(9)}  ${k}\n`);
  }
}
const add = (map, k, s) => {
  const a = map.get(k) ?? { n: 0, size: 0 };
  a.n++;
  a.size += s;
  map.set(k, a);
};

const byType = new Map();
const byCtor = new Map();
const stores = new Map();
const samples = new Map();
let total = 0;
for (let i = 0; i < count; i++) {
  const t = typeOf(i);
  const s = sizeOf(i);
  total += s;
  if (t === "string" || t === "concatenated string" || t === "sliced string") {
    const len = nameOf(i).length;
    add(byType, `${t} (length ${len < 64 ? "< 64" : len < 256 ? "64-255" : len < 4096 ? "256-4095" : ">= 4096"})`, s);
  } else add(byType, t, s);
  if (t === "object" || t === "closure" || t === "array") add(byCtor, `${t} ${nameOf(i).slice(0, 60)}`, s);
  if (t === "native" && nameOf(i) === "system / JSArrayBufferData") {
    const b = s >= 1 << 20 ? ">= 1 MiB" : s >= 64 << 10 ? "64 KiB - 1 MiB" : s >= 4096 ? "4 - 64 KiB" : "< 4 KiB";
    add(stores, b, s);
    if (!samples.has(b) || sizeOf(samples.get(b)) < s) samples.set(b, i);
  }
}
process.stdout.write(`${file}: ${count} nodes, ${mib(total).trim()} MiB of self size (JS heap plus ArrayBuffer backing stores)\n`);
table("by node type", byType);
table("by constructor (objects, closures, arrays)", byCtor);
table("ArrayBuffer backing stores by size", stores);
process.stdout.write("\nthe largest backing store of each size, and what holds it:\n");
for (const [b, i] of samples) process.stdout.write(`  ${b}: ${sizeOf(i)} bytes  ${path(i, 6)}\n`);
