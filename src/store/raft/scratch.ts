import { simulate } from "./sim.test.js";
for (const c of [{ size: 3, preVote: false, checkQuorum: false },{ size: 3, preVote: true, checkQuorum: true },{ size: 5, preVote: true, checkQuorum: false },{ size: 5, preVote: false, checkQuorum: true }]) {
  const tot: Record<string, number> = {};
  for (let seed = 1; seed <= 12; seed++) { const r = simulate({ seed, steps: 600, ...c }); for (const [k, v] of Object.entries(r)) tot[k] = (tot[k] ?? 0) + v; }
  console.log(JSON.stringify(c), JSON.stringify(tot));
}
