// The same scripts over `kplane apiserver --etcd-servers=<real etcd 3.4>` (the issue asks for
// the API suite over both stores): reads, writes and tables of the core kinds.
import { scriptSuite } from "./run.js";

scriptSuite(["get-", "mutate-update", "tables-core"], { realEtcd: true });
