// Runs scripts/tables-core, tables-apps against one `kplane up` (see README.md).
import { scriptSuite } from "./run.js";

scriptSuite(["tables-core", "tables-apps"]);
