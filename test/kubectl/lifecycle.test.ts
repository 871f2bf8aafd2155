// Runs scripts/mutate-delete, mutate-describe against one `kplane up` (see README.md).
import { scriptSuite } from "./run.js";

scriptSuite(["mutate-delete", "mutate-describe"]);
