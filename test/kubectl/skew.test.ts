// Runs scripts/skew-*.txt against one `kplane up` (see README.md).
import { scriptSuite } from "./run.js";

scriptSuite("skew-");
