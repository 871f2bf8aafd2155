// Runs scripts/watch-wait*.txt against one `kplane up` (see README.md).
import { scriptSuite } from "./run.js";

scriptSuite("watch-wait");
