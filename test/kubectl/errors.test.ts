// Runs scripts/errors-*.txt against one `kplane up` (see README.md).
import { scriptSuite } from "./run.js";

scriptSuite("errors-");
