// The storage contract on kplane's store, in this process.
import { storageContract } from "./contract.js";

storageContract("kplane");
