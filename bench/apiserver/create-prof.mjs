// Profiles one request kind: `kplane up` under --cpu-prof, N pod creates and, with --get, 5 s
// of GETs of them (admin certificate, 16 connections), then the self and inclusive views of
// bench/apiserver/profile.mjs. A development aid for the cost of a path
// (node bench/apiserver/create-prof.mjs [count] [--lifecycle] [--teardown] [--leases] [--get] [--no-build]); --lifecycle
// adds a pods/binding and a pods/status patch per pod (what the scheduler and a kubelet write).
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startUp } from "./server.mjs";
import { inclusive, summarizeProfile } from "./profile.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const count = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 5000);
if (!process.argv.includes("--no-build")) execFileSync(process.execPath, [join(root, "scripts", "build.mjs")], { stdio: "inherit", cwd: root });
const profDir = mkdtempSync(join(tmpdir(), "kplane-create-prof-"));
const server = await startUp(root, { cpuProfDir: profDir, nodeArgs: (process.env.KPLANE_NODE_ARGS ?? "").split(" ").filter(Boolean) });
const load = (spec) => new Promise((resolve, reject) => {
  const p = spawn(process.execPath, [join(root, "bench", "apiserver", "load.mjs"), JSON.stringify({ ...spec, target: server.target, serverPid: server.pid })], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  p.stdout.on("data", (d) => (out += d));
  p.once("exit", (code) => (code === 0 ? resolve(JSON.parse(out.trim().split("\n").pop())) : reject(new Error(`load exited ${code}`))));
});
try {
  await load({ kind: "ensure", objects: [{ path: "/api/v1/namespaces/default/serviceaccounts", body: { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "default", namespace: "default" } } }] });
  const r = await load({ kind: "create", ns: "default", prefix: "bench", from: 0, to: count, conns: 16 });
  console.log(`create ${count}: ${Math.round(r.requests / r.wallS)}/s, server CPU ${Math.round((1e6 * r.serverCpuS) / r.requests)} µs/req, p99 ${r.latency.p99.toFixed(1)} ms`);
  if (process.argv.includes("--lifecycle")) {
    const l = await load({ kind: "lifecycle", ns: "default", prefix: "bench", from: 0, to: count, conns: 16 });
    console.log(`binding + status patch: ${Math.round(l.requests / l.wallS)}/s, server CPU ${Math.round((1e6 * l.serverCpuS) / l.requests)} µs/req, p99 ${l.latency.p99.toFixed(1)} ms${l.errors ? `, ${l.errors} errors (first HTTP ${l.firstError})` : ""}`);
  }
  if (process.argv.includes("--teardown")) {
    const d = await load({ kind: "teardown", ns: "default", prefix: "bench", from: 0, to: count, conns: 16 });
    console.log(`delete + status patch + final delete: ${Math.round(d.requests / d.wallS)}/s, server CPU ${Math.round((1e6 * d.serverCpuS) / d.requests)} µs/req, p99 ${d.latency.p99.toFixed(1)} ms${d.errors ? `, ${d.errors} errors (first HTTP ${d.firstError})` : ""}`);
  }
  if (process.argv.includes("--leases")) {
    for (const conns of (process.env.LEASE_CONNS ?? "1,16").split(",").map(Number)) {
      const l = await load({ kind: "leases", count: 100, conns, durationS: 4 });
      console.log(`lease PUT, ${conns} at a time: ${Math.round(l.requests / l.wallS)}/s, server CPU ${Math.round((1e6 * l.serverCpuS) / l.requests)} µs/req, p99 ${l.latency.p99.toFixed(1)} ms${l.errors ? `, ${l.errors} errors` : ""}`);
    }
  }
  if (process.argv.includes("--get")) {
    const g = await load({ kind: "get", ns: "default", prefix: "bench", count, conns: 16, durationS: 5 });
    console.log(`get: ${Math.round(g.requests / g.wallS)}/s, server CPU ${Math.round((1e6 * g.serverCpuS) / g.requests)} µs/req, p99 ${g.latency.p99.toFixed(1)} ms`);
  }
} finally {
  await server.stop();
}
const file = readdirSync(profDir).find((f) => f.endsWith(".cpuprofile"));
const profile = JSON.parse(readFileSync(join(profDir, file), "utf8"));
console.log(summarizeProfile(profile, 30, profDir).text);
console.log(inclusive(profile, 60, profDir).text ?? JSON.stringify(inclusive(profile, 60, profDir)).slice(0, 5000));
console.log(`profile: ${join(profDir, file)}`);
