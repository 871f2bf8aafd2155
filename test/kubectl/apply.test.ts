// Runs scripts/apply-* (client- and server-side apply, prune, diff, patch, set) against one
// `kplane up` (see README.md).
import { scriptSuite } from "./run.js";

scriptSuite("apply");
