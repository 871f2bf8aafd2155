// Runs scripts/get-*.txt against one `kplane up` (see README.md).
import { scriptSuite } from "./run.js";

scriptSuite("get-");
