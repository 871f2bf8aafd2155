// The storage contract on a real etcd (/usr/bin/etcd, 3.4) over gRPC.
import { describe } from "node:test";
import { storageContract } from "./contract.js";
import { backendNames } from "./testutil.js";

if (backendNames.includes("etcd")) storageContract("etcd");
else describe("storage on etcd", { skip: "no etcd binary" }, () => {});
