// Runs scripts/tables-cluster, tables-misc against one `kplane up` (see README.md).
import { scriptSuite } from "./run.js";

scriptSuite(["tables-cluster", "tables-misc"]);
