import { simulate } from "./sim.test.js";
simulate({ seed: 1, steps: 1500, size: 5, preVote: false, checkQuorum: true, membership: false, dump: true });
