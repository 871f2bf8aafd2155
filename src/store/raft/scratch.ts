import { simulate } from "./sim.test.js";
let fails = 0;
const t0 = performance.now();
for (const c of [{ size: 3, preVote: false, checkQuorum: false, membership: true },{ size: 3, preVote: true, checkQuorum: true, membership: true },{ size: 5, preVote: true, checkQuorum: false, membership: true },{ size: 5, preVote: false, checkQuorum: true, membership: true }, { size: 4, preVote: true, checkQuorum: true, membership: false }, { size: 7, preVote: true, checkQuorum: true, membership: true }]) {
  for (let seed = 1000; seed <= 1300; seed++) { try { simulate({ seed, steps: 3000, ...c }); } catch (e) { fails++; if (fails < 4) console.log(JSON.stringify(c), "seed", seed, String(e).slice(0, 3000)); } }
}
console.log("fails", fails, Math.round(performance.now() - t0), "ms");
