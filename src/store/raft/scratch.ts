import { simulate } from "./sim.test.js";
let fails = 0;
const t0 = performance.now();
for (const c of [{ size: 3, preVote: false, checkQuorum: false, membership: true },{ size: 3, preVote: true, checkQuorum: true, membership: true },{ size: 5, preVote: true, checkQuorum: false, membership: true },{ size: 5, preVote: false, checkQuorum: true, membership: false }]) {
  const tot: Record<string, number> = {};
  for (let seed = 1; seed <= 20; seed++) { try { const r = simulate({ seed, steps: 1500, ...c }); for (const [k, v] of Object.entries(r)) tot[k] = (tot[k] ?? 0) + v; } catch (e) { fails++; if (fails < 4) console.log(JSON.stringify(c), "seed", seed, String(e).slice(0, 3000)); } }
  console.log(JSON.stringify(c), JSON.stringify(tot));
}
console.log("fails", fails, Math.round(performance.now() - t0), "ms");
