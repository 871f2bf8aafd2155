// Runs scripts/mutate-create, mutate-update against one `kplane up` (see README.md).
import { scriptSuite } from "./run.js";

scriptSuite(["mutate-create", "mutate-update"]);
