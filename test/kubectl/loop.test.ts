// Runs scripts/loop-*.txt against one `kplane up` with its control loop (controllers, scheduler,
// three simulated nodes): the flows of issue 5, end to end with real kubectl (see README.md).
import { scriptSuite } from "./run.js";

scriptSuite("loop-", { controlLoop: true });
