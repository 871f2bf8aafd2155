// Runs scripts/loop-*.txt against one `kplane up` with its control loop (controllers, scheduler,
// three simulated nodes): the flows of issue 5, end to end with real kubectl (see README.md).
import { scriptFiles, scriptSuite } from "./run.js";

// scripts/loop-procs-*.txt run in loop-processes.test.ts (controllers in their own processes).
const names = scriptFiles(["loop-"]).filter((f) => !f.startsWith("loop-procs-")).map((f) => f.replace(/\.txt$/, ""));
scriptSuite(names, { controlLoop: true });
